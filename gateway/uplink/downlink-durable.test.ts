import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { systemClock, TrafficClass, type DecodedEnvelope } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { FakeHub } from './fake-hub.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { Uplink } from './uplink.js';

const SECRET = 'downlink-secret';
let hub: FakeHub | undefined;
let uplink: Uplink | undefined;
let outbox: SqliteOutbox | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await uplink?.close();
  outbox?.close();
  await hub?.close();
  uplink = hub = outbox = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const diag = (seq: number) => ({
  header: { gatewayId: 'hub', streamId: 'ecg-diagnosis', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true },
  diagnosis: { recordId: 'r1', text: `reading ${seq}` },
});

describe('durable downlink at the gateway', () => {
  it('delivers each hub seq once, even when the hub resends after the gateway restarted', async () => {
    hub = await FakeHub.start({ credential: SECRET });
    const dir = mkdtempSync(join(tmpdir(), 'telemed-gw-downlink-'));
    dirs.push(dir);
    const config = loadGatewayConfig({ gatewayId: 'clinic-1', hub: { url: hub.url, credential: SECRET }, reconnect: { initialMs: 10, maxMs: 40, jitter: 0 } });
    const delivered: DecodedEnvelope[] = [];
    const start = (): Uplink => {
      outbox = new SqliteOutbox({ dataDir: dir, maxBytes: 1 << 20 });
      const u = new Uplink(config, { clock: systemClock, logger: pino({ level: 'silent' }), outbox, hooks: { downlink: (env) => delivered.push(env) } });
      u.start();
      return u;
    };
    const acksOf = (): number[] => hub?.received.filter((e) => e.payload === 'ack' && (e.ack?.streams?.length ?? 0) > 0)
      .map((e) => Number(e.ack?.streams?.[0]?.seq)) ?? [];

    uplink = start();
    await vi.waitFor(() => expect(uplink?.session.state).toBe('ready'), { timeout: 3000, interval: 5 });
    hub.send(diag(1));
    hub.send(diag(1)); // a resend on the same connection
    await vi.waitFor(() => expect(acksOf()).toEqual([1, 1]), { timeout: 3000, interval: 5 });
    expect(delivered.map((e) => e.header.seq)).toEqual([1]);

    await uplink.close();
    outbox?.close();
    uplink = start(); // a new process on the same outbox.db
    await vi.waitFor(() => expect(hub?.sockets.size).toBe(1), { timeout: 3000, interval: 5 });
    await vi.waitFor(() => expect(uplink?.session.state).toBe('ready'), { timeout: 3000, interval: 5 });
    hub.send(diag(1)); // the hub never saw our ack: it resends after our restart
    hub.send(diag(2));
    await vi.waitFor(() => expect(acksOf()).toEqual([1, 1, 1, 2]), { timeout: 3000, interval: 5 });
    expect(delivered.map((e) => [e.header.seq, e.diagnosis?.text])).toEqual([[1, 'reading 1'], [2, 'reading 2']]);
    expect(outbox?.downlinkHigh('ecg-diagnosis')).toBe(2);
  });
});
