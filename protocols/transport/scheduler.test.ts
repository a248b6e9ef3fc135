import { describe, expect, it } from 'vitest';
import type { ClassName } from '../traffic-class.js';
import { ClassScheduler, type DropReason, type SchedItem } from './scheduler.js';
import type { FrameScheduler } from './fifo-scheduler.js';

interface Item extends SchedItem { readonly id: string }
let n = 0;
function item(className: ClassName, o: Partial<Item> = {}): Item {
  n += 1;
  return { id: o.id ?? `${className}${n}`, streamId: o.streamId ?? className, className, durable: o.durable ?? false, deadlineMs: o.deadlineMs ?? 1000, size: o.size ?? 100 };
}
function drain(s: FrameScheduler<Item>, nowMs: number, max = 1000): string[] {
  const out: string[] = [];
  for (let f = s.next(nowMs); f && out.length < max; f = s.next(nowMs)) out.push(f.id);
  return out;
}

describe('ClassScheduler', () => {
  it('orders CONTROL > ALARM > VITALS > WAVEFORM > VIDEO > BULK, FIFO within a class', () => {
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 10, minShare: {} });
    for (const c of ['bulk', 'video', 'waveform', 'vitals', 'alarm', 'control'] as const) s.enqueue(item(c, { id: c, durable: c === 'bulk' || c === 'alarm' || c === 'vitals' }));
    s.enqueue(item('vitals', { id: 'vitals2', durable: true }));
    expect(drain(s, 0)).toEqual(['control', 'alarm', 'vitals', 'vitals2', 'waveform', 'video', 'bulk']);
    expect(s.queuedFrames).toBe(0);
    expect(s.stats().vitals).toMatchObject({ released: 2, releasedBytes: 200, queued: 0, queuedBytes: 0 });
  });

  it('drops realtime frames that cannot arrive by their deadline (transit included); durable ones go late and are counted', () => {
    const drops: [string, DropReason][] = [];
    const late: string[] = [];
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 10, onDrop: (f, r) => drops.push([f.id, r]), onLate: (f) => late.push(f.id) });
    s.enqueue(item('control', { id: 'c', deadlineMs: 50 }));
    s.enqueue(item('video', { id: 'v', deadlineMs: 150 }));
    s.enqueue(item('waveform', { id: 'w', deadlineMs: 500 }));
    s.enqueue(item('alarm', { id: 'a', deadlineMs: 100, durable: true }));
    // now 130 + 25 ms transit: control (50) and video (150) cannot make it; waveform (500) can.
    expect(s.next(130, { transitMs: 25 })?.id).toBe('a');
    expect(s.next(130, { transitMs: 25 })?.id).toBe('w');
    expect(s.next(130, { transitMs: 25 })).toBeUndefined();
    expect(drops).toEqual([['c', 'late'], ['v', 'late']]);
    expect(late).toEqual(['a']);
    expect(s.stats().alarm.late).toBe(1);
    expect(s.stats().alarm.dropped.late).toBe(0);
    expect(s.stats().control.dropped.late).toBe(1);
  });

  it('keeps a realtime frame that arrives exactly at its deadline', () => {
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 10 });
    s.enqueue(item('control', { id: 'c', deadlineMs: 50 }));
    expect(s.next(40, { transitMs: 10 })?.id).toBe('c');
  });

  it('CONTROL is latest-wins per stream; realtime queues drop their oldest when full; durable frames over the byte cap are refused', () => {
    const drops: [string, DropReason][] = [];
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 2, maxDurableBytes: () => 250, onDrop: (f, r) => drops.push([f.id, r]) });
    s.enqueue(item('control', { id: 'arm1', streamId: 'arm' }));
    s.enqueue(item('control', { id: 'hb1', streamId: 'hb' }));
    s.enqueue(item('control', { id: 'arm2', streamId: 'arm' }));
    for (const id of ['v1', 'v2', 'v3']) s.enqueue(item('video', { id }));
    expect(s.enqueue(item('bulk', { id: 'b1', durable: true }))).toBe(true);
    expect(s.enqueue(item('bulk', { id: 'b2', durable: true }))).toBe(true);
    expect(s.enqueue(item('bulk', { id: 'b3', durable: true }))).toBe(false);
    expect(drops).toEqual([['arm1', 'superseded'], ['v1', 'queue_full'], ['b3', 'queue_full']]);
    expect(drain(s, 0)).toEqual(['hb1', 'arm2', 'v2', 'v3', 'b1', 'b2']);
    // Room again once released.
    expect(s.enqueue(item('bulk', { id: 'b4', durable: true }))).toBe(true);
  });

  it('a full realtime queue never drops the durable frames sharing it', () => {
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 1 });
    s.enqueue(item('waveform', { id: 'd1', durable: true }));
    s.enqueue(item('waveform', { id: 'r1' }));
    s.enqueue(item('waveform', { id: 'r2' }));
    expect(drain(s, 0)).toEqual(['d1', 'r2']);
    expect(s.stats().waveform.dropped.queue_full).toBe(1);
  });

  it('anti-starvation: backlogged BULK gets exactly its 10 % byte share under a VITALS flood', () => {
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 10_000, minShare: { bulk: 0.1 } });
    for (let i = 0; i < 1000; i++) s.enqueue(item('vitals', { id: `v${i}`, durable: true, size: 100 }));
    for (let i = 0; i < 1000; i++) s.enqueue(item('bulk', { id: `b${i}`, durable: true, size: 100 }));
    const first = drain(s, 0, 1000);
    const bulk = first.filter((id) => id.startsWith('b')).length;
    // Credit 0.1 × 100 B per release: after 10 releases BULK is owed one frame, then one in every
    // 10 releases is BULK (positions 11, 21, …, 991): 99 of the first 1000, 10 % in steady state.
    expect(bulk).toBe(99);
    expect(first.flatMap((id, i) => (id.startsWith('b') ? [i + 1] : [])).every((pos) => pos % 10 === 1)).toBe(true);
    expect(first.slice(0, 11)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'b0']);
    // CONTROL still goes first even when BULK is owed.
    s.enqueue(item('control', { id: 'c' }));
    expect(s.next(0)?.id).toBe('c');
  });

  it('an idle class banks no credit', () => {
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 100, minShare: { bulk: 0.5 } });
    for (let i = 0; i < 10; i++) s.enqueue(item('vitals', { id: `v${i}`, durable: true }));
    drain(s, 0);
    expect(s.creditOf('bulk')).toBe(0);
  });

  it('the admit hook holds the chosen frame in place', () => {
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 10 });
    s.enqueue(item('bulk', { id: 'b', durable: true, size: 5000 }));
    expect(s.next(0, { admit: (f) => f.size < 1000 })).toBeUndefined();
    expect(s.queuedBytes).toBe(5000);
    expect(s.next(0)?.id).toBe('b');
  });

  it('clear() counts realtime frames and hands back durable ones', () => {
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 10 });
    s.enqueue(item('video', { id: 'v' }));
    s.enqueue(item('alarm', { id: 'a', durable: true }));
    expect(s.clear('link_down').map((f) => f.id)).toEqual(['a']);
    expect(s.stats().video.dropped.link_down).toBe(1);
    expect(s.queuedFrames).toBe(0);
  });
});

describe('FifoScheduler (the baseline)', () => {
  it('releases in arrival order whatever the class, counts late frames, tail-drops realtime beyond its bound', async () => {
    const { FifoScheduler } = await import('./fifo-scheduler.js');
    const s = new FifoScheduler<Item>({ maxRealtimeFrames: 2 });
    s.enqueue(item('bulk', { id: 'b', durable: true, deadlineMs: 10 }));
    s.enqueue(item('video', { id: 'v1' }));
    s.enqueue(item('control', { id: 'c', deadlineMs: 10 }));
    expect(s.enqueue(item('video', { id: 'v2' }))).toBe(false);
    expect(drain(s, 20)).toEqual(['b', 'v1', 'c']);
    expect(s.stats().control.late).toBe(1);
    expect(s.stats().bulk.late).toBe(1);
    expect(s.stats().video.dropped.queue_full).toBe(1);
  });
});
