import {
  DEFAULT_LIMITS, WireError, WireErrorCode, encodeEnvelope, className, telemed,
  type ClassName, type EnvelopeInit, type TrafficClass, type HeaderInit,
} from '../../protocols/index.js';

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
    const env = { ...input.payload, header };
    const body = encodeBody(env);
    const frame: OutFrame = {
      streamId: input.streamId,
      seq,
      trafficClass: input.trafficClass,
      className: name,
      durable: input.durable,
      budgetMs,
      deadlineMs: nowMonoMs + budgetMs,
      size: framedSize(telemed.v1.Header.encode(header).finish().length, body.length),
      env,
    };
    bodies.set(frame, body);
    return frame;
  }
}

/**
 * The Envelope without its header, encoded once per frame (at build) and reused by every send:
 * only the header changes (send time), and encoding the payload twice was the largest per-frame
 * cost of the gateway (bench:throughput profile). Frames rebuilt from the SQLite outbox encode it
 * on first send.
 */
const bodies = new WeakMap<OutFrame, Uint8Array>();

function encodeBody(env: EnvelopeInit): Uint8Array {
  return telemed.v1.Envelope.encode({ ...env, header: null }).finish();
}

function varintSize(n: number): number {
  let size = 1;
  for (let v = n; v > 0x7f; v >>>= 7) size += 1;
  return size;
}

/** Envelope bytes for a header of `headerLen` and a body: tag of field 1 (0x0a), length, header, body. */
function framedSize(headerLen: number, bodyLen: number): number {
  return 1 + varintSize(headerLen) + headerLen + bodyLen;
}

/**
 * Encodes a frame for the wire with its send time stamped now. Byte-identical to encoding the
 * whole Envelope (protobufjs writes field 1, the header, first; the rest follows unchanged).
 */
export function encodeForSend(frame: OutFrame, sendTimeNs: number): Uint8Array {
  let body = bodies.get(frame);
  if (body === undefined) bodies.set(frame, (body = encodeBody(frame.env)));
  const head = telemed.v1.Header.encode({ ...frame.env.header, sendTimeNs }).finish();
  const out = new Uint8Array(framedSize(head.length, body.length));
  if (out.length > DEFAULT_LIMITS.maxFrameBytes) {
    throw new WireError(WireErrorCode.FRAME_TOO_LARGE, `encoded frame is ${out.length} bytes, limit is ${DEFAULT_LIMITS.maxFrameBytes}`);
  }
  out[0] = 0x0a; // field 1 (header), wire type 2 (length-delimited)
  let p = 1;
  let v = head.length;
  for (; v > 0x7f; v >>>= 7) out[p++] = (v & 0x7f) | 0x80;
  out[p++] = v;
  out.set(head, p);
  out.set(body, p + head.length);
  return out;
}
