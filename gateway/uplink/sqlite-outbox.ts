import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../../protocols/index.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import { outboxFullError, type Outbox } from './outbox.js';
import { markBucketMs, NO_RETENTION, NOTHING_REQUEUED, PRUNE_BATCH_BYTES, PRUNE_BATCH_FRAMES, retains, type RequeueResult, type RetentionOptions } from './outbox-retention.js';
import { migrateOutbox } from './outbox-migrations.js';
import type { OutFrame } from './streams.js';
import { storedBytes, streamTotals, toFrame, type Row } from './sqlite-outbox-rows.js';
import { WalCheckpointer } from '../../protocols/storage/wal-checkpointer.js';
import { WalFsync } from './wal-fsync.js';

/**
 * SQLite page cache of the outbox connection, KiB (negative `cache_size`). better-sqlite3 builds
 * SQLite with a 16 000 KiB default, which the outbox fills within seconds of a long outage (the
 * pages of every appended BULK chunk pass through it) and never gives back: ~20 MB of the
 * gateway's resident memory (bench/uplink/outage-rss.ts). The outbox appends, reads the backlog
 * once in seq order and deletes by key: 2 MiB (SQLite's own default) holds the index pages
 * those walk.
 */
export const OUTBOX_CACHE_KIB = 2048;
/**
 * The WAL file is cut back to this size after a checkpoint, bytes. A group commit of 1024 BULK
 * chunks writes a ~17 MB WAL; without a limit the file keeps that size for good.
 */
export const OUTBOX_WAL_LIMIT_BYTES = 8 * 1024 * 1024;

/** Options of the SQLite outbox. */
export interface SqliteOutboxOptions {
  /** Directory of `outbox.db`, created if missing; ":memory:" for a throwaway db (tests). */
  readonly dataDir: string;
  /** Byte cap (sum of encoded frame sizes), bytes. */
  readonly maxBytes: number;
  /** Maps deadlines between monotonic and wall time; systemClock by default. */
  readonly clock?: Clock;
  /**
   * WAL checkpoints on a thread of their own (WalCheckpointer) instead of SQLite's automatic one
   * inside a commit on the event loop. Default true for a file; ":memory:" has no WAL.
   */
  readonly checkpointThread?: boolean;
  /** Acked frames kept for a hub rollback (config `outbox.retainAcked*`); default none. */
  readonly retention?: RetentionOptions;
}


/**
 * The durable outbox on better-sqlite3 (DESIGN.md §6), file `outbox.db` in the data directory.
 *
 * Durability: WAL with `synchronous = FULL`, so every append transaction fsyncs the WAL before
 * `append`/`appendBatch` returns. NORMAL would survive a process crash but not a power cut, and
 * the device is told "taken" once we return: a frame lost to a power cut after that is lost for
 * good. Acks run under NORMAL instead: losing an ack only means resending frames the hub already
 * holds, which it deduplicates; the next FULL commit fsyncs the WAL including the ack.
 *
 * Retention (issue 12 item 2): with `retention`, an ack deletes nothing. It moves the stream's
 * watermark (`streams.acked_seq`) and updates one `ack_marks` row (the stream's current time
 * bucket): O(1) writes per ack batch, and its byte count comes from cumulative bytes (range()),
 * not from reading the acked rows. Frames at or below the watermark are retained, not pending;
 * `pruneRetained` deletes them in ranges once their bucket is past the window or the retained
 * bytes pass the cap, at most PRUNE_BATCH_FRAMES a call. Retained bytes are not in `bytes`, so
 * they never make the outbox refuse a reading.
 *
 * Counters (bytes, frames, per-stream high-water marks) live in memory, loaded once at open: this
 * process is the file's only writer.
 */
