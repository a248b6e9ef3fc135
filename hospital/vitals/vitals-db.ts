import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HospitalError, HospitalErrorCode } from '../errors.js';

/** One acknowledgement of an ambulance alarm by a person at the hub (audit trail). */
export interface AlarmAckRecord {
  readonly gatewayId: string;
  readonly alarmId: string;
  readonly username: string;
  /** Hub clock, Unix ms. */
  readonly atMs: number;
  /** What the downlink did with it: sent | queued | backpressure | not-connected. */
  readonly result: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS tsdb_cursor (
    gateway_id TEXT NOT NULL,
    stream_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (gateway_id, stream_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS alarm_acks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gateway_id TEXT NOT NULL,
    alarm_id TEXT NOT NULL,
    username TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    result TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS alarm_acks_alarm ON alarm_acks (gateway_id, alarm_id);`;

/**
 * The vitals features' own small database (`<dataDir>/vitals.db`): the time-series writer's
 * cursor (per uplink stream, the last seq whose numerics the TSDB has confirmed) and the audit
 * trail of alarm acknowledgements. Kept apart from records.db so that the uplink's store stays
 * the only writer of its file. synchronous = FULL: a cursor that ran ahead of the TSDB would skip
 * numerics after a power cut; one behind only rewrites points the TSDB overwrites.
 */
export class VitalsDb {
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(dataDir: string) {
    try {
      if (dataDir === ':memory:') this.db = new Database(':memory:');
      else {
        mkdirSync(dataDir, { recursive: true });
        this.db = new Database(join(dataDir, 'vitals.db'));
      }
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new HospitalError(HospitalErrorCode.STORE, `cannot open vitals.db in ${dataDir}: ${(err as Error).message}`, { cause: err });
    }
    const db = this.db;
    this.stmt = {
      cursors: db.prepare('SELECT gateway_id, stream_id, seq FROM tsdb_cursor'),
      putCursor: db.prepare('INSERT INTO tsdb_cursor (gateway_id, stream_id, seq) VALUES (?, ?, ?) ON CONFLICT (gateway_id, stream_id) DO UPDATE SET seq = excluded.seq'),
      putAck: db.prepare('INSERT INTO alarm_acks (gateway_id, alarm_id, username, at_ms, result) VALUES (?, ?, ?, ?, ?)'),
      acksOf: db.prepare('SELECT gateway_id, alarm_id, username, at_ms, result FROM alarm_acks WHERE gateway_id = ? AND alarm_id = ? ORDER BY id'),
    };
    this.putCursors = db.transaction((marks: readonly (readonly [string, string, number])[]) => {
      for (const [g, s, seq] of marks) this.stmt.putCursor.run(g, s, seq);
    });
  }

  private readonly putCursors: (marks: readonly (readonly [string, string, number])[]) => void;

  /** The writer's cursor: `gateway\0stream` → last seq written. */
  cursors(): Map<string, number> {
    const rows = this.stmt.cursors.all() as { gateway_id: string; stream_id: string; seq: number }[];
    return new Map(rows.map((r) => [cursorKey(r.gateway_id, r.stream_id), r.seq]));
  }

  /** Moves cursors in one transaction (after the TSDB confirmed the write). */
  saveCursors(marks: ReadonlyMap<string, number>): void {
    this.putCursors([...marks].map(([k, seq]) => {
      const [g, s] = splitCursorKey(k);
      return [g, s, seq] as const;
    }));
  }

  appendAck(a: AlarmAckRecord): void {
    this.stmt.putAck.run(a.gatewayId, a.alarmId, a.username, a.atMs, a.result);
  }

  acksOf(gatewayId: string, alarmId: string): AlarmAckRecord[] {
    const rows = this.stmt.acksOf.all(gatewayId, alarmId) as { gateway_id: string; alarm_id: string; username: string; at_ms: number; result: string }[];
    return rows.map((r) => ({ gatewayId: r.gateway_id, alarmId: r.alarm_id, username: r.username, atMs: r.at_ms, result: r.result }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export const cursorKey = (gatewayId: string, streamId: string): string => `${gatewayId}\u0000${streamId}`;
export function splitCursorKey(k: string): [string, string] {
  const i = k.indexOf('\u0000');
  return [k.slice(0, i), k.slice(i + 1)];
}
