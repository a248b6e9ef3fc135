import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { TrafficClass } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { startGateway, type RunningGateway } from '../main.js';
import { FakeHub } from '../uplink/fake-hub.js';
import { ScriptedMonitor } from './scripted-monitor.js';

/** A TCP relay to the hub that can be cut (a tunnel): open connections die, new ones are refused. */
async function tunnel(targetPort: number): Promise<{ port: number; cut(down: boolean): void; close(): Promise<void> }> {
  const open = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: (d) => {
      down = d;
      if (d) for (const s of open) s.destroy();
    },
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let hub: FakeHub | undefined;
let gw: RunningGateway | undefined;
let relay: Awaited<ReturnType<typeof tunnel>> | undefined;
afterEach(async () => {
  await gw?.close();
  await relay?.close();
  await hub?.close();
  gw = hub = relay = undefined;
});

/** [first, end) ranges of sample indices the frames cover, merged. */
function coverage(frames: { first: number; n: number }[]): [number, number][] {
  const sorted = [...frames].sort((a, b) => a.first - b.first);
  const out: [number, number][] = [];
  for (const f of sorted) {
    const last = out.at(-1);
    if (last && f.first <= last[1]) last[1] = Math.max(last[1], f.first + f.n);
    else out.push([f.first, f.first + f.n]);
  }
  return out;
}

describe('recorded waveform backfill', () => {
  it('a tunnel drops the live ECG, but its recorded copy reaches the hub as BULK afterwards, without a gap', async () => {
    hub = await FakeHub.start({ credential: 'c' });
    relay = await tunnel(Number(new URL(hub.url).port));
    const monitor = new ScriptedMonitor('mon-1');
    const config = loadGatewayConfig({
      gatewayId: 'amb-3', siteKind: 'ambulance', hub: { url: `ws://127.0.0.1:${relay.port}/uplink`, credential: 'c' }, port: 0,
      outbox: { kind: 'memory' }, reconnect: { initialMs: 50, maxMs: 100, jitter: 0 }, devices: [{ kind: 'vitals-mqtt', id: 'mon-1' }],
      vitals: { recordWindowS: 1 }, // 500-sample windows, so the test runs in seconds
    });
    gw = await startGateway(config, { logger: pino({ level: 'silent' }), deviceFactory: () => monitor });
    await vi.waitFor(() => expect(gw?.uplink.session.state).toBe('ready'), { timeout: 5000, interval: 10 });

    let emitted = 0;
    const ecg = setInterval(() => {
      monitor.waveform('ecg-ii', 'ECG_II', 'MDC_ECG_LEAD_II', 500, 20, 0.001, 'mV', (i) => i % 1000);
      emitted += 20;
    }, 40);
    try {
      await new Promise((r) => setTimeout(r, 1200));
      relay.cut(true);
      await vi.waitFor(() => expect(gw?.uplink.session.state).not.toBe('ready'), { timeout: 2000, interval: 5 });
      const outageFrom = emitted;
      await new Promise((r) => setTimeout(r, 2000));
      const outageTo = emitted;
      relay.cut(false);
      // Everything recorded up to the end of the outage's last full window arrives.
      const needed = Math.floor(outageTo / 500) * 500;
      await vi.waitFor(() => {
        const rec = hub?.dataFrames('mon-1/rec/ecg-ii') ?? [];
        const cov = coverage(rec.map((e) => ({ first: Number(e.waveform?.firstSampleIndex ?? 0), n: e.waveform?.samples?.length ?? 0 })));
        expect(cov[0]?.[0]).toBe(0);
        expect(cov[0]?.[1]).toBeGreaterThanOrEqual(needed);
        // …and the live copy flows again after the tunnel.
        expect(hub?.dataFrames('mon-1/ecg-ii').some((e) => Number(e.waveform?.firstSampleIndex ?? 0) >= outageTo)).toBe(true);
      }, { timeout: 10_000, interval: 20 });

      const rec = hub.dataFrames('mon-1/rec/ecg-ii');
      for (const e of rec) {
        expect(e.header).toMatchObject({ trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true });
        const first = Number(e.waveform?.firstSampleIndex ?? 0);
        // Windows on sample-index multiples of 500; samples exactly as the monitor sent them.
        expect(first % 500).toBe(0);
        expect(e.waveform?.samples?.slice(0, 3)).toEqual([first % 1000, (first + 1) % 1000, (first + 2) % 1000]);
      }
      // The recorded stream has no hole: its seqs at the hub are 1..n (resends after the reconnect counted once).
      const seqs = [...new Set(rec.map((e) => e.header.seq))].sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      // The live copy did not cross the tunnel: the outage's middle is missing from it.
      const live = coverage(hub.dataFrames('mon-1/ecg-ii').map((e) => ({ first: Number(e.waveform?.firstSampleIndex ?? 0), n: e.waveform?.samples?.length ?? 0 })));
      const mid = Math.floor((outageFrom + outageTo) / 2);
      expect(live.some(([a, b]) => a <= mid && mid < b)).toBe(false);
      expect(live.length).toBeGreaterThan(1);
      expect(hub.dataFrames('mon-1/ecg-ii').every((e) => e.header.trafficClass === TrafficClass.TRAFFIC_CLASS_WAVEFORM && !e.header.durable)).toBe(true);
    } finally {
      clearInterval(ecg);
    }
  });
});
