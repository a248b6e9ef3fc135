import { describe, expect, it, vi } from 'vitest';
import { RecordAssembler } from './record-assembler.js';
import { Watchdog, backoffMs, systemTimers } from './watchdog.js';

describe('Watchdog (fake time)', () => {
  it('fires exactly periodMs after the last kick, once', () => {
    vi.useFakeTimers();
    try {
      const fired = vi.fn();
      const dog = new Watchdog(1000, () => Date.now(), systemTimers, fired);
      dog.start();
      vi.advanceTimersByTime(600);
      dog.kick();
      vi.advanceTimersByTime(999);
      expect(fired).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(fired).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(5000);
      expect(fired).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('backoffMs', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, 250, 5000))).toEqual([250, 500, 1000, 2000, 4000, 5000]);
  });
});

describe('RecordAssembler', () => {
  it('keeps only samples inside the record and reports missing ones', () => {
    const a = new RecordAssembler('r', 'p', 100, { sampleRateHz: 500, uvPerCount: 1, leads: ['I', 'II'] });
    // Block 90..109 overlaps the start; block 120..129 leaves a gap at 110..119.
    a.add(90, 20, Int16Array.from({ length: 40 }, (_, i) => i));
    a.add(120, 10, Int16Array.from({ length: 20 }, (_, i) => 1000 + i));
    const r = a.finish(130, false);
    expect(r.length).toBe(30);
    expect(r.samples[0]![0]).toBe(10);
    expect(r.samples[1]![0]).toBe(30);
    expect(r.samples[1]![29]).toBe(1019);
    expect(r.missingSamples).toBe(10);
    expect(r.complete).toBe(false);
  });
});
