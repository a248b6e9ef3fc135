import {
  DEFAULT_LIMITS, WireError, WireErrorCode, encodeEnvelope, className, telemed,
  type ClassName, type EnvelopeInit, type TrafficClass, type HeaderInit,
} from '../../protocols/index.js';
import {
  TAG_SEND_TIME, batchElementSize, batchEnvelopeSize, varint64Size, varintSize, writeBatchElementHead, writeBatchHead,
  writeVarint, writeVarint64,
} from '../../protocols/wire/batch.js';

/** The payload arm of an envelope, e.g. `{ vitals: {...} }`: everything but the header. */
export type PayloadInit = Omit<EnvelopeInit, 'header'>;

/**
 * One frame on its way to the hub. `env.header.sendTimeNs` is filled when it leaves the
 * scheduler; everything else is fixed when the frame is built.
 */
export interface OutFrame {
  readonly streamId: string;
  /** Per-stream sequence number, from 1. */
  readonly seq: number;
  readonly trafficClass: TrafficClass;
  readonly className: ClassName;
  readonly durable: boolean;
  /** Latency budget, ms. */
  readonly budgetMs: number;
  /** Monotonic ms (Clock.monoMs) after which the frame is late. */
  readonly deadlineMs: number;
  /** Encoded size without send time, bytes (the send time adds at most 11). */
  readonly size: number;
  readonly env: EnvelopeInit & { header: HeaderInit };
}

export interface BuildFrameInput {
  readonly streamId: string;
  readonly trafficClass: TrafficClass;
  readonly durable: boolean;
  /** Capture time, Unix ns on this gateway's clock. */
  readonly captureTimeNs: number;
  /** Budget, ms; the class budget from the config when absent. */
  readonly budgetMs?: number;
  readonly payload: PayloadInit;
}

/**
 * Numbers frames per stream (SESSION.md §2: seq starts at 1, no gaps on durable streams) and
 * builds their headers.
 */
export class StreamSequencer {
  private readonly last = new Map<string, number>();

  /**
   * @param initialSeq last seq of a stream this sequencer has not numbered yet: a persistent
   * outbox's high-water mark, so numbering continues after a restart. 0 by default.
   */
  constructor(
    private readonly gatewayId: string,
    private readonly classBudgetMs: (c: ClassName) => number,
    private readonly initialSeq: (streamId: string) => number = () => 0,
  ) {}

  /** Last seq handed out on a stream, 0 when none. */
  lastSeq(streamId: string): number {
    return this.last.get(streamId) ?? this.initialSeq(streamId);
  }

  /**
   * Makes sure the next seq of a stream is above `seq`: the hub already holds frames up to it
   * (e.g. from before a restart), and reusing a number would make it drop ours as a duplicate.
   */
  advanceTo(streamId: string, seq: number): void {
    if (seq > this.lastSeq(streamId)) this.last.set(streamId, seq);
  }

  /** Sets the last seq of a stream, down as well as up; only for renumbering unsent frames. */
  resetTo(streamId: string, seq: number): void {
    this.last.set(streamId, seq);
  }

  /**
   * Gives an unsent frame the next seq of its stream. Used when the hub already holds the
   * numbers it was built with (a gateway restarted without its outbox): keeping them would make
   * the hub drop it as a duplicate.
   */
  renumber(frame: OutFrame): OutFrame {
    const seq = this.lastSeq(frame.streamId) + 1;
    this.last.set(frame.streamId, seq);
    const env = { ...frame.env, header: { ...frame.env.header, seq } };
    return { ...frame, seq, env, size: encodeEnvelope(env).length };
  }

  build(input: BuildFrameInput, nowMonoMs: number): OutFrame {
    const seq = this.lastSeq(input.streamId) + 1;
    this.last.set(input.streamId, seq);
    const name = className(input.trafficClass);
    if (name === 'unspecified') throw new RangeError(`stream ${input.streamId}: traffic class is unspecified`);
    const budgetMs = input.budgetMs ?? this.classBudgetMs(name);
    const header: HeaderInit = {
      gatewayId: this.gatewayId,
      streamId: input.streamId,
      seq,
      captureTimeNs: input.captureTimeNs,
      trafficClass: input.trafficClass,
      budgetMs,
      durable: input.durable,
    };
    // Not `{ ...input.payload, header }`: adding a property to a spread copy leaves V8 an object
    // shape the generated encoder reads ~5x slower (5-6 µs instead of ~1.3 µs per vitals frame).
    const env = Object.assign({ header }, input.payload);
    const wire = splitEncoded(telemed.v1.Envelope.encode(env).finish());
    return new WireFrame(input.streamId, seq, input.trafficClass, name, input.durable, budgetMs, nowMonoMs + budgetMs, framedSize(wireHeadLength(wire), wireBodyLength(wire)), header, wire, env);
  }
}

