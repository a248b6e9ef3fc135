import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EcgAnalysisSummary } from '../../protocols/ecg/analysis-summary.js';
import type { EcgRecordState } from './record-state.js';

import type { DiagnosisView } from '../../protocols/ecg/diagnosis-view.js';
export type { DiagnosisView };

/** What is stored about one record besides its document bytes. */
export interface StoredEcgRecord {
  readonly recordId: string;
  readonly deviceId: string;
  readonly source: string;
  /** Unix ms, or null when the source had no time. */
  readonly acquiredAtMs: number | null;
  readonly durationS: number;
  readonly sampleRateHz: number;
  readonly leads: readonly string[];
  readonly analysis: EcgAnalysisSummary;
  readonly critical: boolean;
  readonly state: EcgRecordState;
  readonly totalBytes: number;
  readonly sentBytes: number;
  readonly ackedBytes: number;
  /** Uplink stream of the chunks. */
  readonly streamId: string;
  /** [last seq of a submitted piece, byte offset where that piece ends], in submit order. */
  readonly pieces: readonly (readonly [number, number])[];
  readonly readerName: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly updatedAtMs: number;
  /**
   * The file name (or unusable device id) the record came with: shown on the clinic page, never
   * logged, never sent (it may name the patient). null for a device record with a usable id.
   */
  readonly sourceName: string | null;
}

/** A new record: everything but the progress fields. */
export interface NewEcgRecord extends Omit<StoredEcgRecord, 'sentBytes' | 'ackedBytes' | 'pieces' | 'readerName' | 'error' | 'updatedAtMs'> {
  /** The encoded EcgDocument and its SHA-256. */
  readonly document: Uint8Array;
  readonly sha256: Uint8Array;
  /** Patient reference keyed on the cart: stored and sent, never logged or shown. */
  readonly patientRef: string;
}

interface Row {
  record_id: string; device_id: string; source: string; acquired_at_ms: number | null; duration_s: number; sample_rate_hz: number;
  leads: string; analysis: string; critical: number; state: EcgRecordState; total_bytes: number; sent_bytes: number; acked_bytes: number;
  stream_id: string; pieces: string; reader_name: string | null; error_code: string | null; error_message: string | null; updated_at_ms: number;
  source_name: string | null;
}

