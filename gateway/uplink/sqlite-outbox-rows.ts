// The stored form of an outbox frame (outbox.db `frames` rows) and back: split from
// sqlite-outbox.ts, which keeps the store's logic.
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