export class SqliteOutbox implements Outbox {
  readonly persistent = true;
  readonly maxBytes: number;
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly highest = new Map<string, number>();
  private readonly downMarks = new Map<string, number>();
  private downEpoch = '';
  /** Frames held per stream, to answer streams() without a query. */
  private readonly held = new Map<string, number>();
  private heldBytes = 0;
  private heldFrames = 0;
  /** Per stream: the hub's ack, and the seq up to which frames are deleted (pruned). */
  private readonly acked = new Map<string, number>();
  private readonly pruned = new Map<string, number>();
  /** Per stream, cumulative bytes at the top, the ack and the pruned mark (see range()). */
  private readonly cumTop = new Map<string, number>();
  private readonly ackedCum = new Map<string, number>();
  private readonly prunedCum = new Map<string, number>();
  private keptBytes = 0;
  private keptFrames = 0;
  private readonly retention: RetentionOptions;
  private readonly nowMs: () => number;
  private closed = false;
  private checkpointer: WalCheckpointer | undefined;
  /** setDownlinkHighSynced's fsync of the WAL off the event loop (none for ":memory:"). */
  private readonly wal: WalFsync | undefined;
  private readonly stmt;
  private readonly putEpoch: (epoch: string, clearMarks: boolean) => void;
  private readonly insertAll: (frames: readonly OutFrame[]) => ReadonlyMap<string, number>;
  private readonly ackTx: (streamId: string, seq: number, keep: boolean, dropKept: boolean, nowMs: number) => void;
  private readonly requeueTx: (streamId: string, from: number) => void;
  private readonly pruneTx: (streamId: string, from: number, to: number) => void;

