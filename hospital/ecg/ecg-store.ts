import type Database from 'better-sqlite3';
import type { EcgAnalysisSummary, EcgFindingSummary, EcgLeadQualitySummary } from '../../protocols/ecg/analysis-summary.js';
import type { EcgRecordMeta } from './blob-format.js';
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
  // From the EcgDocument (migration 4); null / [] for int16 blobs and undecodable documents.
  /** Median heart rate from the gateway's analysis, bpm. */
  readonly heartRateBpm: number | null;
  readonly verdict: EcgAnalysisSummary['verdict'] | null;
  readonly findings: readonly EcgFindingSummary[];
  readonly leadQuality: readonly EcgLeadQualitySummary[];
  /** Record length, s. */
  readonly durationS: number | null;
  readonly sampleRateHz: number | null;
  readonly leads: readonly string[];
  /** The cart's own statements. */
  readonly statements: readonly string[];
}

/** What the plugin learnt from the blob at arrival (blob-format.ts describeBlob). */
export interface StoredRecordInfo {
  readonly meta: EcgRecordMeta | null;
  readonly analysis: EcgAnalysisSummary | null;
  /** Overrides the reassembler's verdict, e.g. TM_ERR_ECG_DOCUMENT when the document does not decode. */
  readonly corruptCode?: string | null;
}

export type ClaimResult = { readonly ok: true; readonly record: EcgRecordView } | { readonly ok: false; readonly reason: 'not-found' | 'claimed' };

/**
 * A stored EcgDocument whose description (metadata, analysis, decodability: decode threads) is
 * not in yet: stored the moment its last chunk arrived so an acked record survives a hub restart,
 * left out of the worklist until described (EcgStore.describe), and described again after a
 * restart (EcgStore.undescribed). Documents described before always have meta_json or corrupt_code.
 */
const UNDESCRIBED = "meta_json IS NULL AND corrupt_code IS NULL AND content_type LIKE 'application/x-telemed-ecg+protobuf%'";

/** ECG records of the worklist, in the hub's records database (table ecg_records, migration 3). */
export class EcgStore {
  private readonly stmt;

  /** `db` is public so the reading workflow (diagnoses, audit) shares the connection and its transactions. */
  constructor(readonly db: Database.Database) {
    const cols = 'id, gateway_id, record_id, received_at_ms, status, priority, claimed_by, byte_size, content_type, corrupt_code, analysis_json, meta_json';
    this.stmt = {
      insert: db.prepare(`INSERT INTO ecg_records (gateway_id, record_id, received_at_ms, status, priority, byte_size, content_type, corrupt_code, patient_ref, blob, analysis_json, meta_json)
        VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (gateway_id, record_id) DO UPDATE SET received_at_ms = excluded.received_at_ms, priority = excluded.priority,
          byte_size = excluded.byte_size, content_type = excluded.content_type, corrupt_code = NULL, patient_ref = excluded.patient_ref,
          blob = excluded.blob, analysis_json = excluded.analysis_json, meta_json = excluded.meta_json
        WHERE ecg_records.corrupt_code IS NOT NULL AND excluded.corrupt_code IS NULL
        RETURNING ${cols}`),
      // docs/CONTRACTS.md "Hub reading API": unreported first (most urgent, then longest waiting),
      // reported after (newest first).
      list: db.prepare(`SELECT ${cols} FROM ecg_records WHERE NOT (${UNDESCRIBED})
        ORDER BY status = 'reported', CASE WHEN status = 'reported' THEN 0 ELSE priority END DESC,
          CASE WHEN status = 'reported' THEN -received_at_ms ELSE received_at_ms END, id LIMIT ?`),
      get: db.prepare(`SELECT ${cols} FROM ecg_records WHERE id = ?`),
      idOf: db.prepare('SELECT id FROM ecg_records WHERE gateway_id = ? AND record_id = ?').pluck(),
      blob: db.prepare('SELECT content_type, blob FROM ecg_records WHERE id = ?'),
      earlier: db.prepare("SELECT raw FROM frames WHERE gateway_id = ? AND stream_id = ? AND seq < ? AND payload_kind = 'ecgChunk' ORDER BY seq DESC LIMIT ?").pluck(),
      undescribed: db.prepare(`SELECT id FROM ecg_records WHERE ${UNDESCRIBED} ORDER BY id LIMIT ?`).pluck(),
      describe: db.prepare(`UPDATE ecg_records SET priority = ?, analysis_json = ?, meta_json = ?, corrupt_code = ?
        WHERE id = ? AND ${UNDESCRIBED} RETURNING ${cols}`),
      claim: db.prepare(`UPDATE ecg_records SET status = 'in_reading', claimed_by = ?
        WHERE id = ? AND (status = 'pending' OR (status = 'in_reading' AND claimed_by = ?)) RETURNING ${cols}`),
    };
  }

