import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AlarmPriorityName } from './alarm-limits.js';
import { AlarmStoreError, AlarmStoreErrorCode } from './errors.js';

/** One alarm episode as stored: what the engine needs to continue it after a restart. */
export interface StoredEpisode {
  readonly alarmId: string;
  /** `<device>|<condition>`: the engine's episode key (one active episode per key). */
  readonly key: string;
  readonly deviceId: string;
  readonly kind: 'physiological' | 'technical';
  readonly priority: AlarmPriorityName;
  readonly code: string;
  readonly text: string;
  /** The value at the raise (later values are not written: the next reading brings them). */
  readonly value: number | null;
  readonly unit: string;
  /** Unix ms. */
  readonly raisedAtMs: number;
  /** Unix ms; null while the episode is active. */
  readonly clearedAtMs: number | null;
  readonly ackBy: string | null;
  /** Unix ms. */
  readonly ackAtMs: number | null;
  /** Our own limits hold it (the monitor's holds are not stored: its alarm ids die with its session). */
  readonly edge: boolean;
}

/**
 * Where the alarm engine writes every episode transition (raise, acknowledgement, clear, the edge's
 * hold joining or leaving), so that a restarted gateway continues the same episodes. Each method
 * returns once the change is durable (SqliteAlarmStore: fsynced); it throws AlarmStoreError
 * (TM_ERR_ALARM_STORE_WRITE) when it could not be written. A conformance suite
 * (alarm-store.test.ts) runs against every implementation.
 */
export interface AlarmStore {
  /** True when the episodes survive the process (SQLite on disk). */
  readonly persistent: boolean;
  /**
   * Every episode still active plus those cleared at or after `sinceMs` (Unix ms), oldest raise
   * first. Rows that make no sense are skipped and reported through `badRow`.
   */
  load(sinceMs: number, badRow?: (err: AlarmStoreError) => void): StoredEpisode[];
  raised(ep: StoredEpisode): void;
  acknowledged(alarmId: string, by: string, atMs: number): void;
  cleared(alarmId: string, atMs: number): void;
  setEdge(alarmId: string, edge: boolean): void;
  /** Deletes episodes cleared before `beforeMs` and, past `keepClosed`, the oldest cleared ones. Returns how many. */
  prune(beforeMs: number, keepClosed: number): number;
  close(): void;
}

/** Episodes in a Map: the store for `outbox.kind: memory`, and the fake in tests. */
export class MemoryAlarmStore implements AlarmStore {
  readonly persistent = false;
  private readonly rows = new Map<string, StoredEpisode>();

  load(sinceMs: number): StoredEpisode[] {
    return [...this.rows.values()].filter((r) => r.clearedAtMs === null || r.clearedAtMs >= sinceMs)
      .sort((a, b) => a.raisedAtMs - b.raisedAtMs);
  }
  raised(ep: StoredEpisode): void { if (!this.rows.has(ep.alarmId)) this.rows.set(ep.alarmId, { ...ep }); }
  acknowledged(alarmId: string, by: string, atMs: number): void { this.update(alarmId, (r) => (r.ackBy === null ? { ...r, ackBy: by, ackAtMs: atMs } : r)); }
  cleared(alarmId: string, atMs: number): void { this.update(alarmId, (r) => (r.clearedAtMs === null ? { ...r, clearedAtMs: atMs } : r)); }
  setEdge(alarmId: string, edge: boolean): void { this.update(alarmId, (r) => ({ ...r, edge })); }
  prune(beforeMs: number, keepClosed: number): number {
    const closed = [...this.rows.values()].filter((r) => r.clearedAtMs !== null).sort((a, b) => (b.clearedAtMs ?? 0) - (a.clearedAtMs ?? 0));
    let n = 0;
    closed.forEach((r, i) => {
      if (i >= keepClosed || (r.clearedAtMs ?? 0) < beforeMs) n += this.rows.delete(r.alarmId) ? 1 : 0;
    });
    return n;
  }
  close(): void { /* nothing held */ }
  private update(alarmId: string, f: (r: StoredEpisode) => StoredEpisode): void {
    const r = this.rows.get(alarmId);
    if (r) this.rows.set(alarmId, f(r));
  }
}

