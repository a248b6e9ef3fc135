import { describe, expect, it } from 'vitest';
import { CLOCK_WINDOW, ClockFilter } from './clock-filter.js';

const MS = 1e6;
/** One exchange at our time `atMs`: the peer `offsetMs` ahead, `upMs`/`downMs` one way, held 0.1 ms. */
function exchange(c: ClockFilter, atMs: number, offsetMs: number, upMs: number, downMs: number): void {
  const t1 = atMs * MS;
  const t2 = t1 + (upMs + offsetMs) * MS;
  const t3 = t2 + 0.1 * MS;
  c.add(t1, t2, t3, t3 - offsetMs * MS + downMs * MS);
}

describe('ClockFilter (RFC 5905 on-wire sample, §10 clock filter)', () => {
  it('computes offset and delay from one exchange', () => {
    const c = new ClockFilter();
    expect(c.best()).toBeUndefined();
    expect(c.offsetMs).toBeNull();
    expect(c.toLocalNs(1)).toBeUndefined();
    // Peer 1000 ns ahead, 100 ns each way, held 10 ns.
    expect(c.add(0, 1100, 1110, 210)).toEqual({ offsetNs: 1000, delayNs: 200, atNs: 210 });
    expect(c.toLocalNs(5000)).toBe(4000);
  });

  it('a minute of uplink queue does not move the offset: the sample from before it is trusted', () => {
    // bench:teleop: 12 ms each way, then the uplink held 120 ms of queue for the rest of the run.
    // A filter over the last 8 samples read 60 ms after 8 s and aged every command past its budget.
    const c = new ClockFilter();
    exchange(c, 0, 5, 12, 12);
    for (let s = 1; s <= 60; s++) exchange(c, s * 1000, 5, 12 + 120, 12);
    expect(c.offsetMs).toBeCloseTo(5, 6);
    expect(c.rttMs).toBeCloseTo(24, 6);
  });

  it('a sample ages out of trust by its drift bound: a fresher one with a little more delay wins', () => {
    const c = new ClockFilter();
    exchange(c, 0, 5, 10, 10); // δ/2 = 10 ms
    // 50 s later its bound is 10 + 5 ms (100 ppm); one at δ/2 = 12 ms (asymmetric by 2 ms) is better.
    exchange(c, 50_000, 5, 14, 10);
    expect(c.rttMs).toBeCloseTo(24, 6);
    expect(c.offsetMs).toBeCloseTo(7, 6);
  });

  it(`keeps ${CLOCK_WINDOW} samples and forgets them all on reset`, () => {
    const c = new ClockFilter();
    exchange(c, 0, 0, 1, 1);
    for (let i = 1; i <= CLOCK_WINDOW; i++) exchange(c, i, 3, 50, 50);
    // The fast first sample is out of the window: the best left is one of the slow ones.
    expect(c.rttMs).toBeCloseTo(100, 6);
    c.reset();
    expect(c.best()).toBeUndefined();
  });
});
