import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Role } from '../config.js';
import { HospitalError, HospitalErrorCode } from '../errors.js';
import { EcgStore } from '../ecg/ecg-store.js';
import { ArmAuditStore } from '../teleop/audit-store.js';
import { WalCheckpointer } from '../../protocols/storage/wal-checkpointer.js';
import { WalSync, type FsyncFn } from '../../protocols/storage/wal-sync.js';
import { DownlinkOutbox } from './downlink-outbox.js';
import { migrate } from './migrations.js';
import type { FrameRecord, RecordsStore, RolledBackStream, SessionRecord, StoreOutcome, StoreResult, UserRecord } from './records-store.js';

/** Durable downlink bytes held per gateway before new frames are refused (a few hundred diagnoses). */
export const DEFAULT_DOWNLINK_MAX_BYTES = 16 * 1024 * 1024;

/** Options of the SQLite records store beyond its directory. */
export interface SqliteRecordsStoreOptions {
  /** fs.fsync by default; tests inject one to hold or observe the moment frames reach the disk. */
  readonly fsync?: FsyncFn;
}

const key = (gatewayId: string, streamId: string): string => `${gatewayId}\u0000${streamId}`;

/**
 * RecordsStore on better-sqlite3 in WAL mode. Cumulative acks are cached in memory (the hub is
 * the only writer of its file) so the hot path is one INSERT per frame inside one transaction
 * per batch.
 */
export class SqliteRecordsStore implements RecordsStore {
  private readonly db: Database.Database;
  readonly ecg: EcgStore;
  readonly downlink: DownlinkOutbox;
  readonly armAudit: ArmAuditStore;
  private readonly acks = new Map<string, number>();
  /** Streams that received a frame past a gap; only these need the gap-closing lookup. */
  private readonly gapped = new Set<string>();
  private readonly stmt;
  private readonly batch: (frames: readonly FrameRecord[]) => StoreResult;
  private checkpointer: WalCheckpointer | undefined;
  /** fsync of the WAL off the event loop; undefined for ":memory:". */
  private readonly walSync: WalSync | undefined;

