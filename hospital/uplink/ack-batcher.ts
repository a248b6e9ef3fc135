import type { DecodedEnvelope } from '../../protocols/index.js';
import type { FrameRecord, StoreResult } from '../store/records-store.js';

export interface PendingFrame {
  readonly record: FrameRecord;
  /** null for a frame kept as rejected (record.rejectCode): stored and acked, never fanned out. */
  readonly env: DecodedEnvelope | null;
}

export interface AckBatcherOptions {
  /** Longest a frame waits before its batch is stored and acked, ms (SESSION.md: 10). */
  readonly delayMs: number;
  /**
   * Frames that start a store at once (SESSION.md: 64). Frames that arrived in the same tick
   * (one Batch message) go into one transaction and one ack even when there are more, up to
   * MAX_TX_FRAMES.
   */
  readonly maxFrames: number;
  /** Frames waiting (queued + being stored) above which `onPressure(true)` is called. */
  readonly maxPending: number;
  /** Stores one batch in one transaction; resolves once it is durable. */
  readonly store: (records: readonly FrameRecord[]) => Promise<StoreResult>;
  /** Called after a batch is stored and durable, in store order: fan out, count, send the Ack. */
  readonly onStored: (batch: readonly PendingFrame[], result: StoreResult) => void;
  readonly onError: (err: unknown) => void;
  /** true: stop reading the socket (TCP pushes back on the gateway); false: read again. */
  readonly onPressure: (paused: boolean) => void;
}

/** Most frames stored in one transaction. */
export const MAX_TX_FRAMES = 1024;
/**
 * Batches committed but not yet durable at once: while one fsync runs the next batches commit and
 * share the following fsync (group commit), so the rate is not one batch per fsync latency.
 */
export const MAX_STORES_IN_FLIGHT = 4;

/**
 * Collects durable frames and stores them in batches, so acks go out only after the store has
 * them on disk (store, fsync, THEN ack) and in order. Up to MAX_STORES_IN_FLIGHT batches wait for
 * their fsync at once. Bounded: above `maxPending` the socket is paused rather than the queue grown.
 */
export class AckBatcher {
  private queue: PendingFrame[] = [];
  private inFlight = 0;
  /** Batches committed and waiting to be durable (their acks in order on `tail`). */
  private outstanding = 0;
  private tail: Promise<void> = Promise.resolve();
  /** One promise per outstanding batch, oldest first. */
  private readonly waits: Promise<void>[] = [];
  private failed = false;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private paused = false;
  private stopped = false;
  private kickQueued = false;

  constructor(private readonly opts: AckBatcherOptions) {}

  add(frame: PendingFrame): void {
    this.queue.push(frame);
    if (!this.paused && this.queue.length + this.inFlight >= this.opts.maxPending) {
      this.paused = true;
      this.opts.onPressure(true);
    }
    if (this.queue.length >= this.opts.maxFrames) this.kickSoon();
    else if (this.timer === null && !this.stopped) {
      this.timer = setTimeout(() => { this.timer = null; this.kick(); }, this.opts.delayMs);
    }
  }

  /**
   * Starts a flush after the current task: the rest of a Batch being unpacked joins the same
   * transaction instead of being stored 64 frames at a time.
   */
  private kickSoon(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      this.kick();
    });
  }

  /** Starts a flush unless one is running (that one picks the queue up when done). */
  private kick(): void {
    if (this.flushing !== null) return;
    this.flushing = this.drain().finally(() => { this.flushing = null; });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
      const batch = this.queue.splice(0, Math.max(this.opts.maxFrames, MAX_TX_FRAMES));
      this.inFlight += batch.length;
      this.outstanding += 1;
      // The store commits now and resolves once the batch is on disk (an fsync off the event
      // loop): the next batch commits meanwhile, and acks follow in commit order on the tail.
      const stored = this.opts.store(batch.map((f) => f.record));
      stored.catch(() => undefined); // handled on the tail, maybe after it settled
      const fail = (err: unknown): void => {
        // Nothing after a failed batch is acked: its frames may not be on disk.
        if (this.failed) return;
        this.failed = true;
        this.opts.onError(err);
      };
      this.tail = this.tail.then(() => stored).then(
        (result) => {
          if (this.failed) return;
          try { this.opts.onStored(batch, result); } catch (err) { fail(err); }
        },
        fail,
      ).finally(() => {
        this.inFlight -= batch.length;
        this.outstanding -= 1;
        if (this.paused && this.queue.length + this.inFlight < this.opts.maxPending / 2) {
          this.paused = false;
          this.opts.onPressure(false);
        }
      });
      const done = this.tail;
      this.waits.push(done);
      void done.finally(() => { void this.waits.splice(this.waits.indexOf(done), 1); });
      if (this.outstanding >= MAX_STORES_IN_FLIGHT) await this.waits[0];
    }
    // Returns with batches possibly still waiting for their fsync: new frames start a new drain
    // (and commit) at once instead of waiting behind that fsync. close() waits for the tail.
  }

  /** Stores whatever is queued (the session is ending) and resolves when done. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    while (this.flushing !== null || this.queue.length > 0) {
      this.kick();
      await this.flushing;
    }
    await this.tail;
  }
}
