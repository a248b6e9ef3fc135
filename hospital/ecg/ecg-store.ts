import type Database from 'better-sqlite3';
import type { AssembledRecord } from './reassembler.js';

export type EcgStatus = 'pending' | 'in_reading' | 'reported';

/** One worklist row / record metadata as the API returns it. No patient reference, no blob. */
export interface EcgRecordView {
  /** Hub-wide record id (the row id), used in /api/ecg/records/:id. */
  readonly id: number;
  readonly gatewayId: string;
  /** The cart's record id. */
  readonly recordId: string;
  /** When the last chunk arrived, ISO 8601 (hub clock). */
  readonly receivedAt: string;
  readonly status: EcgStatus;
  /** 0 routine; higher is more urgent (from the gateway's findings, later). */
  readonly priority: number;
  readonly claimedBy: string | null;
  /** Blob size, bytes. */
  readonly byteSize: number;
  readonly contentType: string;
  /** Integrity failure (TM_ERR_ECG_*), null when the record verified. */
  readonly corruptCode: string | null;
}

export type ClaimResult = { readonly ok: true; readonly record: EcgRecordView } | { readonly ok: false; readonly reason: 'not-found' | 'claimed' };

/** ECG records of the worklist, in the hub's records database (table ecg_records, migration 3). */
export class EcgStore {
  private readonly stmt;

  /** `db` is public so the reading workflow (diagnoses, audit) shares the connection and its transactions. */
  constructor(readonly db: Database.Database) {
    const cols = 'id, gateway_id, record_id, received_at_ms, status, priority, claimed_by, byte_size, content_type, corrupt_code';
    this.stmt = {
      insert: db.prepare(`INSERT INTO ecg_records (gateway_id, record_id, received_at_ms, status, priority, byte_size, content_type, corrupt_code, patient_ref, blob)
        VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (gateway_id, record_id) DO NOTHING RETURNING ${cols}`),
      list: db.prepare(`SELECT ${cols} FROM ecg_records ORDER BY received_at_ms DESC, id DESC LIMIT ?`),
      get: db.prepare(`SELECT ${cols} FROM ecg_records WHERE id = ?`),
      blob: db.prepare('SELECT content_type, blob FROM ecg_records WHERE id = ?'),
      earlier: db.prepare("SELECT raw FROM frames WHERE gateway_id = ? AND stream_id = ? AND seq < ? AND payload_kind = 'ecgChunk' ORDER BY seq DESC LIMIT ?").pluck(),
      claim: db.prepare(`UPDATE ecg_records SET status = 'in_reading', claimed_by = ?
        WHERE id = ? AND (status = 'pending' OR (status = 'in_reading' AND claimed_by = ?)) RETURNING ${cols}`),
    };
  }

  /** Stores a reassembled record as pending; undefined when (gateway, record id) is already stored. */
  put(r: AssembledRecord, receivedAtMs: number, priority = 0): EcgRecordView | undefined {
    const row = this.stmt.insert.get(r.gatewayId, r.recordId, receivedAtMs, priority, r.blob.byteLength, r.contentType, r.corruptCode, r.patientRef, r.blob) as Row | undefined;
    return row === undefined ? undefined : view(row);
  }

  /** Newest first, at most `limit`. */
  list(limit = 200): EcgRecordView[] {
    return (this.stmt.list.all(limit) as Row[]).map(view);
  }

  get(id: number): EcgRecordView | undefined {
    const row = this.stmt.get.get(id) as Row | undefined;
    return row === undefined ? undefined : view(row);
  }

  blob(id: number): { contentType: string; blob: Uint8Array } | undefined {
    const row = this.stmt.blob.get(id) as { content_type: string; blob: Buffer } | undefined;
    return row === undefined ? undefined : { contentType: row.content_type, blob: new Uint8Array(row.blob.buffer, row.blob.byteOffset, row.blob.byteLength) };
  }

  /**
   * Raw stored frames of one stream before `seq`, newest first, at most `limit`: after a hub restart
   * the chunks of a half-received record are only in the frames table (acked, so never resent).
   */
  earlierChunkFrames(gatewayId: string, streamId: string, seq: number, limit: number): Uint8Array[] {
    return (this.stmt.earlier.all(gatewayId, streamId, seq, limit) as Buffer[]).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }

  /** pending → in_reading by `username`; claiming one's own record again is fine. Atomic (one UPDATE). */
  claim(id: number, username: string): ClaimResult {
    const row = this.stmt.claim.get(username, id, username) as Row | undefined;
    if (row !== undefined) return { ok: true, record: view(row) };
    return { ok: false, reason: this.get(id) === undefined ? 'not-found' : 'claimed' };
  }
}

interface Row {
  id: number; gateway_id: string; record_id: string; received_at_ms: number; status: EcgStatus; priority: number;
  claimed_by: string | null; byte_size: number; content_type: string; corrupt_code: string | null;
}

function view(r: Row): EcgRecordView {
  return {
    id: r.id, gatewayId: r.gateway_id, recordId: r.record_id, receivedAt: new Date(r.received_at_ms).toISOString(), status: r.status,
    priority: r.priority, claimedBy: r.claimed_by, byteSize: r.byte_size, contentType: r.content_type, corruptCode: r.corrupt_code,
  };
}