interface Row {
  alarm_id: string; episode_key: string; device_id: string; kind: string; priority: string; code: string; text: string;
  value: number | null; unit: string; raised_at_ms: number; cleared_at_ms: number | null; ack_by: string | null; ack_at_ms: number | null; edge: number;
}

const SCHEMA_VERSION = 1;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS alarm_episodes (
    alarm_id TEXT PRIMARY KEY, episode_key TEXT NOT NULL, device_id TEXT NOT NULL, kind TEXT NOT NULL, priority TEXT NOT NULL,
    code TEXT NOT NULL, text TEXT NOT NULL, value REAL, unit TEXT NOT NULL, raised_at_ms INTEGER NOT NULL,
    cleared_at_ms INTEGER, ack_by TEXT, ack_at_ms INTEGER, edge INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS alarm_episodes_cleared ON alarm_episodes (cleared_at_ms);`;

/**
 * Episodes in `<dataDir>/alarms.db` (better-sqlite3, WAL, one writer: this process).
 *
 * Durability: `synchronous = FULL`, every transition fsyncs the WAL before the call returns. The
 * acknowledgement matters most: the uplink session writes the downlink mark (and then acks to the
 * hub) only after the downlink listener returned, so the acknowledgement is on disk before the mark
 * that stops the hub resending it (the rule issue 12 item 3 set for diagnoses in ecg.db). Raise and
 * clear are written before their frame is handed to the outbox, so an alarm id the hub holds is one
 * this gateway can continue. Transitions are a few a minute: the fsync on the loop costs nothing
 * that matters. Values of a running episode are not written (the next reading brings them).
 */
export class SqliteAlarmStore implements AlarmStore {
  readonly persistent = true;
  private readonly db: Database.Database;
  private readonly stmt;

  /** Opens (or creates) the store; throws AlarmStoreError TM_ERR_ALARM_STORE_CORRUPT when the file is not a usable alarms.db. */
  constructor(readonly file: string) {
    try {
      this.db = new Database(file);
    } catch (err) {
      throw new AlarmStoreError(AlarmStoreErrorCode.CORRUPT, `cannot open ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      const check = this.db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`);
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`schema version ${version} is newer than this gateway's ${SCHEMA_VERSION}`);
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (err) {
      this.db.close();
      throw new AlarmStoreError(AlarmStoreErrorCode.CORRUPT, `${file} is not a usable alarm store: ${(err as Error).message}`, { cause: err });
    }
    const db = this.db;
    this.stmt = {
      load: db.prepare<[number], Row>(`SELECT * FROM alarm_episodes WHERE cleared_at_ms IS NULL OR cleared_at_ms >= ? ORDER BY raised_at_ms, rowid`),
      insert: db.prepare(`INSERT INTO alarm_episodes (alarm_id, episode_key, device_id, kind, priority, code, text, value, unit, raised_at_ms, cleared_at_ms, ack_by, ack_at_ms, edge)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alarm_id) DO NOTHING`),
      // Idempotent: a resent acknowledgement or a second clear changes nothing.
      ack: db.prepare('UPDATE alarm_episodes SET ack_by = ?, ack_at_ms = ? WHERE alarm_id = ? AND ack_by IS NULL'),
      clear: db.prepare('UPDATE alarm_episodes SET cleared_at_ms = ? WHERE alarm_id = ? AND cleared_at_ms IS NULL'),
      edge: db.prepare('UPDATE alarm_episodes SET edge = ? WHERE alarm_id = ?'),
      pruneOld: db.prepare('DELETE FROM alarm_episodes WHERE cleared_at_ms IS NOT NULL AND cleared_at_ms < ?'),
      pruneOver: db.prepare(`DELETE FROM alarm_episodes WHERE alarm_id IN (SELECT alarm_id FROM alarm_episodes WHERE cleared_at_ms IS NOT NULL
        ORDER BY cleared_at_ms DESC LIMIT -1 OFFSET ?)`),
    };
  }

  load(sinceMs: number, badRow?: (err: AlarmStoreError) => void): StoredEpisode[] {
    let rows: Row[];
    try {
      rows = this.stmt.load.all(sinceMs);
    } catch (err) {
      throw new AlarmStoreError(AlarmStoreErrorCode.CORRUPT, `alarm store unreadable: ${(err as Error).message}`, { cause: err });
    }
    const out: StoredEpisode[] = [];
    for (const r of rows) {
      const ep = episodeOf(r);
      if (ep) out.push(ep);
      else badRow?.(new AlarmStoreError(AlarmStoreErrorCode.ROW, `alarm episode row skipped (kind ${r.kind}, priority ${r.priority})`));
    }
    return out;
  }

  raised(ep: StoredEpisode): void {
    this.write(() => this.stmt.insert.run(ep.alarmId, ep.key, ep.deviceId, ep.kind, ep.priority, ep.code, ep.text, ep.value, ep.unit,
      ep.raisedAtMs, ep.clearedAtMs, ep.ackBy, ep.ackAtMs, ep.edge ? 1 : 0));
  }
  acknowledged(alarmId: string, by: string, atMs: number): void { this.write(() => this.stmt.ack.run(by, atMs, alarmId)); }
  cleared(alarmId: string, atMs: number): void { this.write(() => this.stmt.clear.run(atMs, alarmId)); }
  setEdge(alarmId: string, edge: boolean): void { this.write(() => this.stmt.edge.run(edge ? 1 : 0, alarmId)); }

  prune(beforeMs: number, keepClosed: number): number {
    let n = 0;
    this.write(() => {
      n = this.stmt.pruneOld.run(beforeMs).changes + this.stmt.pruneOver.run(keepClosed).changes;
    });
    return n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private write(f: () => unknown): void {
    try {
      f();
    } catch (err) {
      throw new AlarmStoreError(AlarmStoreErrorCode.WRITE, `alarm store write failed: ${(err as Error).message}`, { cause: err });
    }
  }
}

