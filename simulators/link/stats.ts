/** Counters of one direction of the link, summed over all connections. */
export interface DirStats {
  /** Bytes read from the source sockets. */
  bytesIn: number;
  /** Bytes written to the destination sockets. */
  bytesOut: number;
  /** Bytes now waiting in the bottleneck queues (not yet serialised). */
  queuedBytes: number;
  /** Bytes now held by the emulator in total (queue + propagation delay line). */
  heldBytes: number;
  /** Largest occupancy seen of the direction's one shared bottleneck queue, in bytes. */
  maxQueuedBytes: number;
  /** Largest total held by any one pipe, in bytes (the proxy's own memory bound). */
  maxHeldBytes: number;
  /** Times a source socket was paused (backpressure applied). */
  pauses: number;
  /** Pieces dropped at a full queue (drop-tail mode only; each is sent again later, see README). */
  drops: number;
  /** Bytes of those pieces. */
  droppedBytes: number;
  /**
   * Capacity the bottleneck offered while the link was up (outage time excluded), bytes; Infinity
   * when the rate is unlimited. Filled in by the emulator's stats(): utilisation = bytesOut / this.
   */
  offeredBytes: number;
  /**
   * Bottleneck queue delay per piece (arrival → start of its serialisation), counts per 1 ms bucket
   * (last bucket: ≥ HIST_BUCKETS − 1 ms). What a frame entering the cell waits behind earlier bytes.
   */
  queueDelayHist: number[];
  /**
   * Delivery lateness per piece (written − due), counts per 0.25 ms bucket: the emulator's own timer
   * and event-loop lateness, added on top of the modelled delay.
   */
  latenessHist: number[];
}

/** Buckets of each histogram. */
export const HIST_BUCKETS = 1000;
/** Width of a lateness bucket, ms. */
export const LATENESS_BUCKET_MS = 0.25;

export function emptyDirStats(): DirStats {
  return {
    bytesIn: 0, bytesOut: 0, queuedBytes: 0, heldBytes: 0, maxQueuedBytes: 0, maxHeldBytes: 0, pauses: 0, drops: 0, droppedBytes: 0, offeredBytes: 0,
    queueDelayHist: new Array<number>(HIST_BUCKETS).fill(0), latenessHist: new Array<number>(HIST_BUCKETS).fill(0),
  };
}

/** A copy that later counting does not change. */
export function copyDirStats(s: DirStats): DirStats {
  return { ...s, queueDelayHist: [...s.queueDelayHist], latenessHist: [...s.latenessHist] };
}

/** Adds one sample of `v` (≥ 0) to a histogram of `width`-wide buckets. */
export function histAdd(hist: number[], v: number, width: number): void {
  const i = Math.min(hist.length - 1, Math.max(0, Math.floor(v / width)));
  hist[i] = (hist[i] ?? 0) + 1;
}

/** Quantile `p` of the counts between two snapshots (`before` may be null), as the bucket's upper edge, ms; null when empty. */
export function histQuantile(after: readonly number[], before: readonly number[] | null, p: number, width: number): number | null {
  const d = after.map((n, i) => n - (before?.[i] ?? 0));
  const total = d.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.min(total - 1, Math.floor(p * total));
  let seen = 0;
  for (let i = 0; i < d.length; i++) {
    seen += d[i] ?? 0;
    if (seen > rank) return (i + 1) * width;
  }
  return d.length * width;
}
