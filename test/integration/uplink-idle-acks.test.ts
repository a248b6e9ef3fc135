// An idle uplink is quiet (SESSION.md §2b). Every Ack used to count as received bytes, and every
// counted message is reported by an Ack 10 ms later: the hub's Ack made the gateway send one, that
// one made the hub send another, and so on for as long as the connection lived, about one Ack per
// (10 ms + one-way delay) each way on a link with no data at all. Measured by this test on the code
// before acks_uncounted, in its 2 s idle window on a 10 ms link: 3 520 bytes up and 3 002 down
// (about 40 Acks a second each way), and 72 bytes left "in flight" for the gateway's pacer forever. Real hub, real gateway uplink, through the link emulator, whose
// byte counters see every message both ways.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { MemoryOutbox } from '../../gateway/uplink/outbox.js';
import { Uplink } from '../../gateway/uplink/uplink.js';
import { hashSecret } from '../../hospital/auth/password.js';
import { loadHospitalConfig } from '../../hospital/config.js';
import { startHospital, type RunningHospital } from '../../hospital/main.js';
import { systemClock, TrafficClass } from '../../protocols/index.js';
import { parseProfile, startLink, type LinkEmulator } from '../../simulators/link/index.js';
import { waitFor } from '../helpers/cli-process.js';

const CREDENTIAL = 'idle-acks-secret';
/** Pings (clock sync) are the only traffic an idle link should carry: kept out of the window. */
const PING_MS = 60_000;
const log = pino({ level: 'silent' });

describe('an idle uplink through the link emulator', () => {
  let dir: string;
  let hub: RunningHospital;
  let link: LinkEmulator;
  let uplink: Uplink;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telemed-idle-acks-'));
    hub = await startHospital(loadHospitalConfig({
      host: '127.0.0.1', port: 0, dataDir: join(dir, 'hub'), uplink: { pingIntervalMs: PING_MS },
      gateways: [{ id: 'gw-idle', secretHash: await hashSecret(CREDENTIAL) }],
    }), { logger: log });
    link = await startLink({
      targetHost: '127.0.0.1', targetPort: hub.port, seed: 5,
      profile: parseProfile({
        description: 'test: 10 ms each way',
        up: { delayMs: 10, jitterMs: 0, rateBps: 10_000_000, queueMs: 200 },
        down: { delayMs: 10, jitterMs: 0, rateBps: 10_000_000, queueMs: 200 },
      }, 'test-idle'),
    });
    const config = loadGatewayConfig({
      gatewayId: 'gw-idle', hub: { url: `ws://127.0.0.1:${link.port}/uplink`, credential: CREDENTIAL },
      host: '127.0.0.1', port: 0, dataDir: join(dir, 'gw'), uplink: { pingIntervalMs: PING_MS },
    });
    uplink = new Uplink(config, { clock: systemClock, logger: log, outbox: new MemoryOutbox(8 * 1024 * 1024) });
    uplink.start();
  }, 30_000);

  afterAll(async () => {
    await uplink?.close();
    await link?.close();
    await hub?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('carries no Acks once the data stops, and still acks and paces while it flows', async () => {
    await waitFor('the uplink session ready', () => uplink.session.state === 'ready', 10_000, 10);
    let stored = 0;
    const off = hub.app.hospital.registry.onFrame((gw, env) => { if (gw === 'gw-idle' && env.header.durable) stored += 1; });
    try {
      // Half a second of an ambulance's traffic: a waveform chunk every 20 ms, numerics every 100 ms.
      for (let i = 0; i < 25; i++) {
        uplink.publish({ streamId: 'monitor-1/ecg-ii', trafficClass: TrafficClass.TRAFFIC_CLASS_WAVEFORM, durable: false, captureTimeNs: systemClock.nowNs(), payload: { waveform: { deviceId: 'monitor-1', channel: 'ECG_II', code: 'MDC_ECG_LEAD_II', sampleRateHz: 500, firstSampleIndex: i * 20, samples: new Array<number>(20).fill(i), scale: 0.005, unit: 'mV' } } });
        if (i % 5 === 0) await uplink.submit({ streamId: 'monitor-1/vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: systemClock.nowNs(), payload: { vitals: { deviceId: 'monitor-1', numerics: [{ code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%' }] } } });
        await sleep(20);
      }
      await waitFor('5 vitals stored and acked', () => stored === 5 && uplink.outbox.frames === 0, 10_000, 10);
      await sleep(300);
      // The gateway paced on the hub's feedback, and every byte it counted was reported delivered:
      // its uncounted Acks are not left "in flight" to hold later frames back.
      const est = uplink.flow.pacer.estimator;
      expect(est.bytesDelivered).toBeGreaterThan(0);
      expect(est.inflight).toBe(0);
      const before = link.stats();
      await sleep(2000);
      const after = link.stats();
      const up = after.up.bytesIn - before.up.bytesIn;
      const down = after.down.bytesIn - before.down.bytesIn;
      // What is left is the gateway's link statistics, one ~100-byte frame a second, and the hub's
      // rate Ack for each (~40 bytes): at most three of each in two seconds. No Ack answers an Ack.
      expect({ up, down, upOk: up <= 3 * 150, downOk: down <= 3 * 60 }).toMatchObject({ upOk: true, downOk: true });
    } finally {
      off();
    }
  }, 30_000);
});
