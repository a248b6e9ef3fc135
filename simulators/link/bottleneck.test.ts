import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Bottleneck } from './bottleneck.js';
import { startLink, type LinkProfile } from './index.js';
import { Pipe } from './pipe.js';
import { constantService } from './service.js';
import { emptyDirStats } from './stats.js';
import { connect, fakeScheduler, pattern, startTarget, until } from './test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


const flush = () => new Promise<void>((r) => setImmediate(r));

describe('drop-tail queue (fake clock)', () => {
  it('drops what does not fit, counts it, resends it a round trip plus the queue later, and holds what follows (TCP order)', async () => {
    const { sched, advance } = fakeScheduler();
    const stats = emptyDirStats();
    // 8 Mbit/s = 1000 B per ms (1000-B pieces); a 3000-B queue; base round trip 20 ms.
    const bn = new Bottleneck(constantService(8_000_000), { queueLimitBytes: 3000, policy: 'drop-tail', rttMs: 20 }, sched, stats);
    const source = new PassThrough();
    const dest = new PassThrough();
    const arrivals: { at: number; first: number; bytes: number }[] = [];
    dest.on('data', (c: Buffer) => arrivals.push({ at: sched.now(), first: c[0] ?? -1, bytes: c.length }));
    new Pipe(source, dest, { delayMs: 10, jitterMs: 0, rateBps: 0, queueLimitBytes: 0, heldLimitBytes: 1 << 20 }, sched, () => 0.5, stats, bn);
    // Five 1000-B pieces marked 0..4 arrive at once: the first starts serialising at once, so the
    // queue holds it and the next two; the last two are dropped.
    source.write(Buffer.concat([0, 1, 2, 3, 4].map((i) => Buffer.alloc(1000, i))));
    await flush();
    expect(stats.drops).toBe(2);
    expect(stats.droppedBytes).toBe(2000);
    advance(100);
    await flush();
    // Pieces 0-2: serialised 0-3 ms, delivered at 11, 12, 13 ms. Pieces 3, 4: re-offered at
    // 0 + 20 (round trip) + 3 (the 3000 B queued ahead drain at 8 Mbit/s) = 23 ms, serialised 23-25,
    // delivered at 34 and 35 ms: a stall of one round trip plus the queue, then in order.
    expect(arrivals.map((a) => [a.at, a.first])).toEqual([[11, 0], [12, 1], [13, 2], [34, 3], [35, 4]]);
    expect(stats.heldBytes).toBe(0);
  });

  it('backpressure (the default) never drops', async () => {
    const { sched } = fakeScheduler();
    const stats = emptyDirStats();
    const source = new PassThrough();
    new Pipe(source, new PassThrough(), { delayMs: 10, jitterMs: 0, rateBps: 8_000_000, queueLimitBytes: 3000, heldLimitBytes: 1 << 20 }, sched, () => 0.5, stats);
    source.write(Buffer.alloc(5000));
    await flush();
    expect(stats.drops).toBe(0);
    expect(stats.pauses).toBe(1);
  });
});

