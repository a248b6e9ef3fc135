import { describe, expect, it } from 'vitest';
import { FixedShaper } from './fixed-shaper.js';

describe('FixedShaper', () => {
  it('lets the bucket depth out back to back, then exactly the rate', () => {
    const s = new FixedShaper(8_000_000); // 1000 bytes per ms, depth 2000 bytes
    expect(s.depthBytes).toBe(2000);
    expect(s.canSend(0)).toBe(true);
    s.onSent(1500, 0);
    expect(s.canSend(0)).toBe(true);
    s.onSent(1500, 0); // 1000 bytes in debt
    expect(s.canSend(0)).toBe(false);
    expect(s.nextSendMs(0)).toBeCloseTo(1.001, 6);
    expect(s.canSend(1.001)).toBe(true);
  });

  it('sends at the rate over a long run, whatever the frame sizes', () => {
    const s = new FixedShaper(10_000_000); // 1250 bytes per ms
    let sent = 0;
    let t = 0;
    const sizes = [100, 1500, 16_384, 40, 3000];
    for (let i = 0; t < 10_000; i++) {
      if (s.canSend(t)) {
        const b = sizes[i % sizes.length] ?? 100;
        s.onSent(b, t);
        sent += b;
      } else t = s.nextSendMs(t);
    }
    // 10 s at 1250 B/ms, within one frame and the bucket's depth.
    expect(Math.abs(sent - 12_500_000)).toBeLessThan(16_384 + 2500);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new FixedShaper(0)).toThrow(RangeError);
  });
});
