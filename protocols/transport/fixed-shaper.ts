/**
 * A fixed-rate token bucket: the "known-rate shaper" of issue 14, strict priority in front of a
 * shaper set once to a share of the cell's nominal rate (the `shaped` uplink mode, an ablation the
 * adaptive pacer is judged against). It knows nothing of the link: no estimate, no queue signal.
 */
export class FixedShaper {
  private tokens: number;
  private lastMs: number | undefined;
  /** Bytes per ms. */
  private readonly rate: number;

  /**
   * @param rateBps the shaping rate, bits/s
   * @param depthBytes bucket depth, bytes: what may leave back to back after an idle spell (default
   *   2 ms at the rate, at least one 1500-byte piece)
   */
  constructor(readonly rateBps: number, readonly depthBytes = Math.max(1500, (rateBps / 8000) * 2)) {
    if (!(rateBps > 0)) throw new RangeError(`shaper rate must be > 0 bits/s, got ${rateBps}`);
    this.rate = rateBps / 8000;
    this.tokens = depthBytes;
  }

  private refill(nowMs: number): void {
    if (this.lastMs !== undefined) this.tokens = Math.min(this.depthBytes, this.tokens + (nowMs - this.lastMs) * this.rate);
    this.lastMs = nowMs;
  }

  /** A frame may go while the bucket is not in debt; a frame larger than the depth puts it in debt. */
  canSend(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens > 0;
  }

  onSent(bytes: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= bytes;
  }

  /** When the bucket is out of debt again, ms (now when it is not in debt). */
  nextSendMs(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens > 0 ? nowMs : nowMs + (-this.tokens + 1) / this.rate;
  }
}