  constructor(opts: SqliteOutboxOptions) {
    this.maxBytes = opts.maxBytes;
    this.clock = opts.clock ?? systemClock;
    this.retention = opts.retention ?? NO_RETENTION;
    this.nowMs = this.retention.nowMs ?? Date.now;
    this.wal = opts.dataDir === ':memory:' ? undefined : new WalFsync(join(opts.dataDir, 'outbox.db-wal'));
    try {
      if (opts.dataDir === ':memory:') this.db = new Database(':memory:');
      else {
        mkdirSync(opts.dataDir, { recursive: true });
        this.db = new Database(join(opts.dataDir, 'outbox.db'));
      }
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma(`cache_size = -${OUTBOX_CACHE_KIB}`);
      this.db.pragma(`journal_size_limit = ${OUTBOX_WAL_LIMIT_BYTES}`);
      migrateOutbox(this.db);
      if (opts.dataDir !== ':memory:' && opts.checkpointThread !== false) this.startCheckpointer(join(opts.dataDir, 'outbox.db'));
    } catch (err) {
      throw new GatewayError(GatewayErrorCode.OUTBOX_STORE, `cannot open outbox in ${opts.dataDir}: ${(err as Error).message}`, { cause: err });
    }
    const db = this.db;
    this.stmt = {
      insert: db.prepare('INSERT INTO frames (stream_id, seq, size, deadline_wall_ms, env, cum_bytes) VALUES (?, ?, ?, ?, ?, ?)'),
      cumAt: db.prepare('SELECT cum_bytes FROM frames WHERE stream_id = ? AND seq = ?').pluck(),
      putHighest: db.prepare('INSERT INTO streams (stream_id, highest_seq) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET highest_seq = excluded.highest_seq'),
      after: db.prepare('SELECT seq, size, deadline_wall_ms, env FROM frames WHERE stream_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      delRange: db.prepare('DELETE FROM frames WHERE stream_id = ? AND seq > ? AND seq <= ?'),
      delUpTo: db.prepare('DELETE FROM frames WHERE stream_id = ? AND seq <= ?'),
      putAcked: db.prepare('UPDATE streams SET acked_seq = ? WHERE stream_id = ?'),
      putMark: db.prepare(`INSERT INTO ack_marks (stream_id, bucket, up_to_seq, acked_at_ms) VALUES (?, ?, ?, ?)
        ON CONFLICT (stream_id, bucket) DO UPDATE SET up_to_seq = excluded.up_to_seq, acked_at_ms = excluded.acked_at_ms`),
      capMarks: db.prepare('UPDATE ack_marks SET up_to_seq = ? WHERE stream_id = ? AND up_to_seq > ?'),
      delMarks: db.prepare('DELETE FROM ack_marks WHERE stream_id = ? AND up_to_seq <= ?'),
      delAllMarks: db.prepare('DELETE FROM ack_marks WHERE stream_id = ?'),
      dueMarks: db.prepare('SELECT stream_id, MAX(up_to_seq) AS s FROM ack_marks WHERE acked_at_ms <= ? GROUP BY stream_id'),
      oldestMarks: db.prepare('SELECT stream_id, up_to_seq AS s FROM ack_marks ORDER BY acked_at_ms LIMIT 16'),
      putDownMark: db.prepare('INSERT INTO downlink_marks (stream_id, high_seq) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET high_seq = excluded.high_seq'),
      clearDownMarks: db.prepare('DELETE FROM downlink_marks'),
      putDownEpoch: db.prepare('INSERT INTO downlink_epoch (id, epoch) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch'),
      syncNormal: db.prepare('PRAGMA synchronous = NORMAL'),
      syncFull: db.prepare('PRAGMA synchronous = FULL'),
    };
    this.putEpoch = db.transaction((epoch: string, clearMarks: boolean) => {
      if (clearMarks) this.stmt.clearDownMarks.run();
      this.stmt.putDownEpoch.run(epoch);
    });
    this.insertAll = db.transaction((frames: readonly OutFrame[]) => this.insertRows(frames));
    // The ack: a watermark UPDATE and one ack_marks upsert, whatever the number of frames acked.
    this.ackTx = db.transaction((streamId: string, seq: number, keep: boolean, dropKept: boolean, nowMs: number) => {
      this.stmt.putAcked.run(seq, streamId);
      if (keep) {
        this.stmt.putMark.run(streamId, Math.floor(nowMs / markBucketMs(this.retention.retainAckedMs)), seq, nowMs);
        return;
      }
      // Deleted at the ack: no retention, or the hub acked seqs this outbox never held (numbering
      // of an earlier run), after which hub_retained must not claim anything of the stream.
      this.stmt.delUpTo.run(streamId, seq);
      if (dropKept) this.stmt.delAllMarks.run(streamId);
    });
    this.requeueTx = db.transaction((streamId: string, from: number) => {
      this.stmt.putAcked.run(from, streamId);
      this.stmt.capMarks.run(from, streamId, from);
    });
    this.pruneTx = db.transaction((streamId: string, from: number, to: number) => {
      this.stmt.delRange.run(streamId, from, to);
      this.stmt.delMarks.run(streamId, to);
    });
    this.load();
  }

  get bytes(): number {
    return this.heldBytes;
  }

  get frames(): number {
    return this.heldFrames;
  }

  get retainedBytes(): number { return this.keptBytes; }
  get retainedFrames(): number { return this.keptFrames; }

  append(frame: OutFrame): number {
    this.appendBatch([frame]);
    return frame.seq;
  }

  appendBatch(frames: readonly OutFrame[]): void {
    if (frames.length === 0) return;
    const adding = frames.reduce((n, f) => n + f.size, 0);
    if (this.heldBytes + adding > this.maxBytes) {
      const what = frames.length === 1 ? `frame (stream ${frames[0]?.streamId} seq ${frames[0]?.seq})` : `batch of ${frames.length} frames`;
      throw outboxFullError(this.heldBytes, this.maxBytes, adding, what);
    }
    // Order check first, so a bad batch leaves neither the file nor the counters half-changed.
    const top = new Map<string, number>();
    for (const f of frames) {
      const last = top.get(f.streamId) ?? this.highestSeq(f.streamId);
      if (f.seq <= last) throw new RangeError(`outbox: stream ${f.streamId} seq ${f.seq} not after ${last}`);
      top.set(f.streamId, f.seq);
    }
    const cums = this.insertAll(frames);
    for (const [streamId, seq] of top) this.highest.set(streamId, seq);
    for (const [streamId, cum] of cums) this.cumTop.set(streamId, cum);
    for (const f of frames) this.held.set(f.streamId, (this.held.get(f.streamId) ?? 0) + 1);
    this.heldBytes += adding;
    this.heldFrames += frames.length;
  }

  pendingBatch(streamId: string, afterSeq: number, maxFrames: number): readonly OutFrame[] {
    if (!this.held.has(streamId) || maxFrames <= 0) return [];
    // Retained (acked) frames are never pending.
    const rows = this.stmt.after.all(streamId, Math.max(afterSeq, this.acked.get(streamId) ?? 0), Math.floor(maxFrames)) as Row[];
    const wallNowMs = this.clock.nowNs() / 1e6;
    const monoNowMs = this.clock.monoMs();
    return rows.map((r) => toFrame(streamId, r, monoNowMs + (r.deadline_wall_ms - wallNowMs)));
  }

  ack(streamId: string, seq: number): number {
    const prev = this.acked.get(streamId) ?? 0;
    if (seq <= prev) return 0;
    if (!this.held.has(streamId) && !this.hasKept(streamId)) { // nothing to ack or keep: the watermark only
      this.acked.set(streamId, seq);
      this.pruned.set(streamId, seq);
      this.stmt.putAcked.run(seq, streamId);
      return 0;
    }
    const r = this.range(streamId, prev, seq);
    const keep = retains(this.retention) && r.n > 0 && seq <= this.highestSeq(streamId);
    const kept = keep ? null : this.range(streamId, this.pruned.get(streamId) ?? 0, prev);
    this.stmt.syncNormal.run();
    try {
      this.ackTx(streamId, seq, keep, kept !== null && kept.n > 0, this.nowMs());
    } finally {
      this.stmt.syncFull.run();
    }
    this.acked.set(streamId, seq);
    this.ackedCum.set(streamId, r.toCum);
    if (kept === null) {
      this.keptBytes += r.bytes;
      this.keptFrames += r.n;
    } else {
      this.keptBytes -= kept.bytes;
      this.keptFrames -= kept.n;
      this.pruned.set(streamId, seq);
      this.prunedCum.set(streamId, r.toCum);
    }
    if (r.n === 0) return 0;
    this.heldBytes -= r.bytes;
    this.heldFrames -= r.n;
    const left = (this.held.get(streamId) ?? 0) - r.n;
    if (left > 0) this.held.set(streamId, left);
    else this.held.delete(streamId);
    return r.n;
  }

  ackedSeq(streamId: string): number {
    return this.acked.get(streamId) ?? 0;
  }

  requeue(streamId: string, hubSeq: number): RequeueResult {
    const acked = this.acked.get(streamId) ?? 0;
    if (hubSeq >= acked) return NOTHING_REQUEUED;
    const from = Math.max(hubSeq, this.pruned.get(streamId) ?? 0);
    const r = this.range(streamId, from, acked);
    this.requeueTx(streamId, from);
    this.acked.set(streamId, from);
    this.ackedCum.set(streamId, r.fromCum);
    this.keptBytes -= r.bytes;
    this.keptFrames -= r.n;
    this.heldBytes += r.bytes;
    this.heldFrames += r.n;
    if (r.n > 0) this.held.set(streamId, (this.held.get(streamId) ?? 0) + r.n);
    return { resent: r.n, resentBytes: r.bytes, missing: from > hubSeq ? [hubSeq + 1, from] : null };
  }

  /**
   * Also bounded by PRUNE_BATCH_BYTES (a delete costs pages, not frames): the call stops once that
   * many bytes are gone, so one call holds the loop for a bounded time whatever the frame sizes.
   */
  pruneRetained(maxFrames = PRUNE_BATCH_FRAMES): number {
    if (this.keptFrames === 0) return 0;
    const budget = { frames: maxFrames, bytes: PRUNE_BATCH_BYTES };
    const more = (): boolean => budget.frames > 0 && budget.bytes > 0;
    const due = this.stmt.dueMarks.all(this.nowMs() - this.retention.retainAckedMs) as { stream_id: string; s: number }[];
    for (const m of due) if (more()) this.prune(m.stream_id, m.s, budget);
    // Past the byte cap: the earliest acked first, across streams.
    for (let round = 0; this.keptBytes > this.retention.retainAckedBytes && more() && round < 64; round++) {
      const oldest = this.stmt.oldestMarks.all() as { stream_id: string; s: number }[];
      if (oldest.length === 0) break;
      for (const m of oldest) if (more() && this.keptBytes > this.retention.retainAckedBytes) this.prune(m.stream_id, m.s, budget);
    }
    return maxFrames - budget.frames;
  }

  hubRetained(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [streamId, acked] of this.acked) if (acked > 0) out.set(streamId, (this.pruned.get(streamId) ?? 0) + 1);
    return out;
  }

