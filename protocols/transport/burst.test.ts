import { describe, expect, it } from 'vitest';
import { ClassScheduler, type SchedItem } from './scheduler.js';

// Regression for bench:throughput reporting 2 realtime frames/s in scheduled mode: it published
// bursts of 1000 frames on ONE CONTROL stream between pump runs, and CONTROL is latest-wins per
// stream, so 999 of every 1000 were superseded (correctly) and the bench waited 30 s for frames
// that would never be sent. Realtime classes other than CONTROL must release a burst in full.
interface Item extends SchedItem { readonly seq: number }
const burst = (className: 'control' | 'waveform', n: number): Item[] =>
  Array.from({ length: n }, (_, i) => ({ seq: i + 1, streamId: `${className}/s`, className, durable: false, deadlineMs: 60_000, size: 80 }));

describe('ClassScheduler: a burst on one realtime stream', () => {
  it('releases every WAVEFORM frame of a 20 000-frame burst, in order, at fake time 0', () => {
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 1_000_000 });
    for (const f of burst('waveform', 20_000)) s.enqueue(f);
    const out: number[] = [];
    for (let f = s.next(0); f; f = s.next(0)) out.push(f.seq);
    expect(out).toHaveLength(20_000);
    expect(out[0]).toBe(1);
    expect(out[19_999]).toBe(20_000);
    expect(s.stats().waveform.dropped.superseded).toBe(0);
  });

  it('keeps only the newest frame of a burst on one CONTROL stream (latest wins), counted superseded', () => {
    const s = new ClassScheduler<Item>({ maxQueuedFrames: () => 1_000_000 });
    for (const f of burst('control', 1000)) s.enqueue(f);
    expect(s.next(0)?.seq).toBe(1000);
    expect(s.next(0)).toBeUndefined();
    expect(s.stats().control.dropped.superseded).toBe(999);
  });
});
