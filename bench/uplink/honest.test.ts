import { describe, expect, it } from 'vitest';
import { ageOfInformationP99, offeredMsKey, offeredQuantile, onTimeRatio } from './honest.js';

const rec = (t: number, r: number) => ({ s: 'arm', q: 0, t, r, x: 0 });

describe('latency over offered frames', () => {
  it('counts frames never delivered as infinitely late', () => {
    const lat = Array.from({ length: 98 }, (_, i) => i + 1); // 1..98 ms
    // 100 offered, 98 delivered: the 99th percentile lands among the 2 missing ones.
    expect(offeredQuantile(lat, 2, 0.99)).toBe('inf');
    // Delivered-only, the same run would have shown 98 ms.
    expect(offeredQuantile(lat, 0, 0.99)).toBe(98);
    expect(offeredQuantile(lat, 2, 0.5)).toBe(51);
    expect(offeredQuantile([], 0, 0.99)).toBeNull();
    expect(offeredQuantile([], 3, 0.5)).toBe('inf');
  });

  it('gives the on-time ratio against what was offered', () => {
    expect(onTimeRatio([10, 20, 60], 4, 50)).toBe(0.5);
    expect(onTimeRatio([], 0, 50)).toBeNull();
  });

  it('orders inf above every number for medians', () => {
    expect([offeredMsKey('inf'), offeredMsKey(3), offeredMsKey(1e9)].sort((a, b) => a - b)).toEqual([3, 1e9, Infinity]);
  });
});

describe('age of information (latest wins)', () => {
  it('is one-way delay plus the send period on a steady stream', () => {
    // A frame every 10 ms, each arriving 20 ms after capture: age cycles 20..29 ms.
    const recv = Array.from({ length: 200 }, (_, i) => rec(i * 10, i * 10 + 20));
    expect(ageOfInformationP99(recv, 100, 1900)).toBe(29);
  });

  it('charges a stall its whole length, but not a dropped frame that a fresher one covers', () => {
    const steady = Array.from({ length: 200 }, (_, i) => rec(i * 10, i * 10 + 20));
    // Every other frame dropped: age up to 39 ms, not infinity.
    expect(ageOfInformationP99(steady.filter((_, i) => i % 2 === 0), 100, 1900)).toBe(39);
    // Nothing arrives between 1000 and 1500 ms (a 500 ms stall in a 1 s window): the age climbs to ~520 ms.
    const stalled = steady.filter((f) => f.r < 1000 || f.r >= 1500);
    const p99 = ageOfInformationP99(stalled, 1000, 2000);
    expect(typeof p99).toBe('number');
    expect(p99).toBeGreaterThan(480);
  });

  it('is inf when nothing had arrived for more than 1 % of the window', () => {
    expect(ageOfInformationP99([rec(500, 520)], 0, 1000)).toBe('inf');
    expect(ageOfInformationP99([], 0, 1000)).toBe('inf');
  });
});