  /**
   * Deletes retained frames of a stream in (pruned, min(upTo, ...)], within `budget` (frames and
   * bytes, both taken off it). The byte bound is turned into frames by the stream's mean retained
   * frame size (cumulative bytes: no row read), at least one frame. Committed under `synchronous =
   * NORMAL` like an ack: a prune lost to a power cut leaves the frames retained, and the next
   * open counts them from the rows, so it is only done again.
   */
  private prune(streamId: string, upTo: number, budget: { frames: number; bytes: number }): void {
    const from = this.pruned.get(streamId) ?? 0;
    const acked = this.acked.get(streamId) ?? 0;
    const kept = this.range(streamId, from, acked);
    const meanBytes = kept.n > 0 ? kept.bytes / kept.n : 1;
    const max = Math.min(budget.frames, Math.max(1, Math.floor(budget.bytes / meanBytes)));
    const to = Math.min(upTo, acked, from + max);
    if (to <= from) {
      this.stmt.delMarks.run(streamId, from); // stale marks: nothing left under them
      return;
    }
    const r = this.range(streamId, from, to);
    this.stmt.syncNormal.run();
    try {
      this.pruneTx(streamId, from, to);
    } finally {
      this.stmt.syncFull.run();
    }
    this.pruned.set(streamId, to);
    this.prunedCum.set(streamId, r.toCum);
    this.keptBytes -= r.bytes;
    this.keptFrames -= r.n;
    budget.frames -= r.n;
    budget.bytes -= r.bytes;
  }

