import { describe, expect, it } from 'vitest';
import { chunkRanges, chunkSizeFor } from './chunking.js';

describe('chunk sizing', () => {
  it('is ~3 ms of transmission at the measured rate, clamped to [1 KiB, 64 KiB]', () => {
    expect(chunkSizeFor(10_000_000)).toBe(3750); // 10 Mbit/s = 1250 B/ms
    expect(chunkSizeFor(2_000_000)).toBe(1024); // 750 B < 1 KiB floor
    expect(chunkSizeFor(1_000_000_000)).toBe(65_536);
    expect(chunkSizeFor(0)).toBe(1024);
    expect(chunkSizeFor(Number.NaN)).toBe(1024);
    expect(chunkSizeFor(Infinity)).toBe(65_536);
    expect(chunkSizeFor(10_000_000, { targetMs: 5 })).toBe(6250);
  });

  it('cuts objects into contiguous ranges', () => {
    expect(chunkRanges(10, 4)).toEqual([{ offset: 0, end: 4 }, { offset: 4, end: 8 }, { offset: 8, end: 10 }]);
    expect(chunkRanges(0, 4)).toEqual([{ offset: 0, end: 0 }]);
    expect(() => chunkRanges(10, 0)).toThrow(RangeError);
  });
});
