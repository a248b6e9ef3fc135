import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLink, type LinkEmulator, type LinkProfile } from './index.js';
import { connect, greedy, percentile, probe, probeReader, startTarget } from './test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const RATE = 8_000_000;
const profile: LinkProfile = {
  name: 'shared-test',
  description: 'one 8 Mbit/s uplink for every connection',
  up: { delayMs: 5, jitterMs: 0, rateBps: RATE, queueMs: 100 },
  down: { delayMs: 5, jitterMs: 0, rateBps: 0 },
  events: {},
};

const mbps = (bytes: number, ms: number): number => (bytes * 8) / (ms * 1000);

/** Bytes each target-side connection received between `fromMs` and `toMs` after the call. */
async function window(counts: Map<net.Socket, number>, fromMs: number, toMs: number): Promise<number[]> {
  await new Promise((r) => setTimeout(r, fromMs));
  const a = new Map(counts);
  await new Promise((r) => setTimeout(r, toMs - fromMs));
  return [...counts].map(([s, n]) => n - (a.get(s) ?? 0));
}

async function setup(): Promise<{ link: LinkEmulator; counts: Map<net.Socket, number> }> {
  const counts = new Map<net.Socket, number>();
  const target = await startTarget((s) => {
    counts.set(s, 0);
    s.on('data', (c: Buffer) => counts.set(s, (counts.get(s) ?? 0) + c.length));
  });
  const link = await startLink({ targetHost: '127.0.0.1', targetPort: target.port, profile, seed: 2 });
  cleanups.push(() => target.close(), () => link.close());
  return { link, counts };
}

describe('one bottleneck per direction, shared by every connection (real loopback sockets)', () => {
  for (const n of [1, 2, 3]) {
    it(`${n} greedy connection(s) through one emulator share ${RATE / 1e6} Mbit/s`, async () => {
      const { link, counts } = await setup();
      for (let i = 0; i < n; i++) {
        const c = await connect(link.port);
        cleanups.push(() => Promise.resolve(void c.destroy()));
        greedy(c);
      }
      // Skip the first 0.5 s (queue filling), then measure 2 s.
      const bytes = await window(counts, 500, 2500);
      const each = bytes.map((b) => mbps(b, 2000));
      const sum = each.reduce((a, b) => a + b, 0);
      console.log(`[link] ${n} connection(s) on one ${RATE / 1e6} Mbit/s bottleneck: ${each.map((m) => m.toFixed(2)).join(' + ')} = ${sum.toFixed(2)} Mbit/s; max queue ${(link.stats().up.maxQueuedBytes / 1e3).toFixed(0)} kB`);
      expect(bytes).toHaveLength(n);
      // The old emulator gave each connection its own pipe: n × 8 Mbit/s.
      expect(sum).toBeGreaterThan((RATE / 1e6) * 0.96);
      expect(sum).toBeLessThan((RATE / 1e6) * 1.04);
      // FIFO service of greedy senders: each gets a fair share (within 30 % of rate / n).
      for (const m of each) expect(Math.abs(m - RATE / 1e6 / n)).toBeLessThan((0.3 * RATE) / 1e6 / n);
    });
  }

  it('a built-in greedy flow competes in the same cell and takes its share', async () => {
    const { link, counts } = await setup();
    const flow = await link.startGreedy('up');
    cleanups.push(() => flow.close());
    const alone0 = flow.delivered();
    await new Promise((r) => setTimeout(r, 1500));
    const alone = mbps(flow.delivered() - alone0, 1500);
    // Now an application connection, also greedy, joins the same uplink.
    const c = await connect(link.port);
    cleanups.push(() => Promise.resolve(void c.destroy()));
    greedy(c);
    await new Promise((r) => setTimeout(r, 500));
    const g0 = flow.delivered();
    const app = await window(counts, 0, 2000);
    const competing = mbps(flow.delivered() - g0, 2000);
    const appMbps = mbps(app[0] ?? 0, 2000);
    console.log(`[link] greedy flow alone ${alone.toFixed(2)} Mbit/s; with an app flow: greedy ${competing.toFixed(2)} + app ${appMbps.toFixed(2)} Mbit/s; connections ${link.stats().connections}`);
    expect(alone).toBeGreaterThan(7.6);
    expect(alone).toBeLessThan(8.4);
    expect(competing + appMbps).toBeGreaterThan(7.6);
    expect(competing + appMbps).toBeLessThan(8.4);
    expect(competing).toBeGreaterThan(2.8);
    expect(appMbps).toBeGreaterThan(2.8);
    // Its sink is inside the emulator: the target only ever saw the application's connection.
    expect(counts.size).toBe(1);
    expect(link.stats().up.offeredBytes).toBeGreaterThan(0);
  });

  it("a greedy neighbour's queue delays a light connection's probes (one modem buffer)", async () => {
    const delays: number[] = [];
    const target = await startTarget((s) => s.on('data', probeReader((_seq, ms) => delays.push(ms))));
    const link = await startLink({ targetHost: '127.0.0.1', targetPort: target.port, profile, seed: 2 });
    cleanups.push(() => target.close(), () => link.close());
    const app = await connect(link.port);
    cleanups.push(() => Promise.resolve(void app.destroy()));
    const flow = await link.startGreedy('up');
    cleanups.push(() => flow.close());
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < 20; i++) {
      app.write(probe(i));
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    const p50 = percentile(delays, 50);
    console.log(`[link] probes behind a greedy flow (5 ms one-way, 100 ms queue): p50 ${p50.toFixed(1)} ms, n=${delays.length}`);
    expect(delays).toHaveLength(20);
    // Each probe waits behind the neighbour's queue (about 100 ms at 8 Mbit/s): with a pipe per
    // connection it saw only the 5 ms one-way delay.
    expect(p50).toBeGreaterThan(60);
  });

  it('a greedy download fills the downlink bottleneck', async () => {
    const counts = new Map<net.Socket, number>();
    const target = await startTarget((s) => counts.set(s, 0));
    const link = await startLink({
      targetHost: '127.0.0.1',
      targetPort: target.port,
      profile: { ...profile, down: { delayMs: 5, jitterMs: 0, rateBps: 4_000_000, queueMs: 100 } },
      seed: 2,
    });
    cleanups.push(() => target.close(), () => link.close());
    const flow = await link.startGreedy('down');
    cleanups.push(() => flow.close());
    await new Promise((r) => setTimeout(r, 500));
    const d0 = flow.delivered();
    await new Promise((r) => setTimeout(r, 1500));
    const down = mbps(flow.delivered() - d0, 1500);
    console.log(`[link] greedy download on 4 Mbit/s: ${down.toFixed(2)} Mbit/s`);
    expect(down).toBeGreaterThan(3.8);
    expect(down).toBeLessThan(4.2);
  });
});
