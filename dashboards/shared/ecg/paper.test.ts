import { describe, expect, it } from 'vitest';
import { caliperReading, cssPxPerMm, devicePxPerMm, mmToPx, pxToMm, secondsToMm, showMinorLines, uvToMm } from './paper.js';

describe('paper arithmetic', () => {
  it('96 CSS px per inch: 1 mm ≈ 3.78 px, scaled by calibration and devicePixelRatio', () => {
    expect(cssPxPerMm()).toBeCloseTo(3.7795, 3);
    expect(cssPxPerMm(1.1)).toBeCloseTo(4.1575, 3);
    expect(devicePxPerMm(2)).toBeCloseTo(7.559, 3);
    expect(devicePxPerMm(Number.NaN)).toBeCloseTo(cssPxPerMm(), 9); // a broken dpr falls back to 1
    expect(() => cssPxPerMm(0)).toThrow(RangeError);
    expect(pxToMm(mmToPx(17, 3.5), 3.5)).toBeCloseTo(17, 12);
  });

  it('10 mm/mV and 25 mm/s: 1 mV is 10 mm, 1 s is 25 mm, a minor box is 40 ms', () => {
    expect(uvToMm(1000, 10)).toBe(10);
    expect(uvToMm(-500, 20)).toBe(-10);
    expect(secondsToMm(1, 25)).toBe(25);
    expect(secondsToMm(0.04, 25)).toBeCloseTo(1, 12);
    expect(secondsToMm(0.2, 50)).toBeCloseTo(10, 12);
  });

  it('calipers: 20 mm at 25 mm/s is 800 ms and 75 bpm; at 50 mm/s 400 ms and 150 bpm; order does not matter', () => {
    expect(caliperReading(10, 30, 25)).toEqual({ intervalMs: 800, rateBpm: 75 });
    expect(caliperReading(30, 10, 50)).toEqual({ intervalMs: 400, rateBpm: 150 });
    expect(caliperReading(5, 5, 25)).toEqual({ intervalMs: 0, rateBpm: null });
  });

  it('hides minor lines closer than 3 device px', () => {
    expect(showMinorLines(2.9)).toBe(false);
    expect(showMinorLines(3.78)).toBe(true);
  });
});
