import { closeSync, fsync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_LIMITS, className, encodeEnvelope, systemClock, telemed, type Clock, type HeaderInit } from '../../protocols/index.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import { outboxFullError, type Outbox } from './outbox.js';
import { migrateOutbox } from './outbox-migrations.js';
import { encodeForSend, type OutFrame } from './streams.js';
import { WalCheckpointer } from '../../protocols/storage/wal-checkpointer.js';

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
}

interface Row {
  seq: number;
  size: number;
  deadline_wall_ms: number;
  env: Buffer;
}

/**
 * The durable outbox on better-sqlite3 (DESIGN.md §6), file `outbox.db` in the data directory.
 *
 * Durability: WAL with `synchronous = FULL`, so every append transaction fsyncs the WAL before
 * `append`/`appendBatch` returns. NORMAL would survive a process crash but not a power cut, and
 * the device is told "taken" once we return: a frame lost to a power cut after that is lost for
 * good. Acks run under NORMAL instead: losing an ack's delete only means resending frames the hub
 * already holds, which it deduplicates; the next FULL commit fsyncs the WAL including the delete.
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
  private closed = false;
  private checkpointer: WalCheckpointer | undefined;
  /** The WAL file, for setDownlinkHighSynced's fsync off the event loop ('' for ":memory:"). */
  private readonly walPath: string;
  private walFd: number | undefined;
  /** fsyncs in flight; the WAL descriptor is closed when the last one is done. */
  private syncing = 0;
  /** Settles after every earlier synced write: writes are reported on disk in commit order. */
  private syncTail: Promise<void> = Promise.resolve();
  private readonly stmt;
  private readonly putEpoch: (epoch: string, clearMarks: boolean) => void;
  private readonly insertAll: (frames: readonly OutFrame[]) => void;
  private readonly deleteUpTo: (streamId: string, seq: number) => { n: number; bytes: number };

  constructor(opts: SqliteOutboxOptions) {
    this.maxBytes = opts.maxBytes;
    this.clock = opts.clock ?? systemClock;
    this.walPath = opts.dataDir === ':memory:' ? '' : join(opts.dataDir, 'outbox.db-wal');
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
      insert: db.prepare('INSERT INTO frames (stream_id, seq, size, deadline_wall_ms, env) VALUES (?, ?, ?, ?, ?)'),
      putHighest: db.prepare('INSERT INTO streams (stream_id, highest_seq) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET highest_seq = excluded.highest_seq'),
      after: db.prepare('SELECT seq, size, deadline_wall_ms, env FROM frames WHERE stream_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      sumUpTo: db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM frames WHERE stream_id = ? AND seq <= ?'),
      delUpTo: db.prepare('DELETE FROM frames WHERE stream_id = ? AND seq <= ?'),
      putDownMark: db.prepare('INSERT INTO downlink_marks (stream_id, high_seq) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET high_seq = excluded.high_seq'),
      clearDownMarks: db.prepare('DELETE FROM downlink_marks'),
      putDownEpoch: db.prepare('INSERT INTO downlink_epoch (id, epoch) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch'),
      oldestHeld: db.prepare('SELECT stream_id, MIN(seq) AS s FROM frames GROUP BY stream_id'),
      syncNormal: db.prepare('PRAGMA synchronous = NORMAL'),
      syncFull: db.prepare('PRAGMA synchronous = FULL'),
    };
    this.putEpoch = db.transaction((epoch: string, clearMarks: boolean) => {
      if (clearMarks) this.stmt.clearDownMarks.run();
      this.stmt.putDownEpoch.run(epoch);
    });
    this.insertAll = db.transaction((frames: readonly OutFrame[]) => this.insertRows(frames));
    this.deleteUpTo = db.transaction((streamId: string, seq: number) => {
      const r = this.stmt.sumUpTo.get(streamId, seq) as { n: number; bytes: number };
      if (r.n > 0) this.stmt.delUpTo.run(streamId, seq);
      return r;
    });
    this.load();
  }

  get bytes(): number {
    return this.heldBytes;
  }

  get frames(): number {
    return this.heldFrames;
  }

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
    this.insertAll(frames);
    for (const [streamId, seq] of top) this.highest.set(streamId, seq);
    for (const f of frames) this.held.set(f.streamId, (this.held.get(f.streamId) ?? 0) + 1);
    this.heldBytes += adding;
    this.heldFrames += frames.length;
  }

  pendingBatch(streamId: string, afterSeq: number, maxFrames: number): readonly OutFrame[] {
    if (!this.held.has(streamId) || maxFrames <= 0) return [];
    const rows = this.stmt.after.all(streamId, afterSeq, Math.floor(maxFrames)) as Row[];
    const wallNowMs = this.clock.nowNs() / 1e6;
    const monoNowMs = this.clock.monoMs();
    return rows.map((r) => toFrame(streamId, r, monoNowMs + (r.deadline_wall_ms - wallNowMs)));
  }

  ack(streamId: string, seq: number): number {
    if (!this.held.has(streamId)) return 0;
    this.stmt.syncNormal.run();
    let r: { n: number; bytes: number };
    try {
      r = this.deleteUpTo(streamId, seq);
    } finally {
      this.stmt.syncFull.run();
    }
    if (r.n === 0) return 0;
    this.heldBytes -= r.bytes;
    this.heldFrames -= r.n;
    const left = (this.held.get(streamId) ?? 0) - r.n;
    if (left > 0) this.held.set(streamId, left);
    else this.held.delete(streamId);
    return r.n;
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
    if (this.walPath === '') {
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
    return this.synced();
  }

  downlinkEpoch(): string {
    return this.downEpoch;
  }

  allDownlinkMarks(): ReadonlyMap<string, number> {
    return new Map(this.downMarks);
  }

  /**
   * Acked frames are deleted and nothing else deletes a durable frame, so a stream's hub ack is
   * one below its oldest held frame, or its highest seq when none is held.
   */
  hubAcked(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    const oldest = new Map((this.stmt.oldestHeld.all() as { stream_id: string; s: number }[]).map((r) => [r.stream_id, r.s]));
    for (const [streamId, highest] of this.highest) {
      const first = oldest.get(streamId);
      const acked = first === undefined ? highest : first - 1;
      if (acked > 0) out.set(streamId, acked);
    }
    return out;
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
    if (this.syncing === 0) this.closeWal();
  }

  /** A promise for the WAL fsync that covers what was just committed, settled after every earlier one. */
  private synced(): Promise<void> {
    const fsynced = this.fsyncWal();
    fsynced.catch(() => undefined); // handled through inOrder (it may reject before its turn comes)
    const inOrder = this.syncTail.then(() => fsynced);
    this.syncTail = inOrder.catch(() => undefined);
    return inOrder;
  }

  /** fsync of the WAL file on the thread pool (any descriptor of the file flushes all its pages). */
  private fsyncWal(): Promise<void> {
    try {
      this.walFd ??= openSync(this.walPath, 'r');
    } catch (err) {
      return Promise.reject(new GatewayError(GatewayErrorCode.OUTBOX_STORE, `cannot open the outbox WAL: ${(err as Error).message}`, { cause: err }));
    }
    const fd = this.walFd;
    this.syncing += 1;
    return new Promise<void>((resolve, reject) => {
      fsync(fd, (err) => {
        this.syncing -= 1;
        if (this.closed && this.syncing === 0) this.closeWal();
        if (err) reject(new GatewayError(GatewayErrorCode.OUTBOX_STORE, `outbox WAL fsync failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  private closeWal(): void {
    if (this.walFd === undefined) return;
    closeSync(this.walFd);
    this.walFd = undefined;
  }

  /** Automatic checkpoints off, a checkpoint thread on; back to automatic if the thread fails. */
  private startCheckpointer(file: string): void {
    this.db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = new WalCheckpointer(file, () => {
      this.checkpointer = undefined;
      if (!this.closed) this.db.pragma('wal_autocheckpoint = 1000');
    });
  }

  private insertRows(frames: readonly OutFrame[]): void {
    const wallMinusMono = this.clock.nowNs() / 1e6 - this.clock.monoMs();
    const top = new Map<string, number>();
    for (const f of frames) {
      this.stmt.insert.run(f.streamId, f.seq, f.size, f.deadlineMs + wallMinusMono, storedBytes(f));
      top.set(f.streamId, f.seq);
    }
    for (const [streamId, seq] of top) this.stmt.putHighest.run(streamId, seq);
  }

  private load(): void {
    this.downEpoch = (this.db.prepare('SELECT epoch FROM downlink_epoch WHERE id = 1').pluck().get() as string | undefined) ?? '';
    for (const r of this.db.prepare('SELECT stream_id, high_seq FROM downlink_marks').all() as { stream_id: string; high_seq: number }[]) {
      this.downMarks.set(r.stream_id, r.high_seq);
    }
    for (const r of this.db.prepare('SELECT stream_id, highest_seq FROM streams').all() as { stream_id: string; highest_seq: number }[]) {
      this.highest.set(r.stream_id, r.highest_seq);
    }
    const per = this.db.prepare('SELECT stream_id, COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM frames GROUP BY stream_id').all() as { stream_id: string; n: number; bytes: number }[];
    for (const r of per) {
      this.held.set(r.stream_id, r.n);
      this.heldFrames += r.n;
      this.heldBytes += r.bytes;
    }
  }
}

/**
 * The envelope bytes stored for a frame: its own encoded header and body, kept from build, with no
 * send time (the same bytes as encodeEnvelope(f.env), without encoding the payload a second time).
 * A frame above the wire limit, which encodeForSend refuses, is stored as before and fails at send.
 */
function storedBytes(f: OutFrame): Uint8Array {
  return f.size <= DEFAULT_LIMITS.maxFrameBytes ? encodeForSend(f, 0) : encodeEnvelope(f.env);
}

/** Rebuilds an OutFrame from its stored envelope (our own bytes: decoded without re-validation). */
function toFrame(streamId: string, r: Row, deadlineMs: number): OutFrame {
  const env = telemed.v1.Envelope.decode(r.env);
  const header: HeaderInit = env.header ?? {};
  const trafficClass = header.trafficClass ?? telemed.v1.TrafficClass.TRAFFIC_CLASS_UNSPECIFIED;
  const name = className(trafficClass);
  if (name === 'unspecified') throw new GatewayError(GatewayErrorCode.OUTBOX_STORE, `outbox row ${streamId}/${r.seq} has no traffic class`);
  return {
    streamId,
    seq: r.seq,
    trafficClass,
    className: name,
    durable: header.durable ?? true,
    budgetMs: header.budgetMs ?? 0,
    deadlineMs,
    size: r.size,
    env: Object.assign(env, { header }),
  };
}
