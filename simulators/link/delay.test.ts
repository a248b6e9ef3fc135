import { afterEach, describe, expect, it } from 'vitest';
import { startLink, type LinkEmulator, type LinkProfile } from './index.js';
import { connect, percentile, probe, probeReader, startTarget, until } from './test-support.js';

const base = (up: Partial<LinkProfile['up']>): LinkProfile => ({
  name: 'test',
  description: 'test',
  up: { delayMs: 0, jitterMs: 0, rateBps: 0, ...up },
  down: { delayMs: 0, jitterMs: 0, rateBps: 0 },
  events: {},
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Sends `n` probes every `everyMs` through a link and returns their one-way delays in order. */
async function measure(profile: LinkProfile, n: number, everyMs: number): Promise<{ seqs: number[]; delays: number[]; link: LinkEmulator }> {
  const seqs: number[] = [];
  const delays: number[] = [];
  const read = probeReader((seq, ms) => {
    seqs.push(seq);
    delays.push(ms);
  });
  const target = await startTarget((s) => s.on('data', read));
  const link = await startLink({ targetHost: '127.0.0.1', targetPort: target.port, profile, seed: 7 });
  const client = await connect(link.port);
  cleanups.push(() => target.close(), () => link.close(), () => Promise.resolve(void client.destroy()));
  for (let i = 0; i < n; i++) {
    client.write(probe(i));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  await until(() => seqs.length === n, 3000, 'all probes');
  return { seqs, delays, link };
}

describe('link delay and jitter (real loopback sockets)', () => {
  it('adds the configured one-way delay: 40 ms within ±5 ms at p50', async () => {
    const { delays } = await measure(base({ delayMs: 40 }), 60, 5);
    const p50 = percentile(delays, 50);
    const p90 = percentile(delays, 90);
    const p99 = percentile(delays, 99);
    console.log(`[link] delay 40 ms configured: measured p50 ${p50.toFixed(2)} ms, p90 ${p90.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, min ${Math.min(...delays).toFixed(2)} ms (n=${delays.length})`);
    expect(Math.abs(p50 - 40)).toBeLessThanOrEqual(5);
    // Never early (the emulator's own guarantee); lateness is the event loop's, so the tail
    // bound is looser on a shared, loaded box.
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(39.5);
    expect(p90).toBeLessThanOrEqual(46);
  });

  it('keeps jitter within bounds and never reorders', async () => {
    const { seqs, delays } = await measure(base({ delayMs: 30, jitterMs: 10 }), 100, 4);
    const min = Math.min(...delays);
    const max = Math.max(...delays);
    const p50 = percentile(delays, 50);
    const p95 = percentile(delays, 95);
    console.log(`[link] delay 30±10 ms configured: measured min ${min.toFixed(2)}, p50 ${p50.toFixed(2)}, p95 ${p95.toFixed(2)}, max ${max.toFixed(2)} ms (n=${delays.length})`);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(min).toBeGreaterThanOrEqual(20 - 0.5);
    // The upper bound here includes the event loop's lateness on a shared 2-core box running other
    // suites in parallel; the exact bound of the emulator's own schedule is in pipe.test.ts.
    expect(p50).toBeLessThanOrEqual(40);
    expect(p95).toBeLessThanOrEqual(40 + 6);
    // Jitter must actually vary the delay, not just add a constant.
    expect(max - min).toBeGreaterThan(5);
  });

  it('lan profile adds (almost) nothing', async () => {
    const { delays } = await measure(base({}), 40, 3);
    const p50 = percentile(delays, 50);
    console.log(`[link] lan profile: measured p50 ${p50.toFixed(3)} ms, max ${Math.max(...delays).toFixed(3)} ms`);
    expect(p50).toBeLessThan(2);
  });
});