  /**
   * Frames and bytes of seqs (from, to], `from` at or above the pruned mark, where a stream's seqs
   * are consecutive (a numbering gap only lies below an ack past every seq held, which prunes it):
   * differences of seqs and of cumulative bytes, at most two primary-key lookups, no row reads.
   */
  private range(streamId: string, from: number, to: number): { n: number; bytes: number; fromCum: number; toCum: number } {
    const top = this.highestSeq(streamId);
    const upTo = Math.min(to, top);
    const fromCum = this.cumAt(streamId, Math.min(from, top));
    if (upTo <= from) return { n: 0, bytes: 0, fromCum, toCum: fromCum };
    const toCum = this.cumAt(streamId, upTo);
    return { n: upTo - from, bytes: toCum - fromCum, fromCum, toCum };
  }

  /** Cumulative bytes of a stream up to and including `seq` (a watermark, the top, or a stored row). */
  private cumAt(streamId: string, seq: number): number {
    if (seq >= this.highestSeq(streamId)) return this.cumTop.get(streamId) ?? 0;
    if (seq === (this.acked.get(streamId) ?? 0)) return this.ackedCum.get(streamId) ?? 0;
    if (seq === (this.pruned.get(streamId) ?? 0)) return this.prunedCum.get(streamId) ?? 0;
    const cum = this.stmt.cumAt.get(streamId, seq) as number | undefined;
    if (cum === undefined) throw new GatewayError(GatewayErrorCode.OUTBOX_STORE, `outbox: no frame ${streamId}/${seq} above the pruned mark`);
    return cum;
  }

  /** True when the stream has retained frames. */
  private hasKept(streamId: string): boolean {
    return (this.pruned.get(streamId) ?? 0) < (this.acked.get(streamId) ?? 0);
  }

  streams(): readonly string[] {
    return [...this.held.keys()];
  }

  highestSeq(streamId: string): number {
    return this.highest.get(streamId) ?? 0;
  }

  downlinkHigh(streamId: string): number {
    return this.downMarks.get(streamId) ?? 0;
  }

  setDownlinkHigh(streamId: string, seq: number): void {
    this.stmt.putDownMark.run(streamId, seq);
    this.downMarks.set(streamId, seq);
  }

