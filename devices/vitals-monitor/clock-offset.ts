/**
 * Offset of a monitor's clock from the gateway's, from one-way timestamps: the smallest
 * (received − sent) seen is the offset plus the least delay, NTP's minimum filter on one leg. The
 * minimum is taken over two windows (the current and the previous `windowMs`), so a monitor whose
 * clock is stepped (NTP on the monitor) is followed within two windows, and a message held in the
 * broker (queued QoS 1 while we were away) never drags the estimate: it only raises its own delta.
 */
export class ClockOffset {
  private current = Number.POSITIVE_INFINITY;
  private previous = Number.POSITIVE_INFINITY;
  private windowStart: number | null = null;

  constructor(private readonly windowMs = 30_000) {}

  /** Records one message and returns the offset to add to the monitor's time, ms. */
  observe(receivedMs: number, sentMs: number, monoMs: number): number {
    if (this.windowStart === null) this.windowStart = monoMs;
    if (monoMs - this.windowStart >= this.windowMs) {
      this.previous = this.current;
      this.current = Number.POSITIVE_INFINITY;
      this.windowStart = monoMs;
    }
    const delta = receivedMs - sentMs;
    if (delta < this.current) this.current = delta;
    return Math.min(this.current, this.previous);
  }

  /** A rebooted monitor may come back with another clock. */
  reset(): void {
    this.current = Number.POSITIVE_INFINITY;
    this.previous = Number.POSITIVE_INFINITY;
    this.windowStart = null;
  }
}
