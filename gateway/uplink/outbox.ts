import { GatewayError, GatewayErrorCode } from '../errors.js';
import { markBucketMs, NO_RETENTION, NOTHING_REQUEUED, PRUNE_BATCH_FRAMES, retains, type RequeueResult, type RetentionOptions } from './outbox-retention.js';
import type { OutFrame } from './streams.js';

export type { RequeueResult, RetentionOptions } from './outbox-retention.js';

/**
 * The durable outbox (DESIGN.md §3): every durable frame is appended before the device is told it
 * was taken and removed only when the hub acknowledges it. Bounded by bytes: when full, `append`
 * throws TM_ERR_OUTBOX_FULL and the caller counts the loss; nothing is dropped silently.
 * Reads are batched (`pendingBatch`) so a backlog of hundreds of MB is never loaded at once.
 */
export interface Outbox {
  /** Stores one frame (committed when this returns); returns its seq. Frames of a stream must be
   * appended in seq order. Throws TM_ERR_OUTBOX_FULL when it does not fit. */
  append(frame: OutFrame): number;
  /** Stores frames in one commit, all or none: throws TM_ERR_OUTBOX_FULL when they do not all fit. */
  appendBatch(frames: readonly OutFrame[]): void;
  /** Up to `maxFrames` unacked frames of `streamId` with seq > `afterSeq`, in seq order. */
  pendingBatch(streamId: string, afterSeq: number, maxFrames: number): readonly OutFrame[];
  /**
   * Cumulative ack: every frame of `streamId` with seq <= `seq` stops being pending; with retention
   * (RetentionOptions) it is kept as acked for the window, else removed. O(1) writes per call.
   * Returns how many frames it acked.
   */
  ack(streamId: string, seq: number): number;
  /** The stream's ack watermark: highest seq the hub acked (0 when none). */
  ackedSeq(streamId: string): number;
  /**
   * The hub's store went back to `hubSeq` below our ack (SESSION.md §1a): retained frames above it
   * become pending again, same seqs (the hub deduplicates by seq). Frames already pruned are
   * reported as `missing`. No-op when `hubSeq` is not below the ack.
   */
  requeue(streamId: string, hubSeq: number): RequeueResult;
  /** Deletes retained frames past the window or the byte cap, oldest acks first, at most `maxFrames`. Returns how many. */
  pruneRetained(maxFrames?: number): number;
  /** Per stream, the lowest seq this outbox can still send (retained or pending), for Hello.hub_retained. */
  hubRetained(): ReadonlyMap<string, number>;
  /** Per stream, the ack watermark (> 0), for Hello.hub_acked. */
  hubAcked(): ReadonlyMap<string, number>;
  /** Streams with frames waiting. */
  streams(): readonly string[];
  /** Seq of the last frame appended on a stream (0 when none), so numbering survives acks (and,
   * for a persistent outbox, restarts). */
  highestSeq(streamId: string): number;
  /**
   * Highest durable downlink seq already delivered on a hub stream (0 when none). A persistent
   * outbox keeps it across restarts, so a frame the hub resends after our crash is not delivered
   * twice (issue 3, durable downlink).
   */
  downlinkHigh(streamId: string): number;
  /** Records that hub stream `streamId` was delivered up to `seq` (committed when this returns). */
  setDownlinkHigh(streamId: string, seq: number): void;
  /** setDownlinkHigh whose promise resolves once the mark is on disk, the wait off the event loop. Optional. */
  setDownlinkHighSynced?(streamId: string, seq: number): Promise<void>;
  /** The hub's downlink epoch the marks belong to (HelloAck.downlink_epoch); '' when none seen yet. */
  downlinkEpoch(): string;
  /**
   * Records the hub's downlink epoch; with `clearMarks`, every downlink mark is forgotten in the same
   * commit (the hub's numbering restarted, SESSION.md §4).
   */
  setDownlinkEpoch(epoch: string, clearMarks: boolean): void;
  /** Bytes of unacked frames (encoded sizes): what `maxBytes` bounds. */
  readonly bytes: number;
  /** Unacked frames. */
  readonly frames: number;
  /** Acked frames kept for a hub rollback, and their bytes (bounded by `retainAckedBytes`, not `maxBytes`). */
  readonly retainedFrames: number;
  readonly retainedBytes: number;
  /** Byte cap. */
  readonly maxBytes: number;
  /** True when frames survive a restart (SQLite); false for the in-memory outbox. */
  readonly persistent: boolean;
  /** Releases the store (closes the file). Idempotent. */
  close(): void;
}