  /**
   * setDownlinkHigh whose fsync runs off the event loop: the mark is committed at once under
   * `synchronous = NORMAL` (the WAL written, not waited for) and in effect for downlinkHigh, then
   * the WAL file is fsynced on libuv's thread pool; the promise resolves once that is done, so the
   * mark is then on disk exactly as after a FULL commit. A FULL commit here stalled the downlink
   * receive path for up to ~50 ms (p50 2.4 ms) in the saturated-cell bench.
   */
  setDownlinkHighSynced(streamId: string, seq: number): Promise<void> {
    if (this.wal === undefined) {
      this.setDownlinkHigh(streamId, seq);
      return Promise.resolve();
    }
    this.stmt.syncNormal.run();
    try {
      this.stmt.putDownMark.run(streamId, seq);
    } finally {
      this.stmt.syncFull.run();
    }
    this.downMarks.set(streamId, seq);
    return this.wal.synced();
  }

  downlinkEpoch(): string {
    return this.downEpoch;
  }

  allDownlinkMarks(): ReadonlyMap<string, number> {
    return new Map(this.downMarks);
  }

  /** The hub's ack per stream (streams.acked_seq, kept across restarts). */
  hubAcked(): ReadonlyMap<string, number> {
    return new Map([...this.acked].filter(([, seq]) => seq > 0));
  }

  /** Epoch and cleared marks in one transaction (FULL sync): never a new epoch with old marks. */
  setDownlinkEpoch(epoch: string, clearMarks: boolean): void {
    this.putEpoch(epoch, clearMarks);
    if (clearMarks) this.downMarks.clear();
    this.downEpoch = epoch;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.checkpointer?.close();
    this.checkpointer = undefined;
    this.db.close();
    this.wal?.close();
  }

  /** Automatic checkpoints off, a checkpoint thread on; back to automatic if the thread fails. */
  private startCheckpointer(file: string): void {
    this.db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = new WalCheckpointer(file, () => {
      this.checkpointer = undefined;
      if (!this.closed) this.db.pragma('wal_autocheckpoint = 1000');
    });
  }

  /** Inserts the rows; returns each stream's new cumulative bytes (applied by the caller after the commit). */
  private insertRows(frames: readonly OutFrame[]): ReadonlyMap<string, number> {
    const wallMinusMono = this.clock.nowNs() / 1e6 - this.clock.monoMs();
    const top = new Map<string, number>();
    const cums = new Map<string, number>();
    for (const f of frames) {
      const cum = (cums.get(f.streamId) ?? this.cumTop.get(f.streamId) ?? 0) + f.size;
      this.stmt.insert.run(f.streamId, f.seq, f.size, f.deadlineMs + wallMinusMono, storedBytes(f), cum);
      top.set(f.streamId, f.seq);
      cums.set(f.streamId, cum);
    }
    for (const [streamId, seq] of top) this.stmt.putHighest.run(streamId, seq);
    return cums;
  }

  private load(): void {
    this.downEpoch = (this.db.prepare('SELECT epoch FROM downlink_epoch WHERE id = 1').pluck().get() as string | undefined) ?? '';
    for (const r of this.db.prepare('SELECT stream_id, high_seq FROM downlink_marks').all() as { stream_id: string; high_seq: number }[]) {
      this.downMarks.set(r.stream_id, r.high_seq);
    }
    for (const r of this.db.prepare('SELECT stream_id, highest_seq, acked_seq FROM streams').all() as { stream_id: string; highest_seq: number; acked_seq: number }[]) {
      this.highest.set(r.stream_id, r.highest_seq);
      this.acked.set(r.stream_id, r.acked_seq);
      this.pruned.set(r.stream_id, r.acked_seq);
    }
    const per = streamTotals(this.db);
    for (const r of per) {
      const { ackedCum, lowCum } = r;
      this.cumTop.set(r.stream_id, r.top);
      this.ackedCum.set(r.stream_id, ackedCum);
      this.prunedCum.set(r.stream_id, r.kn > 0 ? lowCum : ackedCum);
      if (r.n > 0) this.held.set(r.stream_id, r.n);
      this.heldFrames += r.n;
      this.heldBytes += r.top - ackedCum;
      this.keptFrames += r.kn;
      if (r.kn > 0) {
        this.keptBytes += ackedCum - lowCum;
        this.pruned.set(r.stream_id, r.lo - 1);
      }
    }
  }
}