describe('shared bottleneck (fake clock)', () => {
  function twoPipes() {
    const { sched, advance } = fakeScheduler();
    const stats = emptyDirStats();
    // 8 Mbit/s (1000-B pieces), a 3000-B queue shared by two connections.
    const bn = new Bottleneck(constantService(8_000_000), { queueLimitBytes: 3000, policy: 'backpressure', rttMs: 0 }, sched, stats);
    const order: string[] = [];
    const pipes = (['a', 'b'] as const).map((name) => {
      const source = new PassThrough();
      const dest = new PassThrough();
      dest.on('data', (c: Buffer) => {
        for (let i = 0; i < c.length; i += 1000) order.push(name);
      });
      const pipe = new Pipe(source, dest, { delayMs: 0, jitterMs: 0, rateBps: 0, queueLimitBytes: 0, heldLimitBytes: 1 << 20 }, sched, () => 0.5, stats, bn);
      return { source, pipe };
    });
    return { advance, stats, order, pipes };
  }

  it('admits waiting connections one piece each in turn: equal service, whoever read first', async () => {
    const r = twoPipes();
    r.pipes[0]?.source.write(Buffer.alloc(10_000));
    r.pipes[1]?.source.write(Buffer.alloc(10_000));
    await flush();
    r.advance(100);
    await flush();
    // a read first: its first piece went straight to the transmitter and three more filled the
    // queue; then one piece each in turn while both wait (a's fifth was first in line), b's rest alone.
    expect(r.order.join('')).toBe('aaaaa' + 'ba'.repeat(5) + 'bbbbb');
    expect(r.stats.queuedBytes).toBe(0);
  });

  it('a connection that goes away frees its queued bytes; the other goes on', async () => {
    const r = twoPipes();
    r.pipes[0]?.source.write(Buffer.alloc(10_000));
    r.pipes[1]?.source.write(Buffer.alloc(5_000));
    await flush();
    r.advance(2);
    r.pipes[0]?.pipe.destroy();
    r.advance(100);
    await flush();
    expect(r.order.filter((n) => n === 'b')).toHaveLength(5);
    expect(r.stats.queuedBytes).toBe(0);
    expect(r.stats.heldBytes).toBe(0);
  });
});

describe('offered capacity', () => {
  it('counts what the bottleneck offered with the link up, outage time excluded', () => {
    const { sched, advance } = fakeScheduler();
    const bn = new Bottleneck(constantService(8_000_000), { queueLimitBytes: 0, policy: 'backpressure', rttMs: 0 }, sched, emptyDirStats());
    advance(100);
    bn.setFrozen(true);
    advance(250);
    bn.setFrozen(false);
    advance(350);
    // 100 ms + 100 ms up at 1000 B/ms; the 150 ms outage offered nothing.
    expect(bn.offeredBytes()).toBe(200_000);
  });
});

describe('drop-tail through real sockets', () => {
  it('a greedy sender into a drop-tail queue: drops counted, every byte arrives once, in order, with the emulated window bounding what is held', async () => {
    const total = 600_000;
    const got: Buffer[] = [];
    let received = 0;
    const target = await startTarget((s) => s.on('data', (c: Buffer) => {
      got.push(c);
      received += c.length;
    }));
    const profile: LinkProfile = {
      name: 'drop-tail-test', description: 'test',
      up: { delayMs: 10, jitterMs: 0, rateBps: 8_000_000, queueBytes: 30_000, queuePolicy: 'drop-tail' },
      down: { delayMs: 10, jitterMs: 0, rateBps: 0 },
      events: {},
    };
    const link = await startLink({ targetHost: '127.0.0.1', targetPort: target.port, profile, seed: 1 });
    cleanups.push(() => target.close(), () => link.close());
    const c = await connect(link.port);
    cleanups.push(() => Promise.resolve(void c.destroy()));
    const t0 = performance.now();
    c.write(pattern(0, total));
    await until(() => received === total, 15_000, 'every byte');
    const ms = performance.now() - t0;
    const s = link.stats();
    console.log(`[link] drop-tail 8 Mbit/s, 30 kB queue: ${s.up.drops} drops (${(s.up.droppedBytes / 1e3).toFixed(0)} kB), ${total} B in ${ms.toFixed(0)} ms = ${((total * 8) / ms / 1000).toFixed(2)} Mbit/s, max held ${(s.up.maxHeldBytes / 1e3).toFixed(0)} kB`);
    expect(Buffer.concat(got).equals(pattern(0, total))).toBe(true);
    expect(s.up.drops).toBeGreaterThan(0);
    expect(s.up.pauses).toBeGreaterThan(0); // only the per-connection hold cap stops reading
    expect(s.up.maxQueuedBytes).toBeLessThanOrEqual(30_000);
    // The emulated window (slow start, halved per loss event) keeps resends from being dropped
    // forever: 600 kB at 8 Mbit/s is 600 ms of serialisation, plus the stalls of each loss.
    expect(ms).toBeLessThan(5000);
    expect(s.up.maxHeldBytes).toBeLessThan(256 * 1024);
  });
});