const KINDS = new Set(['physiological', 'technical']);
const PRIORITIES = new Set(['low', 'medium', 'high']);

function episodeOf(r: Row): StoredEpisode | null {
  if (!KINDS.has(r.kind) || !PRIORITIES.has(r.priority) || !r.episode_key.startsWith(`${r.device_id}|`)) return null;
  if ((r.ack_by === null) !== (r.ack_at_ms === null)) return null;
  return {
    alarmId: r.alarm_id, key: r.episode_key, deviceId: r.device_id, kind: r.kind as StoredEpisode['kind'], priority: r.priority as AlarmPriorityName,
    code: r.code, text: r.text, value: r.value, unit: r.unit, raisedAtMs: r.raised_at_ms, clearedAtMs: r.cleared_at_ms,
    ackBy: r.ack_by, ackAtMs: r.ack_at_ms, edge: r.edge !== 0,
  };
}

/** What openAlarmStore gives: the store, and the problem met on the way (null when none). */
export interface OpenedAlarmStore {
  readonly store: AlarmStore;
  readonly problem: AlarmStoreError | null;
  /** Where an unusable alarms.db was moved, if it was. */
  readonly movedTo: string | null;
}

/**
 * The store for a gateway: SQLite `<dataDir>/alarms.db`, or memory (`persistent: false`). An
 * unusable file never stops the gateway: it is moved aside (with its -wal/-shm) and a fresh store
 * is opened; if that fails too, the episodes live in memory. The caller logs and counts `problem`.
 */
export function openAlarmStore(dataDir: string | null, nowMs: number): OpenedAlarmStore {
  if (dataDir === null) return { store: new MemoryAlarmStore(), problem: null, movedTo: null };
  const file = join(dataDir, 'alarms.db');
  try {
    mkdirSync(dataDir, { recursive: true });
    return { store: new SqliteAlarmStore(file), problem: null, movedTo: null };
  } catch (err) {
    const problem = err instanceof AlarmStoreError ? err : new AlarmStoreError(AlarmStoreErrorCode.CORRUPT, `cannot open ${file}: ${(err as Error).message}`, { cause: err });
    const movedTo = `${file}.corrupt-${nowMs}`;
    try {
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, movedTo + suffix);
      return { store: new SqliteAlarmStore(file), problem, movedTo };
    } catch {
      return { store: new MemoryAlarmStore(), problem, movedTo: existsSync(movedTo) ? movedTo : null };
    }
  }
}