/** The error `append` throws at the cap, with a message saying how full the outbox is. */
export function outboxFullError(held: number, maxBytes: number, adding: number, what: string): GatewayError {
  return new GatewayError(
    GatewayErrorCode.OUTBOX_FULL,
    `outbox full: ${held} of ${maxBytes} bytes held, ${what} of ${adding} bytes refused`,
  );
}

/**
 * In-memory outbox: survives reconnects, not restarts. SqliteOutbox implements the same interface
 * and passes the same conformance suite (outbox.conformance.ts).
 */
export class MemoryOutbox implements Outbox {
  private readonly byStream = new Map<string, OutFrame[]>();
  private readonly highest = new Map<string, number>();
  private readonly downMarks = new Map<string, number>();
  private downEpoch = '';
  private heldBytes = 0;
  private heldFrames = 0;
  /** Acked frames kept per stream, in seq order, and per stream the ack times by bucket. */
  private readonly kept = new Map<string, OutFrame[]>();
  private readonly ackMarks = new Map<string, { upTo: number; bucket: number; atMs: number }[]>();
  private readonly acked = new Map<string, number>();
  /** Per stream, every frame up to this seq is gone (pruned or deleted at the ack). */
  private readonly pruned = new Map<string, number>();
  private keptBytes = 0;
  private keptFrames = 0;
  private readonly retention: RetentionOptions;
  private readonly nowMs: () => number;
  readonly persistent = false;

  /**
   * `retention`: acked frames kept for a hub rollback; in memory they cost RAM, so the byte cap
   * is at most a quarter of `maxBytes`. Default none.
   */
  constructor(readonly maxBytes: number, retention: RetentionOptions = NO_RETENTION) {
    this.retention = { ...retention, retainAckedBytes: Math.min(retention.retainAckedBytes, Math.floor(maxBytes / 4)) };
    this.nowMs = retention.nowMs ?? Date.now;
  }

  get retainedBytes(): number {
    return this.keptBytes;
  }

