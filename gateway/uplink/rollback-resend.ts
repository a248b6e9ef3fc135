// Issue 12 item 2, the gateway's half of resolving a hub rollback without loss (SESSION.md §1a):
// when the HelloAck shows the hub's durable mark for a stream below what it had acked to us, the
// frames above the hub's mark that we still retain become pending again (same seqs, so the hub's
// dedup stays exact) and go out with the backlog; frames already pruned are a gap, logged with
// their range. Also the retention pruner: a timer that deletes retained frames in batches, off the
// ack path.
import type { Logger } from 'pino';
import type { Outbox } from './outbox.js';
import { PRUNE_BATCH_FRAMES } from './outbox-retention.js';
import type { Timers } from './timers.js';

/** Totals since start, for tests, /api/status and metrics. */
export interface RollbackCounters {
  /** Retained frames queued again after a hub rollback. */
  resentAfterRollback: number;
  /** Frames a hub rollback lost that were pruned here already (the hub records them as a gap). */
  missingAfterRollback: number;
}

/**
 * Re-queues what the hub lost on `streamId` (its mark `hubSeq` is below our ack). Returns the
 * frames queued again and the frames lost for good, or null when the hub is not behind. Logs once
 * per stream with counts and the gap, never payloads.
 */
export function resendAfterRollback(outbox: Outbox, streamId: string, hubSeq: number, counters: RollbackCounters, log: Logger): { resent: number; missing: number } | null {
  const ackedBefore = outbox.ackedSeq(streamId);
  if (hubSeq >= ackedBefore) return null;
  const r = outbox.requeue(streamId, hubSeq);
  counters.resentAfterRollback += r.resent;
  const missing = r.missing === null ? 0 : r.missing[1] - r.missing[0] + 1;
  counters.missingAfterRollback += missing;
  const fields = { code: 'TM_WARN_HUB_ROLLBACK', streamId, hubSeq, ackedBefore, resent: r.resent, resentBytes: r.resentBytes };
  if (r.missing === null) {
    log.warn(fields, 'resent after hub rollback: every frame the hub lost was still retained');
  } else {
    log.warn({ ...fields, missingFrom: r.missing[0], missingTo: r.missing[1], missing }, 'resent after hub rollback; frames older than the retention were pruned and are a gap at the hub');
  }
  return { resent: r.resent, missing };
}

/**
 * Prunes retained frames every `intervalMs`. Each run deletes at most one batch (frames and, in
 * SqliteOutbox, bytes: PRUNE_BATCH_BYTES); a run that pruned anything is followed by another
 * after `catchUpMs` until one finds nothing due, so pruning keeps up with any ack rate while no
 * single run holds the event loop for long.
 */
export class RetentionPruner {
  private timer: unknown;
  private catchUp: unknown;
  /** Between back-to-back batches while behind, ms. */
  static readonly catchUpMs = 20;

  constructor(private readonly outbox: Outbox, private readonly timers: Timers, private readonly intervalMs: number, private readonly log: Logger) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.timers.setInterval(() => this.run(), this.intervalMs);
  }

  /** One batch now; returns how many frames were pruned. Errors are logged, never thrown. */
  run(): number {
    let n: number;
    try {
      n = this.outbox.pruneRetained(PRUNE_BATCH_FRAMES);
    } catch (err) {
      this.log.error({ err }, 'pruning retained outbox frames failed');
      return 0;
    }
    if (n > 0 && this.timer !== undefined && this.catchUp === undefined) {
      this.catchUp = this.timers.setTimeout(() => {
        this.catchUp = undefined;
        this.run();
      }, RetentionPruner.catchUpMs);
    }
    return n;
  }

  stop(): void {
    if (this.catchUp !== undefined) this.timers.clearTimeout(this.catchUp);
    this.catchUp = undefined;
    if (this.timer === undefined) return;
    this.timers.clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Prune period: a tenth of the window, between 1 s and 60 s. */
export function pruneIntervalMs(retainAckedMs: number): number {
  return Math.min(60_000, Math.max(1000, Math.floor(retainAckedMs / 10)));
}
