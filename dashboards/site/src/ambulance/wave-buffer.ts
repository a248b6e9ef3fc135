/**
 * A jitter buffer for one live waveform: chunks arrive in bursts (the monitor's chunking, the
 * gateway's event loop, the browser's), samples leave at the sample rate. The playhead runs
 * `delayMs` behind the newest sample; it is re-anchored when it runs dry (underrun) or falls more
 * than three delays behind (a burst after a stall), and otherwise steered gently towards the delay,
 * so the trace neither stutters nor drifts. Missing samples (a gap in the index) read as NaN and
 * are drawn as a break.
 */
export class WaveBuffer {
  private readonly ring: Float32Array;
  /** One past the highest sample index stored. */
  private end = 0;
  private anchor: { index: number; tMs: number } | null = null;
  readonly delaySamples: number;
  /** Re-anchors so far (underruns and catch-ups), for tests and the page's debug title. */
  reanchors = 0;

  constructor(readonly rateHz: number, readonly seconds = 12, readonly delayMs = 300) {
    this.ring = new Float32Array(Math.max(1, Math.round(rateHz * seconds))).fill(Number.NaN);
    this.delaySamples = (delayMs * rateHz) / 1000;
  }

  /** Stores a chunk (physical values) that starts at sample index `first`, received at `nowMs`. */
  push(first: number, values: ArrayLike<number>, nowMs: number): void {
    const cap = this.ring.length;
    if (first + values.length <= this.end - cap) return; // older than anything we keep
    // A gap (samples lost upstream): what lies between reads as NaN.
    for (let i = Math.max(this.end, first - cap); i < first; i++) this.ring[i % cap] = Number.NaN;
    for (let i = 0; i < values.length; i++) {
      const idx = first + i;
      if (idx < 0) continue;
      this.ring[idx % cap] = values[i] ?? Number.NaN;
    }
    this.end = Math.max(this.end, first + values.length);
    this.steer(nowMs);
  }

  /** Fractional sample index to show at `nowMs` (−1 before any data). */
  playhead(nowMs: number): number {
    if (!this.anchor) return -1;
    return this.anchor.index + ((nowMs - this.anchor.tMs) * this.rateHz) / 1000;
  }

  /** Value of sample `index`, NaN when not (or no longer) held or not yet arrived. */
  at(index: number): number {
    const i = Math.floor(index);
    if (i < 0 || i >= this.end || i < this.end - this.ring.length) return Number.NaN;
    return this.ring[i % this.ring.length] ?? Number.NaN;
  }

  private steer(nowMs: number): void {
    const target = this.end - this.delaySamples;
    if (!this.anchor) {
      this.anchor = { index: target, tMs: nowMs };
      return;
    }
    const lead = this.end - this.playhead(nowMs);
    if (lead < 0 || lead > 3 * this.delaySamples + this.rateHz * 0.1) {
      this.reanchors += 1;
      this.anchor = { index: target, tMs: nowMs };
      return;
    }
    // Steer 2 % of the error per chunk: inaudible to the eye, enough to absorb clock drift.
    const here = this.playhead(nowMs);
    this.anchor = { index: here + (lead - this.delaySamples) * 0.02, tMs: nowMs };
  }
}
