import { describe, expect, it } from 'vitest';
import { constantService, loadTrace, parseTrace, traceService } from '../../simulators/link/index.js';
import { attainableRatio, unreachableIntervals } from './attainable.js';

describe('bench:matrix attainable bound', () => {
  it('marks the captures whose budget ends before the next delivery opportunity', () => {
    // Opportunities at 0, 10, 100 and 101 ms (period 101). Slack 28 ms (budget 50, one-way 22 at least):
    // a frame captured at 11..71 ms meets no opportunity by t + 28; at 72 it meets the one at 100.
    const svc = traceService(parseTrace('0\n10\n100\n101\n', 'hand-made'), 0);
    const cap = (a: number, b: number): number => svc.capacity(a, b);
    expect(unreachableIntervals(cap, 0, 101, 28)).toEqual([[11, 72]]);
    expect(attainableRatio([0, 10, 10.5, 11, 50, 71.9, 72, 100], [[11, 72]])).toBe(5 / 8);
  });

  it('finds nothing unreachable on a fixed-rate cell, and everything when the budget is shorter than the path', () => {
    const svc = constantService(10_000_000);
    const cap = (a: number, b: number): number => svc.capacity(a, b);
    expect(unreachableIntervals(cap, 0, 5000, 28)).toEqual([]);
    expect(unreachableIntervals(cap, 0, 5000, -1)).toEqual([[0, 5000]]);
    expect(attainableRatio([], [])).toBeNull();
  });

  it('covers the AT&T trace\'s longest outage (GROUND_TRUTH.txt: ms 787596..865913 without an opportunity)', () => {
    const svc = traceService(loadTrace('cellular-traces/ATT-LTE-driving.up'), 0);
    const cap = (a: number, b: number): number => svc.capacity(a, b);
    const iv = unreachableIntervals(cap, 787_000, 866_500, 28);
    // The last opportunity before it is at 787595 ms, the next at 865914: captures from 787596 ms up
    // to 28 ms before that one cannot make it.
    expect(iv.some(([a, b]) => a === 787_596 && b === 865_914 - 28)).toBe(true);
  });
});
