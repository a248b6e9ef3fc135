import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { Bottleneck, type BottleneckClient, type Slot } from './bottleneck.js';
import { getProfile, startLink, type LinkProfile } from './index.js';
import { createRng } from './prng.js';
import type { Scheduler } from './scheduler.js';
import { traceService } from './service.js';
import { emptyDirStats } from './stats.js';
import { connect, greedy, startTarget } from './test-support.js';
import { loadTrace } from './trace.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Truth {
  mean: number;
  p5: number;
  p50: number;
  p95: number;
}

/** The table of GROUND_TRUTH.txt (computed there by stats.py from the files), read, not copied. */
function groundTruth(): Map<string, Truth> {
  const text = readFileSync(sharedDataPath('cellular-traces', 'GROUND_TRUTH.txt'), 'utf8');
  const rows = new Map<string, Truth>();
  for (const m of text.matchAll(/^(\S+\.(?:up|mahimahi))\s+\d+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s/gm)) {
    rows.set(m[1] ?? '', { mean: Number(m[2]), p5: Number(m[3]), p50: Number(m[4]), p95: Number(m[5]) });
  }
  return rows;
}

/** Percentile with linear interpolation between order statistics (stats.py's definition). */
function pct(sorted: readonly number[], p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[Math.min(sorted.length - 1, lo + 1)] ?? a;
  return a + (b - a) * (pos - lo);
}

/** A scheduler whose clock moves only when the next timer is due: a trace of minutes runs in a second. */
function virtualScheduler(): { sched: Scheduler; runUntil: (t: number) => void } {
  let now = 0;
  let timers: { at: number; fn: () => void; live: boolean }[] = [];
  return {
    sched: {
      now: () => now,
      at(at, fn) {
        const t = { at, fn, live: true };
        timers.push(t);
        return { cancel: () => void (t.live = false) };
      },
    },
    runUntil: (end) => {
      for (;;) {
        timers = timers.filter((t) => t.live);
        const t = timers.reduce<(typeof timers)[number] | undefined>((a, x) => (!a || x.at < a.at ? x : a), undefined);
        if (!t || t.at > end) break;
        t.live = false;
        now = Math.max(now, t.at);
        t.fn();
      }
      now = end;
    },
  };
}

const TRACES = [
  'ATT-LTE-driving.up',
  'TMobile-LTE-driving.first240s.up',
  'Verizon-LTE-driving.first600s.up',
  '5gmemu-static-5g-away_p3-run1.up.mahimahi',
  '5gmemu-walking-5g-away-run3.up.mahimahi',
  '5gmemu-driving-5g-run5-first120s.up.mahimahi',
];

