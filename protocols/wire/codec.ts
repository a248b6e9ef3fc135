import { telemed } from './proto.js';
import { WireError, WireErrorCode } from '../errors.js';
import { validateEnvelope, type EnvelopeLimits, DEFAULT_LIMITS } from './validate.js';

export const v1 = telemed.v1;
export const Envelope = telemed.v1.Envelope;
export type Envelope = telemed.v1.Envelope;
export type EnvelopeInit = telemed.v1.IEnvelope;
export type HeaderInit = telemed.v1.IHeader;

/** The payload arms of `Envelope` (the `oneof payload` of telemed.proto). */
export type PayloadKind = NonNullable<Envelope['payload']>;

/** Current protocol version (Hello.protocol_version). */
export const PROTOCOL_VERSION = 1;

/** Encodes one envelope to its wire bytes. Throws TM_ERR_FRAME_TOO_LARGE past the limit. */
export function encodeEnvelope(env: EnvelopeInit, maxFrameBytes = DEFAULT_LIMITS.maxFrameBytes): Uint8Array {
  const bytes = Envelope.encode(env).finish();
  if (bytes.length > maxFrameBytes) {
    throw new WireError(WireErrorCode.FRAME_TOO_LARGE, `encoded frame is ${bytes.length} bytes, limit is ${maxFrameBytes}`);
  }
  // On Node protobufjs hands back a Buffer, whose slice() is a view, not the copy Uint8Array's
  // slice() promises: a caller that copies-then-edits (a retry, a fuzzer) would edit our frame.
  // A plain Uint8Array view over the same memory keeps the type honest at no cost.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** A decoded and validated envelope: header present, one payload set, enum values known. */
export interface DecodedEnvelope extends Envelope {
  header: telemed.v1.Header;
  payload: PayloadKind;
}

/**
 * Decodes one frame. Input is treated as hostile: the size is checked before parsing, any parse
 * failure becomes TM_ERR_PROTO_DECODE (with the parser's error as `cause`), and the result is
 * validated (validate.ts) before it is returned. Never throws anything but a WireError.
 */
export function decodeEnvelope(bytes: Uint8Array, limits: EnvelopeLimits = DEFAULT_LIMITS): DecodedEnvelope {
  if (bytes.length === 0) throw new WireError(WireErrorCode.FRAME_EMPTY, 'empty frame');
  if (bytes.length > limits.maxFrameBytes) {
    throw new WireError(WireErrorCode.FRAME_TOO_LARGE, `frame is ${bytes.length} bytes, limit is ${limits.maxFrameBytes}`);
  }
  let env: Envelope;
  try {
    env = Envelope.decode(bytes);
  } catch (err) {
    // protobufjs throws RangeError/Error on truncation, bad wire types and over-deep groups.
    throw new WireError(WireErrorCode.PROTO_DECODE, `not a telemed envelope: ${(err as Error).message ?? String(err)}`, { cause: err });
  }
  validateEnvelope(env, limits);
  return env as DecodedEnvelope;
}
