import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeEnvelope, type DecodedEnvelope, type EnvelopeLimits } from '../../protocols/index.js';
import { HospitalError, HospitalErrorCode } from '../errors.js';

/** One stored durable frame, decoded, as the vitals features read it back. */
export interface StoredFrame {
  readonly gatewayId: string;
  readonly streamId: string;
  readonly seq: number;
  /** Capture time on the gateway's clock, Unix ns (the frame header's). */
  readonly captureTimeNs: number;
  readonly env: DecodedEnvelope;
}

/** A stream's place: everything up to `ackedSeq` is stored without a gap (the uplink's cumulative ack). */
export interface StreamMark {
  readonly gatewayId: string;
  readonly streamId: string;
  readonly ackedSeq: number;
}

/** A frame read in stream order; `env` is null for frames that are not of the wanted kind (skipped, but they move the cursor). */
export interface OrderedFrame {
  readonly seq: number;
  readonly captureTimeNs: number;
  readonly env: DecodedEnvelope | null;
}

/**
 * Read-only view of the hub's records.db (hospital/store) for the vitals features: the time-series
 * writer, the ambulance board and FHIR. A connection of its own (WAL readers never block the
 * store's writer); it never writes, so the uplink's store stays the one writer of the file.
 */
export class FramesReader {
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(dataDir: string, private readonly limits: EnvelopeLimits) {
    try {
      this.db = new Database(join(dataDir, 'records.db'), { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 5000');
    } catch (err) {
      throw new HospitalError(HospitalErrorCode.STORE, `cannot open records.db in ${dataDir} for reading: ${(err as Error).message}`, { cause: err });
    }
    const db = this.db;
    this.stmt = {
      marks: db.prepare('SELECT gateway_id, stream_id, acked_seq FROM stream_acks'),
      // Rejected frames (reject_code) were never valid payloads: read as "other kind", the cursor passes them.
      after: db.prepare(`SELECT seq, capture_time_ns, CASE WHEN payload_kind = ? AND reject_code IS NULL THEN raw END AS raw
        FROM frames WHERE gateway_id = ? AND stream_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`),
      since: db.prepare(`SELECT stream_id, seq, capture_time_ns, raw FROM frames
        WHERE gateway_id = ? AND payload_kind = ? AND reject_code IS NULL AND capture_time_ns >= ? ORDER BY capture_time_ns, stream_id, seq LIMIT ?`),
    };
  }

  /** Every stream of every gateway with its cumulative ack. */
  marks(): StreamMark[] {
    const rows = this.stmt.marks.all() as { gateway_id: string; stream_id: string; acked_seq: number }[];
    return rows.map((r) => ({ gatewayId: r.gateway_id, streamId: r.stream_id, ackedSeq: r.acked_seq }));
  }

  /**
   * Frames of one stream with `afterSeq < seq <= upToSeq`, in seq order, at most `limit`; frames
   * whose payload is not `kind` come back with `env: null`. A stored frame that no longer decodes
   * (it was checked when it arrived) is returned as null too, never thrown.
   */
  framesAfter(gatewayId: string, streamId: string, kind: string, afterSeq: number, upToSeq: number, limit: number): OrderedFrame[] {
    const rows = this.stmt.after.all(kind, gatewayId, streamId, afterSeq, upToSeq, limit) as { seq: number; capture_time_ns: number; raw: Buffer | null }[];
    return rows.map((r) => ({ seq: r.seq, captureTimeNs: r.capture_time_ns, env: r.raw === null ? null : this.decode(r.raw) }));
  }

  /** Frames of `kind` from one gateway captured at or after `sinceNs`, oldest first, at most `limit`. */
  framesSince(gatewayId: string, kind: string, sinceNs: number, limit: number): StoredFrame[] {
    const rows = this.stmt.since.all(gatewayId, kind, Math.floor(sinceNs), limit) as { stream_id: string; seq: number; capture_time_ns: number; raw: Buffer }[];
    const out: StoredFrame[] = [];
    for (const r of rows) {
      const env = this.decode(r.raw);
      if (env !== null) out.push({ gatewayId, streamId: r.stream_id, seq: r.seq, captureTimeNs: r.capture_time_ns, env });
    }
    return out;
  }

  private decode(raw: Buffer): DecodedEnvelope | null {
    try {
      return decodeEnvelope(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), this.limits);
    } catch {
      return null;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
