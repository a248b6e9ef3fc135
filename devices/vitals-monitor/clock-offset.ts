/**
 * What to add to a monitor's timestamps to put them on the gateway's clock.
 *
 * The monitor's clock is trusted (monitors in an ambulance take NTP from its router) until the
 * messages prove it wrong. The proof is NTP's minimum filter on one leg: the smallest
 * (received − sent) over the current and the previous window is the clock offset plus the least
 * delay, and on a local broker the least delay is milliseconds. So:
 * - minimum below −tolerance: the monitor's clock is ahead (a message cannot arrive before it was
 *   sent): corrected at once;
 * - minimum above +tolerance for a whole window: it is behind: corrected. Not sooner, because a
 *   backlog held in the broker while the gateway was away (QoS 1, persistent session) also arrives
 *   "late", in a burst; its minimum falls as it drains and live messages follow within a window.
 * The window rolls, so a monitor whose clock is stepped is followed within two windows.
 */
export class ClockOffset {
  private current = Number.POSITIVE_INFINITY;
  private previous = Number.POSITIVE_INFINITY;
  private windowStart: number | null = null;
  private firstMono: number | null = null;

  /**
   * @param windowMs length of one minimum window, ms
   * @param toleranceMs offsets within ±this are delays, not a wrong clock, ms
   */
  constructor(private readonly windowMs = 30_000, readonly toleranceMs = 2000) {}

  /** Records one message (gateway receive time, monitor send time, gateway monotonic ms); returns the offset to add, ms. */
  observe(receivedMs: number, sentMs: number, monoMs: number): number {
    this.windowStart ??= monoMs;
    this.firstMono ??= monoMs;
    if (monoMs - this.windowStart >= this.windowMs) {
      this.previous = this.current;
      this.current = Number.POSITIVE_INFINITY;
      this.windowStart = monoMs;
    }
    const delta = receivedMs - sentMs;
    if (delta < this.current) this.current = delta;
    const est = Math.min(this.current, this.previous);
    if (est < -this.toleranceMs) return est;
    if (est > this.toleranceMs && monoMs - this.firstMono >= this.windowMs) return est;
    return 0;
  }

  /** A rebooted monitor may come back with another clock. */
  reset(): void {
    this.current = Number.POSITIVE_INFINITY;
    this.previous = Number.POSITIVE_INFINITY;
    this.windowStart = null;
    this.firstMono = null;
  }
}
