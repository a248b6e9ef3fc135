/**
 * Playout buffer for one live waveform channel. Chunks arrive in bursts (radio scheduling, the
 * uplink's pacing) and sometimes late or out of order; the canvas wants a steady stream of
 * samples. Samples are placed by their index (WaveformChunk.first_sample_index) and played out on
 * a clock `delayMs` behind the newest arrival's timeline, so bursts up to that delay are smoothed.
 *
 * Policies: a chunk whose samples are all behind the playout point is dropped (counted: `late`);
 * a hole at playout time is drawn as NaN (a gap in the trace, never invented data); at most
 * `maxSamples` are held (the oldest go first); a jump in the sample index (monitor restart) or a
 * playout that fell more than a buffer behind resynchronises (counted: `resyncs`).
 */
export class JitterBuffer {
  private readonly samples = new Map<number, number>();
  /** Index of the next sample to play; null until the first chunk. */
  private playIndex: number | null = null;
  /** When (ms, caller's clock) `playIndex` is due. */
  private playAtMs = 0;
  private newest = -1;
  late = 0;
  resyncs = 0;

  constructor(
    readonly rateHz: number,
    private readonly delayMs = 400,
    private readonly maxSamples = Math.ceil(rateHz * 10),
  ) {}

  /** Adds a chunk received at `nowMs`. */
  push(firstIndex: number, values: readonly number[], nowMs: number): void {
    if (values.length === 0) return;
    const last = firstIndex + values.length - 1;
    if (this.playIndex === null || Math.abs(firstIndex - this.newest) > this.maxSamples) {
      // First chunk, or the index jumped: start playing this chunk `delayMs` from now.
      if (this.playIndex !== null) this.resyncs += 1;
      this.samples.clear();
      this.playIndex = firstIndex;
      this.playAtMs = nowMs + this.delayMs;
      this.newest = -1;
    } else if (last < this.playIndex) {
      this.late += 1;
      return;
    }
    values.forEach((v, i) => {
      if (firstIndex + i >= (this.playIndex ?? 0)) this.samples.set(firstIndex + i, v);
    });
    this.newest = Math.max(this.newest, last);
    // Bounded: drop the oldest beyond maxSamples.
    while (this.samples.size > this.maxSamples) {
      const oldest = this.samples.keys().next().value as number;
      this.samples.delete(oldest);
    }
  }

  /** The samples due by `nowMs` since the last call, in order (NaN where none arrived). */
  take(nowMs: number): number[] {
    if (this.playIndex === null || nowMs < this.playAtMs) return [];
    const due = Math.floor(((nowMs - this.playAtMs) * this.rateHz) / 1000) + 1;
    if (due > this.maxSamples) {
      // The tab slept or the page was hidden: skip to `delayMs` behind the newest sample.
      this.resyncs += 1;
      this.playIndex = Math.max(this.playIndex, this.newest - Math.round((this.delayMs * this.rateHz) / 1000));
      this.playAtMs = nowMs;
      return [];
    }
    const out: number[] = [];
    for (let i = 0; i < due; i++) {
      const idx = this.playIndex + i;
      out.push(this.samples.get(idx) ?? Number.NaN);
      this.samples.delete(idx);
    }
    this.playIndex += due;
    this.playAtMs += (due * 1000) / this.rateHz;
    return out;
  }

  /** Samples held and not yet played. */
  get buffered(): number {
    return this.samples.size;
  }
}
