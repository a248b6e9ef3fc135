// Acked durable frames kept for a while (issue 12 item 2, SESSION.md §1a): a hub restored from a
// backup, or one that lost its WAL, has forgotten frames it had acked; the gateway still holds
// them for `retainAckedMs` and sends them again, so the rollback costs nothing. Pure helpers shared
// by the outboxes; the policy lives here, the storage in each outbox.

/** How long and how much of the acked frames an outbox keeps (config `outbox.retainAcked*`). */
export interface RetentionOptions {
  /** Keep acked frames this long after their ack, ms; 0 deletes them at the ack (the old behaviour). */
  readonly retainAckedMs: number;
  /** Most bytes of acked frames kept; past it the earliest acked are pruned first. Not part of `maxBytes`. */
  readonly retainAckedBytes: number;
  /** Wall clock, Unix ms (ack times must survive a restart). Default Date.now. */
  readonly nowMs?: () => number;
}

/** The retention of config `outbox` (wall clock: Date.now). */
export function retentionOf(outbox: { readonly retainAckedMs: number; readonly retainAckedBytes: number }): RetentionOptions {
  return { retainAckedMs: outbox.retainAckedMs, retainAckedBytes: outbox.retainAckedBytes };
}

/** No retention: acked frames are deleted at the ack. */
export const NO_RETENTION: RetentionOptions = { retainAckedMs: 0, retainAckedBytes: 0 };

/** What `requeue` did for one stream whose hub went back below our ack. */
export interface RequeueResult {
  /** Frames above the hub's mark that were retained and are pending again (same seqs). */
  readonly resent: number;
  readonly resentBytes: number;
  /**
   * Seqs the hub lost that were already pruned here: [from, to], or null when every lost frame
   * was still retained (no gap).
   */
  readonly missing: readonly [number, number] | null;
}

export const NOTHING_REQUEUED: RequeueResult = { resent: 0, resentBytes: 0, missing: null };

/**
 * Ack times are kept per stream in buckets, not per frame: one row (or entry) per stream per
 * bucket, updated in place by every ack in it, so the ack path writes O(1) per ack batch and a day
 * of acks is ~1000 rows per stream. A frame may be kept up to one bucket longer than the window
 * (its bucket's time is that of the bucket's last ack): never pruned early.
 */
export function markBucketMs(retainAckedMs: number): number {
  return Math.max(1000, Math.floor(retainAckedMs / 1024));
}

/** True when acked frames are kept at all. */
export function retains(r: RetentionOptions): boolean {
  return r.retainAckedMs > 0 && r.retainAckedBytes > 0;
}

/** Most frames one `pruneRetained` call deletes, so a prune never holds the event loop for long. */
export const PRUNE_BATCH_FRAMES = 4096;

/**
 * Most bytes of frames one SqliteOutbox `pruneRetained` call deletes. The cost of a delete is
 * its pages (a 16 KiB BULK chunk is a leaf cell and four overflow pages, each read to follow the
 * chain), not its frame count: 4096 frames with one BULK chunk in ten wrote 2044 WAL pages and
 * held the loop 268 ms in one FULL-sync transaction (`bench/outbox.ts --retained`). A call stops
 * at this many bytes; the pruner runs again soon while anything was pruned (RetentionPruner).
 */
export const PRUNE_BATCH_BYTES = 2 * 1024 * 1024;
