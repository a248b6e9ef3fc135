import { describe, expect, it } from 'vitest';
import { butterworth, filtfilt, interpolateBlocks, movingAverage, quickSelect, runningScale, toFloat } from './filters.js';
import { INVALID_SAMPLE } from '../../../protocols/ecg/record.js';

describe('QRS filter building blocks', () => {
  it('interpolates block values linearly between block centres and holds them beyond the ends', () => {
    const out = interpolateBlocks(new Float64Array([0, 10, 20]), 10, 30);
    expect(out[0]).toBe(0);
    expect(out[5]).toBe(0);
    expect(out[10]).toBe(5);
    expect(out[15]).toBe(10);
    expect(out[24]).toBe(19);
    expect(out[25]).toBe(20);
    expect(out[29]).toBe(20);
    expect(Array.from(interpolateBlocks(new Float64Array([3]), 10, 4))).toEqual([3, 3, 3, 3]);
  });

  it('running scale follows block maxima; quickSelect finds the median', () => {
    const x = new Float64Array(100);
    for (let b = 0; b < 10; b++) x[b * 10 + 3] = b === 4 ? 100 : 1; // one outlier block
    const s = runningScale(x, 10, 5);
    expect(s[45]).toBe(1); // the median ignores the outlier
    expect(quickSelect(new Float64Array([5, 1, 4, 2, 3]), 5, 2)).toBe(3);
  });

  it('zero-phase band-pass keeps a peak in place and removes DC; gaps are held, not spiked', () => {
    const fs = 250;
    const x = new Float64Array(1000).fill(500);
    x[500] = 1500;
    filtfilt(butterworth('high', 5, fs), x);
    filtfilt(butterworth('low', 15, fs), x);
    let at = 0;
    x.forEach((v, i) => { if (Math.abs(v) > Math.abs(x[at] ?? 0)) at = i; });
    expect(at).toBe(500);
    expect(Math.abs(x[100] ?? 1)).toBeLessThan(1e-6);
    expect(Array.from(toFloat([INVALID_SAMPLE, 3, INVALID_SAMPLE, 5]))).toEqual([3, 3, 3, 5]);
    expect(Array.from(movingAverage(new Float64Array([0, 0, 3, 0, 0]), 3))).toEqual([0, 1, 1, 1, 0]);
  });
});