type FrameEnvelope = EnvelopeInit & { header: HeaderInit };

/**
 * A frame built here or read back from the outbox, carrying its encoding in a private field: not
 * a WeakMap entry (a WeakMap set per frame and its ephemeron work in GC cost ~0.3 µs per frame),
 * and invisible to spreads, JSON and equality checks, so a copy with a changed envelope is
 * re-encoded, never sent stale. `env` is a getter (a spread copy does not carry it): a frame read
 * back from the outbox's stored bytes (a header without send time, then the body) is sent from
 * those bytes as they are and decodes its Envelope only when something reads it. Decoding every
 * backlog frame and encoding it again at send cost a full decode, an encode and a copy per record
 * chunk, and the decoded objects outlived the young generation in the backlog read-ahead:
 * bench:teleop's edge ran a major GC every ~0.4 s (3-15 ms each) while it sent a stored backlog,
 * and arm commands waited behind them.
 */
class WireFrame implements OutFrame {
  readonly #wire: Wire;
  readonly #header: HeaderInit;
  #env: FrameEnvelope | undefined;
  constructor(
    readonly streamId: string,
    readonly seq: number,
    readonly trafficClass: TrafficClass,
    readonly className: ClassName,
    readonly durable: boolean,
    readonly budgetMs: number,
    readonly deadlineMs: number,
    readonly size: number,
    header: HeaderInit,
    wire: Wire,
    env?: FrameEnvelope,
  ) {
    this.#header = header;
    this.#wire = wire;
    this.#env = env;
  }

  get env(): FrameEnvelope {
    if (this.#env === undefined) {
      const w = this.#wire;
      this.#env = Object.assign(telemed.v1.Envelope.decode(w.bodyBytes.subarray(w.bodyStart)), { header: this.#header });
    }
    return this.#env;
  }

  static wireOf(f: OutFrame): Wire | undefined {
    return f instanceof WireFrame ? f.#wire : undefined;
  }
}

/**
 * An OutFrame over its stored bytes (storedBytes in sqlite-outbox-rows.ts: encodeForSend with no
 * send time). Only the header is decoded here; RangeError when it names no traffic class.
 */
export function storedFrame(streamId: string, seq: number, bytes: Uint8Array, deadlineMs: number, size: number): OutFrame {
  const wire = splitEncoded(bytes);
  const header: HeaderInit = telemed.v1.Header.decode(bytes.subarray(wire.headStart, wire.headEnd));
  const trafficClass = header.trafficClass ?? telemed.v1.TrafficClass.TRAFFIC_CLASS_UNSPECIFIED;
  const name = className(trafficClass);
  if (name === 'unspecified') throw new RangeError(`stored frame ${streamId}/${seq} has no traffic class`);
  return new WireFrame(streamId, seq, trafficClass, name, header.durable ?? true, header.budgetMs ?? 0, deadlineMs, size, header, wire);
}

/**
 * A frame's bytes without its send time: the Header without send_time_ns and the rest of the
 * Envelope. Encoded once per frame (at build) and reused by every send: only the send time
 * changes, and encoding the frame again per send was the largest per-frame cost of the gateway
 * (bench:throughput profile). Frames read back from the SQLite outbox send their stored bytes.
 */
interface Wire {
  /** The bytes holding both (the frame's one encoding, or two buffers for a rebuilt frame). */
  readonly headBytes: Uint8Array;
  readonly headStart: number;
  readonly headEnd: number;
  readonly bodyBytes: Uint8Array;
  readonly bodyStart: number;
}
/** Wires of frames not built here (rebuilt from the SQLite outbox, or copies): encoded on first send. */
const wires = new WeakMap<OutFrame, Wire>();

const wireHeadLength = (w: Wire): number => w.headEnd - w.headStart;
const wireBodyLength = (w: Wire): number => w.bodyBytes.length - w.bodyStart;

function encodeBody(env: EnvelopeInit): Uint8Array {
  return telemed.v1.Envelope.encode(Object.assign({}, env, { header: null })).finish();
}

/**
 * The Wire of a whole encoded Envelope whose header has no send time: protobufjs writes the
 * header (field 1) first, so the header's bytes and the body are two ranges of one encoding
 * (offsets, not subarray views: two views per frame cost ~0.7 µs).
 */
function splitEncoded(bytes: Uint8Array): Wire {
  if (bytes[0] !== 0x0a) return { headBytes: bytes, headStart: 0, headEnd: 0, bodyBytes: bytes, bodyStart: 0 }; // no header at all
  let len = 0;
  let p = 1;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[p++] ?? 0;
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  return { headBytes: bytes, headStart: p, headEnd: p + len, bodyBytes: bytes, bodyStart: p + len };
}

