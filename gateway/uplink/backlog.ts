import type { Outbox } from './outbox.js';
import type { OutFrame } from './streams.js';

/** Bounds of the backlog read-ahead: how much of the outbox sits in the scheduler at once. */
export interface BacklogLimits {
  /** Refill when fewer backlog frames than this are queued, frames. Default 512. */
  readonly lowWaterFrames: number;
  /** Never queue more backlog bytes than this, bytes. Default 4 MiB. */
  readonly maxQueuedBytes: number;
  /** Frames read per stream per query, frames. Default 128. */
  readonly batchFrames: number;
}

export const DEFAULT_BACKLOG_LIMITS: BacklogLimits = Object.freeze({ lowWaterFrames: 512, maxQueuedBytes: 4 * 1024 * 1024, batchFrames: 128 });

/**
 * Reads the resend backlog (frames the hub had not acked at HelloAck time) out of the outbox in
 * bounded batches as the scheduler drains, so memory stays bounded however large the outbox is.
 * Per stream it remembers the range still to read, (cursor, end]; frames published after the
 * resume have seqs above `end` and go to the scheduler directly, so live data is not held behind
 * more than one read-ahead of backlog.
 */
export class BacklogReader {
  private readonly ranges = new Map<string, { cursor: number; end: number }>();
  /** Backlog frames handed to the scheduler and not yet taken out of it. */
  private readonly inScheduler = new WeakSet<OutFrame>();
  private queuedFrames = 0;
  private queuedBytes = 0;

  constructor(private readonly limits: BacklogLimits = DEFAULT_BACKLOG_LIMITS) {}

  /** Streams with backlog still to read. */
  get streams(): number {
    return this.ranges.size;
  }

  /** Forgets everything (link lost: the scheduler was cleared; the next resume starts over). */
  reset(): void {
    this.ranges.clear();
    this.queuedFrames = 0;
    this.queuedBytes = 0;
  }

  /** Schedules the frames of `streamId` with afterSeq < seq <= end for resending. */
  add(streamId: string, afterSeq: number, end: number): void {
    if (end > afterSeq) this.ranges.set(streamId, { cursor: afterSeq, end });
  }

  /** Tops the scheduler up from the outbox while below the low-water mark (round-robin over streams). */
  refill(outbox: Outbox, enqueue: (f: OutFrame) => void): void {
    while (this.ranges.size > 0 && this.queuedFrames < this.limits.lowWaterFrames && this.queuedBytes < this.limits.maxQueuedBytes) {
      for (const [streamId, r] of this.ranges) {
        const batch = outbox.pendingBatch(streamId, r.cursor, this.limits.batchFrames);
        for (const f of batch) {
          if (f.seq > r.end) break;
          this.inScheduler.add(f);
          this.queuedFrames += 1;
          this.queuedBytes += f.size;
          r.cursor = f.seq;
          enqueue(f);
        }
        const last = batch.at(-1);
        if (last === undefined || r.cursor >= r.end || last.seq > r.end) this.ranges.delete(streamId);
      }
    }
  }

  /** The scheduler released `frame`: if it was backlog, make room for more. */
  taken(frame: OutFrame): void {
    if (!this.inScheduler.has(frame)) return;
    this.inScheduler.delete(frame);
    this.queuedFrames -= 1;
    this.queuedBytes -= frame.size;
  }
}
