import { telemed, type EnvelopeLimits } from '../../protocols/index.js';

/** The header fields of a durable frame that failed validation, when they alone are sound. */
export interface SalvagedHeader {
  readonly streamId: string;
  readonly seq: number;
  readonly trafficClass: number;
  readonly captureTimeNs: number;
}

/**
 * Issue 12 item 5: a durable frame whose body breaks the wire limits (a 300-character record id)
 * must not block its stream for good (never acked, everything after it waiting behind the gap).
 * When its header still names a stream and seq we can trust (protobuf decodes, ids within the
 * limits, seq a positive safe integer, a known class, our gateway), the frame is kept as rejected
 * and acked; otherwise it stays a decode error. Frames above the size limit are never decoded.
 */
export function salvageDurableHeader(bytes: Uint8Array, limits: EnvelopeLimits, gatewayId: string): SalvagedHeader | null {
  if (bytes.length > limits.maxFrameBytes) return null;
  let env: telemed.v1.Envelope;
  try {
    env = telemed.v1.Envelope.decode(bytes);
  } catch {
    return null;
  }
  const h = env.header;
  if (h == null || h.durable !== true || env.payload == null) return null;
  const streamId = h.streamId ?? '';
  if (streamId === '' || streamId.length > limits.maxIdLength) return null;
  if ((h.gatewayId ?? '') !== '' && h.gatewayId !== gatewayId) return null;
  const seq = Number(h.seq);
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  // The wire value as a number: an unknown class (7, -1) must be refused, not matched to the enum.
  const cls: number = h.trafficClass ?? 0;
  if (!Number.isInteger(cls) || cls < 1 || cls > 6) return null;
  return { streamId, seq, trafficClass: cls, captureTimeNs: Number(h.captureTimeNs ?? 0) };
}