const COLS = `record_id, device_id, source, acquired_at_ms, duration_s, sample_rate_hz, leads, analysis, critical, state, total_bytes,
  sent_bytes, acked_bytes, stream_id, pieces, reader_name, error_code, error_message, updated_at_ms, source_name`;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ecg_records (
    record_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, source TEXT NOT NULL, acquired_at_ms INTEGER,
    duration_s REAL NOT NULL, sample_rate_hz REAL NOT NULL, leads TEXT NOT NULL, analysis TEXT NOT NULL,
    critical INTEGER NOT NULL, state TEXT NOT NULL, total_bytes INTEGER NOT NULL, sent_bytes INTEGER NOT NULL DEFAULT 0,
    acked_bytes INTEGER NOT NULL DEFAULT 0, stream_id TEXT NOT NULL, pieces TEXT NOT NULL DEFAULT '[]',
    reader_name TEXT, error_code TEXT, error_message TEXT, created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
    patient_ref TEXT NOT NULL, document BLOB NOT NULL, sha256 BLOB NOT NULL
  );
  CREATE INDEX IF NOT EXISTS ecg_records_created ON ecg_records (created_at_ms);
  CREATE TABLE IF NOT EXISTS ecg_diagnoses (
    diagnosis_id TEXT NOT NULL, revision INTEGER NOT NULL, record_id TEXT NOT NULL, body TEXT NOT NULL, received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (diagnosis_id, revision)
  );
  CREATE INDEX IF NOT EXISTS ecg_diagnoses_record ON ecg_diagnoses (record_id, revision);`;

/** Options of the ECG record store. */
export interface EcgRecordStoreOptions {
  /** fs.fsyncSync by default; tests inject one to see when (and in what order) ecg.db reaches the disk. */
  readonly fsyncSync?: (fd: number) => void;
}

/**
 * The gateway's ECG records, states and diagnoses in `<dataDir>/ecg.db` (better-sqlite3, WAL), so
 * the clinic's view survives a restart. One writer: this process.
 *
 * Durability: `synchronous = NORMAL` (progress and state changes survive a process crash; after a
 * power cut the outbox, which is FULL, still holds what was not acked). What the hub sends down
 * (a diagnosis, an EcgStatus) is written through `durably`, which fsyncs the WAL before it
 * returns: the uplink writes the downlink mark (and then acks) only after the listener returned,
 * so the diagnosis is on disk before the mark that says "delivered" can be (issue 12 item 3).
 */
export class EcgRecordStore {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly walPath: string;
  private walFd: number | undefined;
  private readonly fsyncSync: (fd: number) => void;

  /** `dataDir` ":memory:" keeps everything in memory (tests). */
  constructor(dataDir: string, opts: EcgRecordStoreOptions = {}) {
    this.fsyncSync = opts.fsyncSync ?? fsyncSync;
    if (dataDir === ':memory:') {
      this.db = new Database(':memory:');
      this.walPath = '';
    } else {
      mkdirSync(dataDir, { recursive: true });
      this.db = new Database(join(dataDir, 'ecg.db'));
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.walPath = join(dataDir, 'ecg.db-wal');
    }
    this.db.exec(SCHEMA);
    // Added for opaque record ids (issue 12 item 10): rows from before keep their id as the name.
    const cols = this.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('ecg_records') as string[];
    if (!cols.includes('source_name')) {
      this.db.exec('ALTER TABLE ecg_records ADD COLUMN source_name TEXT; UPDATE ecg_records SET source_name = record_id');
    }
    const db = this.db;
    this.stmt = {
      insert: db.prepare(`INSERT INTO ecg_records (record_id, device_id, source, acquired_at_ms, duration_s, sample_rate_hz, leads, analysis,
        critical, state, total_bytes, stream_id, created_at_ms, updated_at_ms, patient_ref, document, sha256, source_name)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO NOTHING`),
      bySource: db.prepare("SELECT record_id FROM ecg_records WHERE device_id = ? AND source_name = ? AND state <> 'discarded' LIMIT 1").pluck(),
      get: db.prepare(`SELECT ${COLS} FROM ecg_records WHERE record_id = ?`),
      list: db.prepare(`SELECT ${COLS} FROM ecg_records ORDER BY created_at_ms DESC, rowid DESC LIMIT ?`),
      inState: db.prepare(`SELECT ${COLS} FROM ecg_records WHERE state = ? ORDER BY created_at_ms`),
      document: db.prepare('SELECT document, sha256, patient_ref FROM ecg_records WHERE record_id = ?'),
      state: db.prepare('UPDATE ecg_records SET state = ?, updated_at_ms = ? WHERE record_id = ?'),
      reader: db.prepare('UPDATE ecg_records SET reader_name = ? WHERE record_id = ?'),
      error: db.prepare('UPDATE ecg_records SET error_code = ?, error_message = ? WHERE record_id = ?'),
      progress: db.prepare('UPDATE ecg_records SET sent_bytes = MAX(sent_bytes, ?), acked_bytes = MAX(acked_bytes, ?), updated_at_ms = ? WHERE record_id = ?'),
      pieces: db.prepare('UPDATE ecg_records SET pieces = ? WHERE record_id = ?'),
      // A resent copy changes nothing, except that a verified copy replaces one that did not verify
      // (a forged frame must not block the hub's real report with the same id and revision).
      addDx: db.prepare(`INSERT INTO ecg_diagnoses (diagnosis_id, revision, record_id, body, received_at_ms) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (diagnosis_id, revision) DO UPDATE SET body = excluded.body, received_at_ms = excluded.received_at_ms, record_id = excluded.record_id
        WHERE json_extract(excluded.body, '$.verification') = 'verified' AND json_extract(ecg_diagnoses.body, '$.verification') IS NOT 'verified'`),
      latestDx: db.prepare('SELECT body FROM ecg_diagnoses WHERE record_id = ? ORDER BY revision DESC, received_at_ms DESC LIMIT 1').pluck(),
    };
  }

  /** Stores a new record; false when the id is taken. */
  insert(r: NewEcgRecord, nowMs: number): boolean {
    return this.stmt.insert.run(r.recordId, r.deviceId, r.source, r.acquiredAtMs, r.durationS, r.sampleRateHz, JSON.stringify(r.leads),
      JSON.stringify(r.analysis), r.critical ? 1 : 0, r.state, r.totalBytes, r.streamId, nowMs, nowMs, r.patientRef, r.document, r.sha256,
      r.sourceName).changes === 1;
  }

  /** The record of `deviceId` that came with this source name (not discarded), if any. */
  idBySource(deviceId: string, sourceName: string): string | undefined {
    return this.stmt.bySource.get(deviceId, sourceName) as string | undefined;
  }

  get(recordId: string): StoredEcgRecord | undefined {
    const row = this.stmt.get.get(recordId) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** Newest first, at most `limit` (default 200). */
  list(limit = 200): StoredEcgRecord[] {
    return (this.stmt.list.all(limit) as Row[]).map(fromRow);
  }

  /** Oldest first. */
  inState(state: EcgRecordState): StoredEcgRecord[] {
    return (this.stmt.inState.all(state) as Row[]).map(fromRow);
  }

  document(recordId: string): { document: Uint8Array; sha256: Uint8Array; patientRef: string } | undefined {
    const row = this.stmt.document.get(recordId) as { document: Buffer; sha256: Buffer; patient_ref: string } | undefined;
    return row === undefined ? undefined : { document: new Uint8Array(row.document), sha256: new Uint8Array(row.sha256), patientRef: row.patient_ref };
  }

  setState(recordId: string, state: EcgRecordState, nowMs: number): void {
    this.stmt.state.run(state, nowMs, recordId);
  }

  setReader(recordId: string, readerName: string): void {
    this.stmt.reader.run(readerName, recordId);
  }

  setError(recordId: string, code: string, message: string): void {
    this.stmt.error.run(code, message, recordId);
  }

  /** Progress only grows (a late or repeated ack never shrinks it). */
  setProgress(recordId: string, sentBytes: number, ackedBytes: number, nowMs: number): void {
    this.stmt.progress.run(sentBytes, ackedBytes, nowMs, recordId);
  }

  setPieces(recordId: string, pieces: readonly (readonly [number, number])[]): void {
    this.stmt.pieces.run(JSON.stringify(pieces), recordId);
  }

  /** Stores a diagnosis once per (diagnosisId, revision); true when it was new (or a verified copy replaced an unverified one). */
  addDiagnosis(recordId: string, dx: DiagnosisView, nowMs: number): boolean {
    return this.stmt.addDx.run(dx.diagnosisId, dx.revision, recordId, JSON.stringify(dx), nowMs).changes === 1;
  }

  /** The highest revision received, or null. */
  diagnosis(recordId: string): DiagnosisView | null {
    const body = this.stmt.latestDx.get(recordId) as string | undefined;
    if (body === undefined) return null;
    const dx = JSON.parse(body) as DiagnosisView;
    // Stored before Ed25519 (hmac-sha256, no check made): legacy, never shown as verified.
    return dx.verification === undefined ? { ...dx, verification: 'legacy' } : dx;
  }

  /**
   * Runs `fn` in one transaction and returns once it is on disk: the WAL is fsynced before this
   * returns (what SQLite's FULL would do inside the commit; done here so the one fsync covers the
   * whole handling of a downlink frame). On the event loop, which is fine for a few diagnoses an
   * hour; never used on the per-chunk progress path.
   */
  durably<T>(fn: () => T): T {
    const out = this.db.transaction(fn)();
    if (this.walPath !== '') {
      this.walFd ??= openSync(this.walPath, 'r');
      this.fsyncSync(this.walFd);
    }
    return out;
  }

  close(): void {
    this.db.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.walFd = undefined;
  }
}

function fromRow(r: Row): StoredEcgRecord {
  return {
    recordId: r.record_id, deviceId: r.device_id, source: r.source, acquiredAtMs: r.acquired_at_ms, durationS: r.duration_s,
    sampleRateHz: r.sample_rate_hz, leads: JSON.parse(r.leads) as string[], analysis: JSON.parse(r.analysis) as EcgAnalysisSummary,
    critical: r.critical === 1, state: r.state, totalBytes: r.total_bytes, sentBytes: r.sent_bytes, ackedBytes: r.acked_bytes,
    streamId: r.stream_id, pieces: JSON.parse(r.pieces) as [number, number][], readerName: r.reader_name,
    error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' }, updatedAtMs: r.updated_at_ms,
    sourceName: r.source_name,
  };
}
