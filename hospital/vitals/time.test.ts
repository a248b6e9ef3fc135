import { describe, expect, it } from 'vitest';
import { nsToMs } from './time.js';

describe('nsToMs', () => {
  it('gives back every exact millisecond of today despite the 256 ns resolution of a double (the naive floor loses some)', () => {
    const base = 1_796_545_939_000;
    let naiveMisses = 0;
    for (let ms = base; ms < base + 20_000; ms++) {
      expect(nsToMs(ms * 1e6)).toBe(ms);
      if (Math.floor((ms * 1e6) / 1e6) !== ms) naiveMisses += 1;
    }
    expect(naiveMisses).toBeGreaterThan(0);
    // Sub-millisecond parts are floored.
    expect(nsToMs(base * 1e6 + 998_000)).toBe(base); // within 1 µs below the next ms rounds up: documented
    expect(nsToMs(base * 1e6 + 400_000)).toBe(base);
  });
});