describe('Mahimahi traces through the bottleneck model (virtual clock, greedy sender)', () => {
  const truth = groundTruth();
  it('GROUND_TRUTH.txt lists every shared trace', () => {
    expect([...truth.keys()].sort()).toEqual([...TRACES].sort());
  });

  for (const name of TRACES) {
    it(`${name}: delivered mean and 100-ms percentiles match GROUND_TRUTH within 2 %`, () => {
      const trace = loadTrace(sharedDataPath('cellular-traces', name));
      const T = trace.periodMs;
      const nWin = Math.floor(T / 100);
      const windows = new Array<number>(nWin).fill(0);
      let total = 0;
      const { sched, runUntil } = virtualScheduler();
      const stats = emptyDirStats();
      const bn = new Bottleneck(traceService(trace, 0), {
        queueLimitBytes: 256 * 1024, policy: 'backpressure', rttMs: 40,
        onServed: (bytes, end) => {
          if (end > T) return;
          total += bytes;
          // Complete windows only; a delivery at exactly T belongs to the last one (stats.py's rule).
          const w = Math.min(nWin - 1, Math.floor(end / 100));
          if (end < nWin * 100 || end === T) windows[w] = (windows[w] ?? 0) + bytes;
        },
      }, sched, stats);
      // A greedy sender: every served piece is replaced at once. Socket reads of random sizes are cut
      // as the pipe cuts them for a trace: at every 1500th byte of the stream (MSS-sized segments).
      const rng = createRng(7, name);
      let readLeft = 0;
      let streamOff = 0;
      const piece = (): Slot => {
        if (readLeft === 0) readLeft = 1 + Math.floor(rng() * 65_536);
        const len = Math.min(readLeft, 1500 - (streamOff % 1500));
        readLeft -= len;
        streamOff += len;
        return { buf: Buffer.allocUnsafe(len), due: NaN };
      };
      const sender: BottleneckClient = {
        served: () => bn.enqueue(sender, piece(), sched.now()),
        dropped: () => undefined,
        wake: () => undefined,
      };
      bn.attach(sender);
      while (bn.queuedBytes < 256 * 1024) bn.enqueue(sender, piece(), 0);
      bn.kick();
      runUntil(T + 1);
      const mbit = (bytes: number, ms: number): number => (bytes * 8) / (ms * 1000);
      const sorted = windows.map((b) => mbit(b, 100)).sort((a, b) => a - b);
      const got = { mean: mbit(total, T), p5: pct(sorted, 0.05), p50: pct(sorted, 0.5), p95: pct(sorted, 0.95) };
      const want = truth.get(name);
      console.log(`[link] ${name}: mean ${got.mean.toFixed(2)} p5 ${got.p5.toFixed(2)} p50 ${got.p50.toFixed(2)} p95 ${got.p95.toFixed(2)} Mbit/s; GROUND_TRUTH ${JSON.stringify(want)}`);
      expect(want).toBeDefined();
      for (const k of ['mean', 'p5', 'p50', 'p95'] as const) {
        const w = want?.[k] ?? NaN;
        // 2 %, and GROUND_TRUTH prints 2 decimals (a 0.00 there is anything below 0.005).
        expect(Math.abs(got[k] - w), `${k}: got ${got[k]}, GROUND_TRUTH ${w}`).toBeLessThanOrEqual(Math.max(0.02 * w, 0.005));
      }
    });
  }
});

describe('a trace through the real emulator (real loopback sockets)', () => {
  it('T-Mobile LTE, first 6 s: each second carries what the file offers, within 2 %', async () => {
    const file = sharedDataPath('cellular-traces', 'TMobile-LTE-driving.first240s.up');
    const SECONDS = 6;
    // What the file itself offers per second (lines × 1500 B), counted here without the emulator's code.
    const offered = new Array<number>(SECONDS).fill(0);
    for (const l of readFileSync(file, 'utf8').split('\n')) {
      const t = Number(l);
      if (l !== '' && t < SECONDS * 1000) offered[Math.floor(t / 1000)] = (offered[Math.floor(t / 1000)] ?? 0) + 1500;
    }
    const served = new Array<number>(SECONDS).fill(0);
    let received = 0;
    const target = await startTarget((s) => s.on('data', (c: Buffer) => void (received += c.length)));
    const profile: LinkProfile = {
      name: 'trace-test', description: 'T-Mobile uplink trace',
      up: { delayMs: 20, jitterMs: 0, rateBps: 0, trace: file, queueBytes: 1024 * 1024 },
      down: { delayMs: 20, jitterMs: 0, rateBps: 0 },
      events: {},
    };
    const link = await startLink({
      targetHost: '127.0.0.1', targetPort: target.port, profile, seed: 1,
      onServed: (dir, bytes, at) => {
        if (dir === 'up' && at < SECONDS * 1000) served[Math.floor(at / 1000)] = (served[Math.floor(at / 1000)] ?? 0) + bytes;
      },
    });
    cleanups.push(() => target.close(), () => link.close());
    const c: net.Socket = await connect(link.port);
    cleanups.push(() => Promise.resolve(void c.destroy()));
    greedy(c);
    await new Promise((r) => setTimeout(r, SECONDS * 1000 + 300));
    const s = link.stats();
    console.log(
      `[link] T-Mobile trace, real sockets: offered ${offered.map((b) => ((b * 8) / 1e6).toFixed(2)).join(' ')} Mbit/s per s; ` +
        `served ${served.map((b) => ((b * 8) / 1e6).toFixed(2)).join(' ')}; received ${((received * 8) / 1e6 / (SECONDS + 0.3)).toFixed(2)} Mbit/s avg; ` +
        `offeredBytes ${(s.up.offeredBytes / 1e6).toFixed(2)} MB, max queue ${(s.up.maxQueuedBytes / 1e3).toFixed(0)} kB`,
    );
    // The first second: the connection is set up a few ms after the emulator starts (the trace's
    // first 934 ms are empty anyway); every later second must carry what the trace offers.
    for (let i = 0; i < SECONDS; i++) expect(Math.abs((served[i] ?? 0) - (offered[i] ?? 0))).toBeLessThanOrEqual(0.02 * (offered[i] ?? 0) + 1500);
    const sumServed = served.reduce((a, b) => a + b, 0);
    // What was serialised reached the target (less what is still in the 20 ms delay line).
    expect(received).toBeGreaterThan(0.98 * sumServed);
    expect(s.up.offeredBytes).toBeGreaterThan(0.98 * offered.reduce((a, b) => a + b, 0));
  });
});

