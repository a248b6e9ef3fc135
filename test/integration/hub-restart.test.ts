// The hub is killed (SIGKILL, no goodbye) while a gateway streams durable frames through the link
// emulator; each time it comes back the gateway must reconnect by itself within its backoff bound
// and resume every stream from the hub's acks, so that the hub ends with every frame exactly once.
// Over TLS as deployed (issue 12 item 6): wss:// with mutual TLS through the link emulator, so each
// reconnect is a full TLS handshake.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { hashSecret } from '../../hospital/auth/password.js';
import { TrafficClass } from '../../protocols/index.js';
import { startLink, type LinkEmulator } from '../../simulators/link/index.js';
import { waitFor } from '../helpers/cli-process.js';
import { HubProcess } from '../helpers/hub-process.js';
import { TlsFixture } from '../helpers/tls-fixture.js';

const STREAMS = ['monitor-1/vitals', 'monitor-2/vitals'] as const;
const RECONNECT_MAX_MS = 1000;

describe('hub killed and restarted under durable traffic', () => {
  let dir: string;
  let hub: HubProcess;
  let link: LinkEmulator;
  let gw: RunningGateway;
  let producer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telemed-hub-restart-'));
    const credential = 'integration-secret-' + Math.random().toString(36).slice(2);
    const pki = await TlsFixture.create(join(dir, 'pki'));
    hub = await HubProcess.create(dir, {
      dataDir: join(dir, 'hub'),
      gateways: [{ id: 'amb-9', secretHash: await hashSecret(credential) }],
    }, { tls: pki });
    await hub.start();
    link = await startLink({ targetHost: '127.0.0.1', targetPort: hub.port, profile: 'lan', seed: 7 });
    gw = await startGateway(loadGatewayConfig({
      gatewayId: 'amb-9', siteKind: 'ambulance', siteName: 'test ambulance',
      hub: { url: `wss://127.0.0.1:${link.port}/uplink`, credential, tls: await pki.gateway('amb-9') },
      host: '127.0.0.1', port: 0, dataDir: join(dir, 'gw'),
      reconnect: { initialMs: 50, maxMs: RECONNECT_MAX_MS, jitter: 0.5 },
    }), { logger: pino({ level: 'silent' }) });
  }, 60_000);

  afterAll(async () => {
    if (producer !== undefined) clearInterval(producer);
    await gw?.close();
    await link?.close();
    await hub?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('reconnects after each kill and ends with every durable frame stored exactly once', async () => {
    await waitFor('gateway ready', () => gw.uplink.session.state === 'ready');
    let produced = 0;
    // ~400 durable frames/s over two streams, as a monitor pair would send numerics and alarms.
    producer = setInterval(() => {
      for (let i = 0; i < 2; i++) {
        for (const streamId of STREAMS) {
          gw.uplink.publish({
            streamId, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: Date.now() * 1e6,
            payload: { vitals: { deviceId: streamId.split('/')[0] ?? '', numerics: [{ code: 'MDC_PULS_OXIM_SAT_O2', value: 90 + (produced % 10), unit: '%', valid: true }] } },
          });
          produced++;
        }
      }
    }, 10);

    const reconnectMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      await hub.kill('SIGKILL');
      await waitFor('gateway noticing the hub is gone', () => gw.uplink.session.state !== 'ready', 5000);
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
      await hub.start();
      const back = Date.now();
      await waitFor('gateway reconnected', () => gw.uplink.session.state === 'ready', RECONNECT_MAX_MS + 3000, 10);
      reconnectMs.push(Date.now() - back);
    }
    // And a link fault on top: the emulator cuts every connection.
    link.disconnectAll();
    await waitFor('gateway reconnected after a forced disconnect', () => gw.uplink.session.state === 'ready', RECONNECT_MAX_MS + 3000, 10);

    clearInterval(producer);
    producer = undefined;
    await waitFor('outbox drained', () => gw.uplink.outbox.bytes === 0, 15_000);
    console.log(`hub restart: ${produced} durable frames; reconnect after hub healthy: ${reconnectMs.join(', ')} ms (bound ${RECONNECT_MAX_MS} ms + handshake)`);
    for (const ms of reconnectMs) expect(ms).toBeLessThan(RECONNECT_MAX_MS + 1000);

    const db = new Database(join(dir, 'hub', 'records.db'), { readonly: true });
    try {
      let total = 0;
      for (const streamId of STREAMS) {
        const last = gw.uplink.sequencer.lastSeq(streamId);
        const rows = db.prepare('SELECT seq FROM frames WHERE gateway_id = ? AND stream_id = ? ORDER BY seq').all('amb-9', streamId) as { seq: number }[];
        expect(rows.length).toBe(last);
        // Exactly 1..last: nothing lost, nothing twice.
        rows.forEach((r, i) => expect(r.seq).toBe(i + 1));
        total += rows.length;
      }
      expect(total).toBe(produced);
    } finally {
      db.close();
    }
  }, 90_000);
});
