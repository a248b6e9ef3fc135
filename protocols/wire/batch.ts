// Batch envelopes (SESSION.md §2a): several complete frames in one WebSocket message, so a sender
// that releases dozens of small frames at once pays one message (and one socket write) for all
// of them. Hand-written framing: the inner frames are already encoded, and copying them into
// place is all a batch needs; protobufjs would wrap each in a Writer fork first.
import { decodeEnvelope, type DecodedEnvelope } from './codec.js';
import { WireError, WireErrorCode } from '../errors.js';
import type { EnvelopeLimits } from './validate.js';

/** Tag of Envelope field 1 (header) and of Batch field 1 (frames): field 1, length-delimited. */
const TAG_1_LEN = 0x0a;
/** Tag of Envelope field 16 (batch), length-delimited: (16 << 3) | 2 = 130, two varint bytes. */
const TAG_BATCH = [0x82, 0x01] as const;
/** Tag of Header field 8 (send_time_ns), varint. */
export const TAG_SEND_TIME = 0x40;

/** Bytes of `n` (a non-negative integer below 2^32) as a protobuf varint. */
export function varintSize(n: number): number {
  let size = 1;
  for (let v = n >>> 0; v > 0x7f; v >>>= 7) size += 1;
  return size;
}

/** Writes `n` (a non-negative integer below 2^32) as a varint at `pos`; returns the next position. */
export function writeVarint(out: Uint8Array, pos: number, n: number): number {
  let v = n >>> 0;
  while (v > 0x7f) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
  return pos;
}

/**
 * A non-negative integer-valued double below 2^64 as (hi, lo) 32-bit halves: both exact, since
 * the division is by a power of two (the same split protobufjs makes for int64 numbers).
 */
function halves(n: number): [number, number] {
  return [Math.floor(n / 4294967296) >>> 0, n % 4294967296 >>> 0];
}

/** Bytes of a non-negative int64 `n` (a JS number, exact or not above 2^53) as a varint. */
export function varint64Size(n: number): number {
  let [hi, lo] = halves(n);
  let size = 1;
  while (hi !== 0 || lo > 0x7f) {
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
    size += 1;
  }
  return size;
}

/** Writes a non-negative int64 `n` as a varint at `pos`, byte-identical to protobufjs; returns the next position. */
export function writeVarint64(out: Uint8Array, pos: number, n: number): number {
  let [hi, lo] = halves(n);
  while (hi !== 0 || lo > 0x7f) {
    out[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  out[pos++] = lo;
  return pos;
}

/** Bytes one inner frame of `len` bytes takes inside a Batch (tag, length, frame). */
export function batchElementSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** Bytes of a Batch envelope with this outer header and inner elements totalling `elementsBytes`. */
export function batchEnvelopeSize(headerLen: number, elementsBytes: number): number {
  return 1 + varintSize(headerLen) + headerLen + TAG_BATCH.length + varintSize(elementsBytes) + elementsBytes;
}

/**
 * Writes the start of a Batch envelope (outer header, batch tag and length) for inner elements
 * totalling `elementsBytes`; the caller then writes each element with writeBatchElementHead and
 * the frame's bytes. Returns the next position.
 */
export function writeBatchHead(out: Uint8Array, header: Uint8Array, elementsBytes: number): number {
  let p = 0;
  out[p++] = TAG_1_LEN;
  p = writeVarint(out, p, header.length);
  out.set(header, p);
  p += header.length;
  out[p++] = TAG_BATCH[0];
  out[p++] = TAG_BATCH[1];
  return writeVarint(out, p, elementsBytes);
}

/** Writes the tag and length of one inner frame of `len` bytes; returns where its bytes go. */
export function writeBatchElementHead(out: Uint8Array, pos: number, len: number): number {
  out[pos] = TAG_1_LEN;
  return writeVarint(out, pos + 1, len);
}

/**
 * One Batch envelope holding `frames` (each a complete encoded Envelope, none a Batch) behind the
 * encoded outer `header` (Header{gateway_id}). Byte-identical to protobufjs encoding
 * `{ header, batch: { frames } }`.
 */
export function encodeBatch(header: Uint8Array, frames: readonly Uint8Array[]): Uint8Array {
  let elements = 0;
  for (const f of frames) elements += batchElementSize(f.length);
  const out = new Uint8Array(batchEnvelopeSize(header.length, elements));
  let p = writeBatchHead(out, header, elements);
  for (const f of frames) {
    p = writeBatchElementHead(out, p, f.length);
    out.set(f, p);
    p += f.length;
  }
  return out;
}

/**
 * Decodes one inner frame of a Batch like any frame (size-capped, validated), and refuses a Batch
 * inside a Batch (TM_ERR_ENVELOPE_BAD_FIELD): nesting buys a sender nothing and would let one
 * message fan out without bound.
 */
export function decodeBatchedFrame(bytes: Uint8Array, limits?: EnvelopeLimits): DecodedEnvelope {
  const env = decodeEnvelope(bytes, limits);
  if (env.payload === 'batch') throw new WireError(WireErrorCode.BAD_FIELD, 'a Batch inside a Batch');
  return env;
}
