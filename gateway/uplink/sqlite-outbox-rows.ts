// The stored form of an outbox frame (outbox.db `frames` rows) and back: split from
// sqlite-outbox.ts, which keeps the store's logic.
import type Database from 'better-sqlite3';
import { DEFAULT_LIMITS, className, encodeEnvelope, telemed, type HeaderInit } from '../../protocols/index.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import { encodeForSend, type OutFrame } from './streams.js';

/** A `frames` row as the pending read returns it. */
export interface Row {
  seq: number;
  size: number;
  deadline_wall_ms: number;
  env: Buffer;
}

/**
 * The envelope bytes stored for a frame: its own encoded header and body, kept from build, with no
 * send time (the same bytes as encodeEnvelope(f.env), without encoding the payload a second time).
 * A frame above the wire limit, which encodeForSend refuses, is stored as before and fails at send.
 */
export function storedBytes(f: OutFrame): Uint8Array {
  return f.size <= DEFAULT_LIMITS.maxFrameBytes ? encodeForSend(f, 0) : encodeEnvelope(f.env);
}

/** Rebuilds an OutFrame from its stored envelope (our own bytes: decoded without re-validation). */
export function toFrame(streamId: string, r: Row, deadlineMs: number): OutFrame {
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

/** What `frames` holds of one stream at open (SqliteOutbox.load). */
export interface StreamTotals {
  stream_id: string;
  /** Oldest seq held. */
  lo: number;
  /** cum_bytes of the highest seq held. */
  top: number;
  /** Frames above the ack (pending) and at or below it (retained). */
  n: number;
  kn: number;
  /** Cumulative bytes at the ack, and just below the oldest row held. */
  ackedCum: number;
  lowCum: number;
}

/**
 * Per stream with rows: pending and retained counts, and the cumulative bytes at the top, the ack
 * and the oldest row (a row's cum_bytes minus its own size is the cumulative just before it).
 */
export function streamTotals(db: Database.Database): StreamTotals[] {
  const per = db.prepare(`SELECT f.stream_id, MIN(f.seq) AS lo, MAX(f.cum_bytes) AS top, s.acked_seq AS acked,
      SUM(f.seq > s.acked_seq) AS n, SUM(f.seq <= s.acked_seq) AS kn
    FROM frames f JOIN streams s ON s.stream_id = f.stream_id GROUP BY f.stream_id`).all() as (Omit<StreamTotals, 'ackedCum' | 'lowCum'> & { acked: number })[];
  const before = db.prepare('SELECT cum_bytes - size FROM frames WHERE stream_id = ? AND seq > ? ORDER BY seq LIMIT 1').pluck();
  return per.map(({ acked, ...r }) => ({
    ...r,
    ackedCum: r.n > 0 ? (before.get(r.stream_id, acked) as number) : r.top,
    lowCum: before.get(r.stream_id, r.lo - 1) as number,
  }));
}
