import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Pipe, type PipeConfig } from './pipe.js';
import { createRng } from './prng.js';
import { emptyDirStats } from './stats.js';
import { fakeScheduler } from './test-support.js';


function rig(cfg: Partial<PipeConfig>, rng: () => number = () => 0.5) {
  const { sched, advance } = fakeScheduler();
  const source = new PassThrough();
  const dest = new PassThrough();
  const arrivals: { at: number; bytes: number }[] = [];
  dest.on('data', (c: Buffer) => arrivals.push({ at: sched.now(), bytes: c.length }));
  const stats = emptyDirStats();
  const pipe = new Pipe(source, dest, { delayMs: 0, jitterMs: 0, rateBps: 0, queueLimitBytes: 0, heldLimitBytes: 1 << 20, ...cfg }, sched, rng, stats);
  return { source, dest, pipe, advance, arrivals, stats };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('Pipe on a fake clock', () => {
  it('delivers at arrival + serialisation + delay, exactly', async () => {
    // 8 Mbit/s = 1000 bytes per ms; 4000 bytes take 4 ms to serialise, then 10 ms of delay.
    const r = rig({ rateBps: 8_000_000, delayMs: 10, queueLimitBytes: 100_000 });
    r.source.write(Buffer.alloc(4000));
    await flush();
    r.advance(13.5);
    await flush();
    expect(r.arrivals.reduce((s, a) => s + a.bytes, 0)).toBeLessThan(4000);
    r.advance(14);
    await flush();
    expect(r.arrivals.reduce((s, a) => s + a.bytes, 0)).toBe(4000);
    expect(r.arrivals.at(-1)?.at).toBe(14);
    expect(r.arrivals[0]?.at).toBe(11);
  });

  it('freezes during an outage and resumes without a catch-up burst', async () => {
    const r = rig({ rateBps: 8_000_000, delayMs: 5, queueLimitBytes: 100_000 });
    r.pipe.setFrozen(true);
    r.source.write(Buffer.alloc(2000));
    await flush();
    r.advance(100);
    await flush();
    expect(r.arrivals).toEqual([]);
    r.pipe.setFrozen(false);
    r.advance(200);
    await flush();
    // Serialisation restarts at 100 ms: first 1000 B piece done at 101, delivered at 106.
    expect(r.arrivals[0]?.at).toBe(106);
    expect(r.arrivals.at(-1)?.at).toBe(107);
  });

  it('pauses the source when the queue is full and resumes when it drains', async () => {
    const r = rig({ rateBps: 8_000_000, delayMs: 0, queueLimitBytes: 3000 });
    r.source.write(Buffer.alloc(5000));
    await flush();
    expect(r.source.isPaused()).toBe(true);
    expect(r.stats.pauses).toBe(1);
    r.advance(3);
    await flush();
    expect(r.pipe.queuedBytes).toBeLessThan(3000);
    expect(r.source.isPaused()).toBe(false);
  });

  it('schedules jitter within ±jitter of the delay and never reorders', async () => {
    const { sched, advance } = fakeScheduler();
    const source = new PassThrough();
    const dest = new PassThrough();
    const seqs: number[] = [];
    const delays: number[] = [];
    const sentAt: number[] = [];
    dest.on('data', (c: Buffer) => {
      for (const seq of c) {
        seqs.push(seq);
        delays.push(sched.now() - (sentAt[seq] ?? NaN));
      }
    });
    new Pipe(source, dest, { delayMs: 30, jitterMs: 10, rateBps: 0, queueLimitBytes: 0, heldLimitBytes: 1 << 20 }, sched, createRng(5, 'j'), emptyDirStats());
    for (let seq = 0; seq < 200; seq++) {
      advance(seq * 2);
      sentAt.push(seq * 2);
      source.write(Buffer.from([seq]));
      await flush();
    }
    advance(1000);
    await flush();
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // Never more than 0.25 ms early (the delivery tolerance), never beyond delay + jitter.
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(20 - 0.25);
    expect(Math.max(...delays)).toBeLessThanOrEqual(40);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(10);
  });
});