  /**
   * Opens (creating if needed) `records.db` in `dataDir`, or an in-memory db for ":memory:".
   * `downlinkMaxBytes`: cap of durable downlink bytes held per gateway, default 16 MiB.
   */
  constructor(dataDir: string, downlinkMaxBytes = DEFAULT_DOWNLINK_MAX_BYTES, opts: SqliteRecordsStoreOptions = {}) {
    try {
      if (dataDir === ':memory:') this.db = new Database(':memory:');
      else {
        mkdirSync(dataDir, { recursive: true });
        this.db = new Database(join(dataDir, 'records.db'));
      }
      this.db.pragma('journal_mode = WAL');
      // NORMAL: a commit writes the WAL without waiting for the disk, so the event loop is not held
      // by an fsync (arm commands pass through it). storeFrames then waits for WalSync's fsync on
      // the thread pool before it resolves, and the session acks only after that: an acked frame
      // survives a power cut, not only a process crash (group commit, issue 12 item 1).
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      // A restarted WAL file is cut back to this size instead of staying at its largest.
      this.db.pragma('journal_size_limit = 8388608');
      migrate(this.db);
      if (dataDir !== ':memory:') this.startCheckpointer(join(dataDir, 'records.db'));
      this.walSync = dataDir === ':memory:' ? undefined : new WalSync(join(dataDir, 'records.db-wal'), opts.fsync);
      this.ecg = new EcgStore(this.db);
      this.armAudit = new ArmAuditStore(this.db);
      this.downlink = new DownlinkOutbox(this.db, downlinkMaxBytes);
    } catch (err) {
      throw new HospitalError(HospitalErrorCode.STORE, `cannot open records store in ${dataDir}: ${(err as Error).message}`, { cause: err });
    }
    const db = this.db;
    this.stmt = {
      insert: db.prepare('INSERT OR IGNORE INTO frames (gateway_id, stream_id, seq, traffic_class, capture_time_ns, received_at_ns, payload_kind, raw, reject_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      putGap: db.prepare('INSERT INTO stream_gaps (gateway_id, stream_id, from_seq, to_seq, code, detected_at_ms) VALUES (?, ?, ?, ?, ?, ?)'),
      exists: db.prepare('SELECT 1 FROM frames WHERE gateway_id = ? AND stream_id = ? AND seq = ?').pluck(),
      getAck: db.prepare('SELECT acked_seq FROM stream_acks WHERE gateway_id = ? AND stream_id = ?').pluck(),
      putAck: db.prepare('INSERT INTO stream_acks (gateway_id, stream_id, acked_seq) VALUES (?, ?, ?) ON CONFLICT (gateway_id, stream_id) DO UPDATE SET acked_seq = excluded.acked_seq'),
      gatewayAcks: db.prepare('SELECT stream_id, acked_seq FROM stream_acks WHERE gateway_id = ?'),
      count: db.prepare('SELECT COUNT(*) FROM frames WHERE gateway_id = ? AND stream_id = ?').pluck(),
      upsertUser: db.prepare('INSERT INTO users (username, role, password_hash) VALUES (?, ?, ?) ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash'),
      findUser: db.prepare('SELECT username, role, password_hash FROM users WHERE username = ?'),
      putSession: db.prepare('INSERT INTO sessions (token_hash, username, role, expires_at_ms) VALUES (?, ?, ?, ?)'),
      findSession: db.prepare('SELECT token_hash, username, role, expires_at_ms FROM sessions WHERE token_hash = ?'),
      deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
      purgeSessions: db.prepare('DELETE FROM sessions WHERE expires_at_ms < ?'),
    };
    this.batch = db.transaction((frames: readonly FrameRecord[]) => this.storeBatch(frames));
    this.reconcileTx = db.transaction((gatewayId: string, hubAcked: ReadonlyMap<string, number>, retained: ReadonlyMap<string, number>, nowMs: number) => {
      const out: RolledBackStream[] = [];
      for (const [streamId, gatewaySeq] of hubAcked) {
        const k = key(gatewayId, streamId);
        const hubSeq = this.acks.get(k) ?? (this.stmt.getAck.get(gatewayId, streamId) as number | undefined) ?? 0;
        if (hubSeq >= gatewaySeq) continue;
        // Lost for good: what the gateway can no longer send (below its hub_retained; everything
        // from an older gateway). The rest it resends after our HelloAck, same seqs, so the ack
        // stays where our data ends and nothing is a gap.
        const resendFrom = retained.get(streamId);
        const lostTo = resendFrom === undefined ? gatewaySeq : Math.min(gatewaySeq, Math.max(hubSeq, resendFrom - 1));
        if (lostTo > hubSeq) {
          this.stmt.putGap.run(gatewayId, streamId, hubSeq + 1, lostTo, HospitalErrorCode.HUB_ROLLBACK, nowMs);
          // Frames stored past the gap (resent before) close it further.
          let acked = lostTo;
          while (this.stmt.exists.get(gatewayId, streamId, acked + 1) !== undefined) acked += 1;
          this.stmt.putAck.run(gatewayId, streamId, acked);
        }
        out.push({ streamId, hubSeq, gatewaySeq, gapTo: Math.max(hubSeq, lostTo) });
      }
      return out;
    });
  }

  private readonly reconcileTx: (gatewayId: string, hubAcked: ReadonlyMap<string, number>, retained: ReadonlyMap<string, number>, nowMs: number) => RolledBackStream[];

  reconcileAcks(gatewayId: string, hubAcked: ReadonlyMap<string, number>, nowMs: number, retained: ReadonlyMap<string, number> = new Map()): Promise<readonly RolledBackStream[]> {
    let out: RolledBackStream[];
    try {
      out = this.reconcileTx(gatewayId, hubAcked, retained, nowMs);
    } catch (err) {
      return Promise.reject(new HospitalError(HospitalErrorCode.STORE, `reconciling acks of ${gatewayId} failed: ${(err as Error).message}`, { cause: err }));
    }
    // The cache follows the committed rows (reloaded from them: the walk above may have gone further).
    for (const r of out) {
      const k = key(gatewayId, r.streamId);
      this.acks.set(k, this.stmt.getAck.get(gatewayId, r.streamId) as number);
      this.gapped.add(k);
    }
    return out.length === 0 ? Promise.resolve(out) : this.durable().then(() => out);
  }

  /**
   * WAL checkpoints on a thread of their own: with SQLite's automatic one, the commit that crosses
   * 1000 WAL pages copies ~4 MB into the database and fsyncs it on the event loop, and every
   * realtime frame arriving meanwhile (an arm command) waits. Back to automatic if the thread fails.
   */
  private startCheckpointer(file: string): void {
    this.db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = new WalCheckpointer(file, () => {
      this.checkpointer = undefined;
      if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
    });
  }

  private ackOf(k: string, f: FrameRecord, pending: Map<string, number>): number {
    const p = pending.get(k) ?? this.acks.get(k);
    if (p !== undefined) return p;
    const stored = this.stmt.getAck.get(f.gatewayId, f.streamId) as number | undefined;
    return stored ?? 0;
  }

  private storeBatch(frames: readonly FrameRecord[]): StoreResult {
    const pending = new Map<string, number>();
    const newGaps: string[] = [];
    const outcomes: StoreOutcome[] = [];
    for (const f of frames) {
      const k = key(f.gatewayId, f.streamId);
      let acked = this.ackOf(k, f, pending);
      let outcome: StoreOutcome = 'duplicate';
      if (f.seq > acked) {
        const info = this.stmt.insert.run(f.gatewayId, f.streamId, f.seq, f.trafficClass, Math.round(f.captureTimeNs), Math.round(f.receivedAtNs), f.payloadKind, f.raw, f.rejectCode ?? null);
        if (info.changes === 1) outcome = 'stored';
        if (f.seq === acked + 1) {
          acked = f.seq;
          if (this.gapped.has(k) || newGaps.includes(k)) {
            while (this.stmt.exists.get(f.gatewayId, f.streamId, acked + 1) !== undefined) acked += 1;
          }
        } else if (outcome === 'stored') newGaps.push(k);
      }
      pending.set(k, acked);
      outcomes.push(outcome);
    }
    for (const [k, seq] of pending) {
      const [gatewayId, streamId] = k.split('\u0000') as [string, string];
      this.stmt.putAck.run(gatewayId, streamId, seq);
    }
    // Only after the writes above succeeded: a rolled-back batch must not move the cache.
    for (const [k, seq] of pending) this.acks.set(k, seq);
    for (const k of newGaps) this.gapped.add(k);
    return { outcomes, acks: new Map([...pending].map(([k, seq]) => [k.split('\u0000')[1] ?? '', seq])) };
  }

  /**
   * Commits the batch, then resolves once the WAL holding it is fsynced (off the event loop, shared
   * with every other commit made meanwhile): what this resolves with may be acked.
   */
  storeFrames(frames: readonly FrameRecord[]): Promise<StoreResult> {
    let result: StoreResult;
    try {
      result = this.batch(frames);
    } catch (err) {
      return Promise.reject(new HospitalError(HospitalErrorCode.STORE, `storing ${frames.length} frames failed: ${(err as Error).message}`, { cause: err }));
    }
    return this.durable().then(() => result);
  }

  /**
   * Resolves once everything committed so far is on disk (the WAL fsynced off the event loop).
   * For writes outside storeFrames that must be durable before they are answered.
   */
  durable(): Promise<void> {
    if (this.walSync === undefined) return Promise.resolve();
    return this.walSync.synced().catch((err: unknown) => {
      throw new HospitalError(HospitalErrorCode.STORE, `records.db WAL fsync failed: ${(err as Error).message}`, { cause: err });
    });
  }

  streamAcks(gatewayId: string): Promise<ReadonlyMap<string, number>> {
    const rows = this.stmt.gatewayAcks.all(gatewayId) as { stream_id: string; acked_seq: number }[];
    return Promise.resolve(new Map(rows.map((r) => [r.stream_id, r.acked_seq])));
  }

  countFrames(gatewayId: string, streamId: string): Promise<number> {
    return Promise.resolve(this.stmt.count.get(gatewayId, streamId) as number);
  }

  upsertUser(u: UserRecord): Promise<void> {
    this.stmt.upsertUser.run(u.username, u.role, u.passwordHash);
    return Promise.resolve();
  }

  findUser(username: string): Promise<UserRecord | undefined> {
    const r = this.stmt.findUser.get(username) as { username: string; role: Role; password_hash: string } | undefined;
    return Promise.resolve(r && { username: r.username, role: r.role, passwordHash: r.password_hash });
  }

  putSession(s: SessionRecord): Promise<void> {
    this.stmt.putSession.run(s.tokenHash, s.username, s.role, s.expiresAtMs);
    return Promise.resolve();
  }

  findSession(tokenHash: string): Promise<SessionRecord | undefined> {
    const r = this.stmt.findSession.get(tokenHash) as { token_hash: string; username: string; role: Role; expires_at_ms: number } | undefined;
    return Promise.resolve(r && { tokenHash: r.token_hash, username: r.username, role: r.role, expiresAtMs: r.expires_at_ms });
  }

  deleteSession(tokenHash: string): Promise<void> {
    this.stmt.deleteSession.run(tokenHash);
    return Promise.resolve();
  }

  purgeSessions(nowMs: number): Promise<number> {
    return Promise.resolve(this.stmt.purgeSessions.run(nowMs).changes);
  }

  close(): Promise<void> {
    this.checkpointer?.close();
    this.checkpointer = undefined;
    this.walSync?.close();
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
