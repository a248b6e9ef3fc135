import { describe, expect, it } from 'vitest';
import { JitterBuffer } from './jitter-buffer.js';

const ramp = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('JitterBuffer', () => {
  it('plays samples at the sample rate, delayMs behind the first arrival, smoothing a burst', () => {
    const jb = new JitterBuffer(100, 200); // 100 Hz, 200 ms playout delay
    jb.push(0, ramp(0, 10), 1000);
    expect(jb.take(1100)).toEqual([]); // not due before 1200
    expect(jb.take(1200)).toEqual([0]);
    expect(jb.take(1250)).toEqual([1, 2, 3, 4, 5]);
    // The next two chunks arrive together (a burst) but are played at the rate.
    jb.push(10, ramp(10, 10), 1300);
    jb.push(20, ramp(20, 10), 1300);
    expect(jb.take(1300)).toEqual([6, 7, 8, 9, 10]);
    expect(jb.take(1400)).toEqual(ramp(11, 10));
  });

  it('draws a hole as NaN and drops a chunk that arrives after its playout', () => {
    const jb = new JitterBuffer(100, 100);
    jb.push(0, ramp(0, 5), 0);
    expect(jb.take(140)).toEqual([0, 1, 2, 3, 4]);
    // 5..9 never arrive: gap, then 10.. arrives in time.
    jb.push(10, ramp(10, 5), 150);
    expect(jb.take(240)).toEqual([NaN, NaN, NaN, NaN, NaN, 10, 11, 12, 13, 14]);
    jb.push(5, ramp(5, 5), 250); // too late
    expect(jb.late).toBe(1);
    expect(jb.buffered).toBe(0);
  });

  it('keeps at most maxSamples and resynchronises after an index jump or a long sleep', () => {
    const jb = new JitterBuffer(100, 100, 50);
    jb.push(0, ramp(0, 40), 0);
    jb.push(40, ramp(40, 40), 0);
    expect(jb.buffered).toBe(50);
    jb.push(100_000, [7, 8], 10); // monitor restarted: new index base
    expect(jb.resyncs).toBe(1);
    expect(jb.take(110)).toEqual([7]);
    expect(jb.take(60_000)).toEqual([]); // the tab slept a minute: skip, do not dump 6000 samples
    expect(jb.resyncs).toBe(2);
  });
});
