import { describe, expect, it } from 'vitest';
import { ClockSync } from './clock-sync.js';
import { LatencyWindow } from './latency-window.js';

describe('ClockSync', () => {
  it('computes RFC 5905 offset and delay from one exchange', () => {
    const c = new ClockSync();
    // Peer is 1000 ns ahead; 100 ns each way; peer holds it 10 ns.
    const s = c.add(0, 1100, 1110, 210);
    expect(s).toEqual({ offsetNs: 1000, delayNs: 200 });
    expect(c.toLocalNs(5000)).toBe(4000);
  });

  it('trusts the lowest-delay sample of the last 8', () => {
    const c = new ClockSync();
    expect(c.best()).toBeUndefined();
    expect(c.toLocalNs(1)).toBeUndefined();
    c.add(0, 1050, 1050, 100); // delay 100, offset 1000
    for (let i = 1; i <= 7; i++) c.add(0, 1000 + 500, 1500, 1000); // delay 1000, offset 1000 (symmetric but slow)
    expect(c.best()?.delayNs).toBe(100);
    c.add(0, 1900, 1900, 1000); // pushes out the fast sample; asymmetric: offset 1400
    expect(c.best()?.delayNs).toBe(1000);
    expect(c.best()?.offsetNs).toBe(1000);
  });
});

describe('LatencyWindow', () => {
  it('summarises p50/p99/last over a bounded window', () => {
    const w = new LatencyWindow(100);
    expect(w.summary()).toEqual({ count: 0, p50Ms: null, p99Ms: null, lastMs: null });
    for (let i = 1; i <= 200; i++) w.add(i);
    // Only the last 100 (101..200) are kept.
    expect(w.summary()).toEqual({ count: 200, p50Ms: 150, p99Ms: 199, lastMs: 200 });
  });
});
