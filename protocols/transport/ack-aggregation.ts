/**
 * How many bytes the acks report beyond what the bandwidth estimate explains (BBR's "extra acked").
 * Acks handled late by a busy event loop, or batched by the receiver, arrive in bunches: between
 * bunches nothing is acked, so in-flight looks full and a cwnd of about one BDP stalls the sender,
 * delivers less than the estimate, and the estimate sinks round after round. The cwnd gets this
 * much extra room. Windowed max over two buckets of `windowMs` each (so 1–2 windows of memory).
 */
export class AckAggregation {
  private epochStartMs: number | undefined;
  private epochBytes = 0;
  private bucketStartMs = 0;
  private current = 0;
  private previous = 0;

  /** @param windowMs bucket length, ms. Default 2500 (the bandwidth window). */
  constructor(private readonly windowMs = 2500) {}

  /** One ack that reported `ackedBytes` new bytes while the estimate was `bwBpms` bytes/ms. */
  onAck(ackedBytes: number, bwBpms: number, nowMs: number): void {
    if (nowMs - this.bucketStartMs >= this.windowMs) {
      // A whole idle bucket (no acks for > 2 windows) forgets both.
      this.previous = nowMs - this.bucketStartMs >= 2 * this.windowMs ? 0 : this.current;
      this.current = 0;
      this.bucketStartMs = nowMs;
    }
    if (ackedBytes <= 0 || bwBpms <= 0) return;
    // Acks so far are no more than the estimate explains: the bunch is over, a new epoch starts.
    if (this.epochStartMs === undefined || this.epochBytes <= bwBpms * (nowMs - this.epochStartMs)) {
      this.epochStartMs = nowMs;
      this.epochBytes = 0;
    }
    this.epochBytes += ackedBytes;
    const extra = this.epochBytes - bwBpms * (nowMs - this.epochStartMs);
    if (extra > this.current) this.current = extra;
  }

  /** Largest extra bytes seen in the last one to two windows. */
  get extraBytes(): number {
    return Math.max(this.current, this.previous);
  }
}