  get retainedFrames(): number {
    return this.keptFrames;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  get frames(): number {
    return this.heldFrames;
  }

  append(frame: OutFrame): number {
    if (this.heldBytes + frame.size > this.maxBytes) {
      throw outboxFullError(this.heldBytes, this.maxBytes, frame.size, `frame (stream ${frame.streamId} seq ${frame.seq})`);
    }
    const top = this.highestSeq(frame.streamId);
    if (frame.seq <= top) throw new RangeError(`outbox: stream ${frame.streamId} seq ${frame.seq} not after ${top}`);
    let list = this.byStream.get(frame.streamId);
    if (!list) {
      list = [];
      this.byStream.set(frame.streamId, list);
    }
    list.push(frame);
    this.highest.set(frame.streamId, frame.seq);
    this.heldBytes += frame.size;
    this.heldFrames += 1;
    return frame.seq;
  }

  appendBatch(frames: readonly OutFrame[]): void {
    const adding = frames.reduce((n, f) => n + f.size, 0);
    if (this.heldBytes + adding > this.maxBytes) {
      throw outboxFullError(this.heldBytes, this.maxBytes, adding, `batch of ${frames.length} frames`);
    }
    // Order check first, so a bad batch changes nothing (all or nothing, like one transaction).
    const top = new Map<string, number>();
    for (const f of frames) {
      const last = top.get(f.streamId) ?? this.highestSeq(f.streamId);
      if (f.seq <= last) throw new RangeError(`outbox: stream ${f.streamId} seq ${f.seq} not after ${last}`);
      top.set(f.streamId, f.seq);
    }
    for (const f of frames) this.append(f);
  }

  pendingBatch(streamId: string, afterSeq: number, maxFrames: number): readonly OutFrame[] {
    const list = this.byStream.get(streamId) ?? [];
    // Only unacked frames are listed; they are exactly the pending list.
    // Binary search for the first frame after afterSeq: the list is in seq order.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid]?.seq ?? Infinity) <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo, lo + Math.max(0, maxFrames));
  }

  ack(streamId: string, seq: number): number {
    const prev = this.acked.get(streamId) ?? 0;
    if (seq <= prev) return 0;
    this.acked.set(streamId, seq);
    const list = this.byStream.get(streamId) ?? [];
    // Frames are in seq order, so the acked ones are a prefix.
    let n = 0;
    let bytes = 0;
    while (n < list.length && (list[n]?.seq ?? Infinity) <= seq) {
      bytes += list[n]?.size ?? 0;
      n += 1;
    }
    const done = list.splice(0, n);
    this.heldBytes -= bytes;
    this.heldFrames -= n;
    if (list.length === 0) this.byStream.delete(streamId);
    if (!retains(this.retention) || n === 0 || seq > this.highestSeq(streamId)) {
      // Nothing kept, or the hub acked seqs this outbox never held (numbering from an earlier
      // run): hub_retained must never claim a frame we cannot send, so the stream keeps nothing.
      this.dropKept(streamId, Infinity, Infinity);
      this.pruned.set(streamId, seq);
      return n;
    }
    this.keep(streamId, done, bytes, seq);
    return n;
  }

  ackedSeq(streamId: string): number {
    return this.acked.get(streamId) ?? 0;
  }

  requeue(streamId: string, hubSeq: number): RequeueResult {
    const acked = this.acked.get(streamId) ?? 0;
    if (hubSeq >= acked) return NOTHING_REQUEUED;
    const from = Math.max(hubSeq, this.pruned.get(streamId) ?? 0);
    const kept = this.kept.get(streamId) ?? [];
    const cut = kept.findIndex((f) => f.seq > from);
    const back = cut < 0 ? [] : kept.splice(cut);
    if (kept.length === 0) this.kept.delete(streamId);
    const bytes = back.reduce((b, f) => b + f.size, 0);
    this.keptBytes -= bytes;
    this.keptFrames -= back.length;
    this.heldBytes += bytes;
    this.heldFrames += back.length;
    if (back.length > 0) this.byStream.set(streamId, [...back, ...(this.byStream.get(streamId) ?? [])]);
    this.acked.set(streamId, from);
    // Ack times of frames no longer acked: their marks stop at the new watermark.
    for (const m of this.ackMarks.get(streamId) ?? []) m.upTo = Math.min(m.upTo, from);
    return { resent: back.length, resentBytes: bytes, missing: from > hubSeq ? [hubSeq + 1, from] : null };
  }

  pruneRetained(maxFrames = PRUNE_BATCH_FRAMES): number {
    let left = maxFrames;
    const due = this.nowMs() - this.retention.retainAckedMs;
    for (const [streamId, marks] of this.ackMarks) {
      let upTo = 0;
      for (const m of marks) if (m.atMs <= due) upTo = Math.max(upTo, m.upTo);
      if (upTo > 0) left -= this.dropKept(streamId, upTo, left);
    }
    // Past the byte cap: the earliest acked go first, across streams.
    while (this.keptBytes > this.retention.retainAckedBytes && left > 0) {
      let oldest: { streamId: string; upTo: number; atMs: number } | undefined;
      for (const [streamId, marks] of this.ackMarks) {
        const m = marks[0];
        if (m !== undefined && (oldest === undefined || m.atMs < oldest.atMs)) oldest = { streamId, upTo: m.upTo, atMs: m.atMs };
      }
      if (oldest === undefined) break;
      const n = this.dropKept(oldest.streamId, oldest.upTo, left);
      if (n === 0) this.ackMarks.get(oldest.streamId)?.shift(); // a stale mark: nothing under it
      left -= n;
    }
    return maxFrames - left;
  }

  hubRetained(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [streamId, acked] of this.acked) if (acked > 0) out.set(streamId, (this.pruned.get(streamId) ?? 0) + 1);
    return out;
  }

