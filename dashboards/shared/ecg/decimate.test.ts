import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimateMinMax, drawRaw } from './decimate.js';

describe('decimateMinMax', () => {
  it('keeps a one-sample spike that plain subsampling would drop', () => {
    const s = new Array<number>(1000).fill(0);
    s[503] = 1500;
    s[777] = -900;
    const { min, max } = decimateMinMax(s, 0, 1000, 10);
    expect(Math.max(...max)).toBe(1500);
    expect(Math.min(...min)).toBe(-900);
    expect(max[5]).toBe(1500);
    expect(min[7]).toBe(-900);
    expect(max[0]).toBe(0);
  });

  it('respects the window and skips gaps', () => {
    const s = [9, 1, 2, Number.NaN, 4, 9];
    const { min, max } = decimateMinMax(s, 1, 5, 2);
    expect([...min]).toEqual([1, 4]);
    expect([...max]).toEqual([2, 4]);
    const gap = decimateMinMax([Number.NaN, Number.NaN], 0, 2, 1);
    expect(Number.isNaN(gap.min[0])).toBe(true);
    expect(decimateMinMax(s, 4, 2, 3).min.every(Number.isNaN)).toBe(true);
  });

  it('every sample lands in some column and every column bound is a real sample', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 300 }), (s, cols) => {
        const { min, max } = decimateMinMax(s, 0, s.length, cols);
        const values = new Set(s);
        // Plain comparisons inside the property (expect() per element is slow on a loaded box).
        let ok = Math.min(...min) === Math.min(...s) && Math.max(...max) === Math.max(...s);
        for (let c = 0; c < cols && ok; c++) ok = values.has(min[c]!) && values.has(max[c]!) && min[c]! <= max[c]!;
        return ok;
      }),
    );
  });

  it('draws raw when there are at most two samples per column', () => {
    expect(drawRaw(500, 250)).toBe(true);
    expect(drawRaw(501, 250)).toBe(false);
  });
});