  /**
   * Stores a reassembled record as pending. When (gateway, record id) is already stored: a verified
   * copy (no corrupt code) replaces a corrupt row (e.g. one evicted half-way and rebuilt from the
   * stored chunks), keeping its row id, status and claim; otherwise nothing changes and this
   * returns undefined (a corrupt copy never overwrites anything, a verified row is never replaced).
   */
  put(r: AssembledRecord, receivedAtMs: number, priority = 0, info: StoredRecordInfo | null = null): EcgRecordView | undefined {
    const corrupt = info?.corruptCode === undefined ? r.corruptCode : info.corruptCode;
    const analysis = info?.analysis === null || info?.analysis === undefined ? null : JSON.stringify(info.analysis);
    const meta = info?.meta === null || info?.meta === undefined ? null : JSON.stringify(info.meta);
    const row = this.stmt.insert.get(
      r.gatewayId, r.recordId, receivedAtMs, priority, r.blob.byteLength, r.contentType, corrupt, r.patientRef, r.blob, analysis, meta,
    ) as Row | undefined;
    return row === undefined ? undefined : view(row);
  }

  /** Document records stored but not described yet (see UNDESCRIBED), oldest first, at most `limit`. */
  undescribed(limit: number): number[] {
    return this.stmt.undescribed.all(limit) as number[];
  }

  /**
   * Sets what the decode threads learnt of an undescribed document (metadata and analysis, or the
   * code it failed with); the record then joins the worklist. Undefined when it was not undescribed.
   */
  describe(id: number, info: StoredRecordInfo): EcgRecordView | undefined {
    const row = this.stmt.describe.get(
      info.analysis?.priority ?? 0, info.analysis === null ? null : JSON.stringify(info.analysis),
      info.meta === null ? null : JSON.stringify(info.meta), info.corruptCode ?? null, id,
    ) as Row | undefined;
    return row === undefined ? undefined : view(row);
  }

  /** Worklist order (unreported by priority then oldest first; reported after, newest first), at most `limit`. */
  list(limit = 200): EcgRecordView[] {
    return (this.stmt.list.all(limit) as Row[]).map(view);
  }

  /** The hub row id of a gateway's record, by the cart's record id. */
  idOf(gatewayId: string, recordId: string): number | undefined {
    return this.stmt.idOf.get(gatewayId, recordId) as number | undefined;
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
  analysis_json: string | null; meta_json: string | null;
}

function view(r: Row): EcgRecordView {
  // Both columns are written by put() from typed values only.
  const a = r.analysis_json === null ? null : JSON.parse(r.analysis_json) as EcgAnalysisSummary;
  const m = r.meta_json === null ? null : JSON.parse(r.meta_json) as EcgRecordMeta;
  return {
    id: r.id, gatewayId: r.gateway_id, recordId: r.record_id, receivedAt: new Date(r.received_at_ms).toISOString(), status: r.status,
    priority: r.priority, claimedBy: r.claimed_by, byteSize: r.byte_size, contentType: r.content_type, corruptCode: r.corrupt_code,
    heartRateBpm: a?.heartRateBpm ?? null, verdict: a?.verdict ?? null, findings: a?.findings ?? [], leadQuality: a?.leadQuality ?? [],
    durationS: m?.durationS ?? null, sampleRateHz: m?.sampleRateHz ?? null, leads: m?.leads ?? [], statements: m?.statements ?? [],
  };
}