  hubAcked(): ReadonlyMap<string, number> {
    return new Map([...this.acked].filter(([, seq]) => seq > 0));
  }

  /** Keeps frames just acked, and the ack's time in the stream's current bucket. */
  private keep(streamId: string, done: readonly OutFrame[], bytes: number, seq: number): void {
    let kept = this.kept.get(streamId);
    if (kept === undefined) this.kept.set(streamId, (kept = []));
    for (const f of done) kept.push(f);
    this.keptBytes += bytes;
    this.keptFrames += done.length;
    const now = this.nowMs();
    const bucket = Math.floor(now / markBucketMs(this.retention.retainAckedMs));
    let marks = this.ackMarks.get(streamId);
    if (marks === undefined) this.ackMarks.set(streamId, (marks = []));
    const last = marks.at(-1);
    if (last?.bucket === bucket) {
      last.upTo = seq;
      last.atMs = now;
    } else {
      marks.push({ upTo: seq, bucket, atMs: now });
    }
  }

  /** Drops kept frames of a stream up to `upTo`, at most `max`; returns how many. */
  private dropKept(streamId: string, upTo: number, max: number): number {
    const kept = this.kept.get(streamId) ?? [];
    let n = 0;
    let bytes = 0;
    while (n < kept.length && n < max && (kept[n]?.seq ?? Infinity) <= upTo) {
      bytes += kept[n]?.size ?? 0;
      n += 1;
    }
    const last = kept[n - 1];
    kept.splice(0, n);
    if (kept.length === 0) this.kept.delete(streamId);
    this.keptBytes -= bytes;
    this.keptFrames -= n;
    // Everything up to upTo is gone, unless the batch limit stopped short of it.
    const prunedTo = Math.min(n === max && last !== undefined ? last.seq : upTo, this.acked.get(streamId) ?? 0);
    const pruned = Math.max(this.pruned.get(streamId) ?? 0, prunedTo);
    this.pruned.set(streamId, pruned);
    const marks = (this.ackMarks.get(streamId) ?? []).filter((m) => m.upTo > pruned);
    if (marks.length === 0) this.ackMarks.delete(streamId);
    else this.ackMarks.set(streamId, marks);
    return n;
  }

  streams(): readonly string[] {
    return [...this.byStream.keys()];
  }

  highestSeq(streamId: string): number {
    return this.highest.get(streamId) ?? 0;
  }

  downlinkHigh(streamId: string): number {
    return this.downMarks.get(streamId) ?? 0;
  }

  setDownlinkHigh(streamId: string, seq: number): void {
    this.downMarks.set(streamId, seq);
  }

  downlinkEpoch(): string {
    return this.downEpoch;
  }

  setDownlinkEpoch(epoch: string, clearMarks: boolean): void {
    if (clearMarks) this.downMarks.clear();
    this.downEpoch = epoch;
  }

  /**
   * Removes every frame of a stream and forgets its high-water mark; returns the frames. Only for
   * renumbering after a restart that lost this (non-persistent) outbox: see Uplink.
   */
  forgetStream(streamId: string): OutFrame[] {
    const list = this.byStream.get(streamId) ?? [];
    this.byStream.delete(streamId);
    this.highest.delete(streamId);
    // Retained frames carry the old numbering: never to be resent under the new one.
    for (const f of this.kept.get(streamId) ?? []) this.keptBytes -= f.size;
    this.keptFrames -= this.kept.get(streamId)?.length ?? 0;
    this.kept.delete(streamId);
    this.ackMarks.delete(streamId);
    this.acked.delete(streamId);
    this.pruned.delete(streamId);
    this.heldFrames -= list.length;
    for (const f of list) this.heldBytes -= f.size;
    return list;
  }

  close(): void {
    // Nothing to release: the frames go with the process.
  }
}
