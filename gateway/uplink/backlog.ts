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
  /** Live durable frames left in the outbox (deferLive), read before the outage backlog. */
  private readonly live = new Map<string, { cursor: number; end: number }>();
  /** Backlog frames handed to the scheduler and not yet taken out of it. */
  private readonly inScheduler = new WeakSet<OutFrame>();
  private queuedFrames = 0;
  private queuedBytes = 0;

  constructor(private readonly limits: BacklogLimits = DEFAULT_BACKLOG_LIMITS) {}

  /** Streams with backlog still to read. */
  get streams(): number {
    return this.ranges.size;
  }

  /** Streams with live frames left in the outbox still to read. */
  get deferredStreams(): number {
    return this.live.size;
  }

  /** Forgets everything (link lost: the scheduler was cleared; the next resume starts over). */
  reset(): void {
    this.ranges.clear();
    this.live.clear();
    this.queuedFrames = 0;
    this.queuedBytes = 0;
  }

  /**
   * A durable frame published while connected: false to queue it now; true when it stays in the
   * outbox and is read back in order as the scheduler drains. That is when the scheduler already
   * holds `maxQueuedBytes` of durable frames of the frame's class (`classDurableBytes`; an alarm
   * is never held behind a flood of records), and from then on for the rest of that stream until
   * it is read up (seq order). A cart dumping a day's records at once is then never held in memory:
   * bench:uplink's 50 MB dump had put 260 MB of Buffers and 13 000 frames on the gateway's heap,
   * and the major GCs that memory cost (every ~1.4 s, 7–28 ms) held arm commands from the hub.
   * Streams still reading an outage's backlog are not held behind it (live goes first).
   */
  deferLive(streamId: string, seq: number, classDurableBytes: number): boolean {
    const r = this.live.get(streamId);
    if (r !== undefined) {
      r.end = Math.max(r.end, seq);
      return true;
    }
    if (classDurableBytes < this.limits.maxQueuedBytes) return false;
    this.live.set(streamId, { cursor: seq - 1, end: seq });
    return true;
  }

  /** Schedules the frames of `streamId` with afterSeq < seq <= end for resending. */
  add(streamId: string, afterSeq: number, end: number): void {
    if (end > afterSeq) this.ranges.set(streamId, { cursor: afterSeq, end });
  }

  /**
   * Tops the scheduler up from the outbox while below the low-water mark (round-robin over
   * streams): live frames left there first, then the outage backlog.
   */
  refill(outbox: Outbox, enqueue: (f: OutFrame) => void): void {
    this.refillFrom(this.live, outbox, enqueue);
    this.refillFrom(this.ranges, outbox, enqueue);
  }

  private refillFrom(ranges: Map<string, { cursor: number; end: number }>, outbox: Outbox, enqueue: (f: OutFrame) => void): void {
    while (ranges.size > 0 && this.queuedFrames < this.limits.lowWaterFrames && this.queuedBytes < this.limits.maxQueuedBytes) {
      for (const [streamId, r] of ranges) {
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
        if (last === undefined || r.cursor >= r.end || last.seq > r.end) ranges.delete(streamId);
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