function wireOf(frame: OutFrame): Wire {
  let w = WireFrame.wireOf(frame) ?? wires.get(frame);
  if (w === undefined) {
    // send_time_ns is appended at send; a stored header must not carry one already.
    const head = telemed.v1.Header.encode(Object.assign({}, frame.env.header, { sendTimeNs: null })).finish();
    w = { headBytes: head, headStart: 0, headEnd: head.length, bodyBytes: encodeBody(frame.env), bodyStart: 0 };
    wires.set(frame, w);
  }
  return w;
}

/** Envelope bytes for a header of `headerLen` and a body: tag of field 1 (0x0a), length, header, body. */
function framedSize(headerLen: number, bodyLen: number): number {
  return 1 + varintSize(headerLen) + headerLen + bodyLen;
}

/**
 * Header bytes with send_time_ns appended (field 8 is the header's last, so it goes at the end;
 * 0 is the default and, as protobufjs does, not written).
 */
function headLength(w: Wire, sendTimeNs: number): number {
  if (!(sendTimeNs >= 0)) throw new RangeError(`send time ${sendTimeNs} ns is not a non-negative number`);
  const n = wireHeadLength(w);
  return sendTimeNs === 0 ? n : n + 1 + varint64Size(sendTimeNs);
}

/** Writes the frame (header with send time, then body) at `pos`; returns the next position. */
function writeFrame(out: Uint8Array, pos: number, w: Wire, headLen: number, sendTimeNs: number): number {
  out[pos++] = 0x0a; // field 1 (header), wire type 2 (length-delimited)
  pos = writeVarint(out, pos, headLen);
  for (let i = w.headStart; i < w.headEnd; i++) out[pos++] = w.headBytes[i] ?? 0;
  if (sendTimeNs !== 0) {
    out[pos++] = TAG_SEND_TIME;
    pos = writeVarint64(out, pos, sendTimeNs);
  }
  const body = w.bodyBytes;
  const n = body.length - w.bodyStart;
  // Small bodies byte by byte: a subarray view for set() costs more than the copy.
  if (n <= 64) for (let i = w.bodyStart; i < body.length; i++) out[pos++] = body[i] ?? 0;
  else {
    out.set(w.bodyStart === 0 ? body : body.subarray(w.bodyStart), pos);
    pos += n;
  }
  return pos;
}

function checkFrameSize(bytes: number): void {
  if (bytes > DEFAULT_LIMITS.maxFrameBytes) {
    throw new WireError(WireErrorCode.FRAME_TOO_LARGE, `encoded frame is ${bytes} bytes, limit is ${DEFAULT_LIMITS.maxFrameBytes}`);
  }
}

/**
 * Encodes a frame for the wire with its send time stamped. Byte-identical to encoding the whole
 * Envelope with protobufjs (it writes field 1, the header, first, and the header's field 8, the
 * send time, last; the rest follows unchanged).
 */
export function encodeForSend(frame: OutFrame, sendTimeNs: number): Uint8Array {
  const w = wireOf(frame);
  const headLen = headLength(w, sendTimeNs);
  const out = new Uint8Array(framedSize(headLen, wireBodyLength(w)));
  checkFrameSize(out.length);
  writeFrame(out, 0, w, headLen, sendTimeNs);
  return out;
}

/** Bytes `frame` takes on the wire when sent at `sendTimeNs` on its own (what encodeForSend returns). */
export function sendSize(frame: OutFrame, sendTimeNs: number): number {
  const w = wireOf(frame);
  return framedSize(headLength(w, sendTimeNs), wireBodyLength(w));
}

/**
 * The frames one pump turn releases, all stamped with one send time, as ONE WebSocket message:
 * a single frame as itself, several as a Batch envelope (SESSION.md §2a) behind `outerHeader`
 * (the encoded Header{gateway_id}). Byte-identical to protobufjs encoding
 * `{ header, batch: { frames: frames.map((f) => encodeForSend(f, sendTimeNs)) } }`, written in
 * one allocation.
 */
export function encodeBatchForSend(frames: readonly OutFrame[], sendTimeNs: number, outerHeader: Uint8Array): Uint8Array {
  const only = frames[0];
  if (frames.length === 1 && only !== undefined) return encodeForSend(only, sendTimeNs);
  let elements = 0;
  for (const f of frames) elements += batchElementSize(sendSize(f, sendTimeNs));
  const out = new Uint8Array(batchEnvelopeSize(outerHeader.length, elements));
  checkFrameSize(out.length);
  let p = writeBatchHead(out, outerHeader, elements);
  for (const f of frames) {
    const w = wireOf(f);
    const headLen = headLength(w, sendTimeNs);
    p = writeBatchElementHead(out, p, framedSize(headLen, wireBodyLength(w)));
    p = writeFrame(out, p, w, headLen, sendTimeNs);
  }
  return out;
}