describe('rate-steps profile (real loopback sockets)', () => {
  it('10 -> 3 -> 10 -> 3 Mbit/s, one second each, for a greedy sender', async () => {
    const served = [0, 0, 0, 0];
    const target = await startTarget((s) => s.on('data', () => undefined));
    const link = await startLink({
      targetHost: '127.0.0.1', targetPort: target.port, profile: 'rate-steps', seed: 1,
      onServed: (dir, bytes, at) => {
        if (dir === 'up' && at < 4000) served[Math.floor(at / 1000)] = (served[Math.floor(at / 1000)] ?? 0) + bytes;
      },
    });
    cleanups.push(() => target.close(), () => link.close());
    const c = await connect(link.port);
    cleanups.push(() => Promise.resolve(void c.destroy()));
    greedy(c);
    await new Promise((r) => setTimeout(r, 4200));
    const mbps = served.map((b) => (b * 8) / 1e6);
    console.log(`[link] rate-steps, real sockets: ${mbps.map((m) => m.toFixed(2)).join(' -> ')} Mbit/s`);
    // Second 0 starts when the connection does, some ms after the emulator (more on a loaded box);
    // seconds 1-3 within 2 % plus one 1.25 kB piece.
    expect(mbps[0]).toBeGreaterThan(8);
    [3, 10, 3].forEach((want, i) => expect(Math.abs((mbps[i + 1] ?? 0) - want)).toBeLessThanOrEqual(0.02 * want + 0.1));
    // What a benchmark plots as the cell's capacity: 1.25 MB in a 10-Mbit/s second, 375 kB in a 3-Mbit/s one.
    expect(link.capacityBytes('up', 0, 1000)).toBeCloseTo(1_250_000, 0);
    expect(link.capacityBytes('up', 1000, 2000)).toBeCloseTo(375_000, 0);
    expect(link.capacityBytes('down', 0, 1000)).toBeCloseTo(2_500_000, 0);
  });
});

describe('trace profiles', () => {
  it('name shared files that exist and parse', () => {
    for (const n of ['att-lte-driving', 'tmobile-lte-driving', 'verizon-lte-driving', '5g-mmwave-static', '5g-mmwave-walking', '5g-mmwave-driving']) {
      const p = getProfile(n);
      expect(p.up.trace, n).toBeDefined();
      expect(loadTrace(p.up.trace ?? '').times.length).toBeGreaterThan(1000);
    }
  });
});
