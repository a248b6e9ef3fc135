import { describe, expect, it } from 'vitest';
import { LatencyWindow } from './latency-window.js';

describe('LatencyWindow', () => {
  it('summarises p50/p99/last over a bounded window', () => {
    const w = new LatencyWindow(100);
    expect(w.summary()).toEqual({ count: 0, p50Ms: null, p99Ms: null, lastMs: null });
    for (let i = 1; i <= 200; i++) w.add(i);
    // Only the last 100 (101..200) are kept.
    expect(w.summary()).toEqual({ count: 200, p50Ms: 150, p99Ms: 199, lastMs: 200 });
  });
});
