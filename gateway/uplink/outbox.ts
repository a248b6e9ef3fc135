import { GatewayError, GatewayErrorCode } from '../errors.js';
import type { OutFrame } from './streams.js';

/**
 * The durable outbox (DESIGN.md §3): every durable frame is appended before the device is told it
 * was taken and removed only when the hub acknowledges it. Bounded by bytes: when full, `append`
 * throws TM_ERR_OUTBOX_FULL and the caller counts the loss; nothing is dropped silently.
 */
export interface Outbox {
  /** Stores a frame; returns its seq. Frames of a stream must be appended in seq order. */
  append(frame: OutFrame): number;
  /** Frames of `streamId` with seq > `afterSeq`, in seq order. */
  pending(streamId: string, afterSeq: number): readonly OutFrame[];
  /** Cumulative ack: removes every frame of `streamId` with seq <= `seq`. Returns how many. */
  ack(streamId: string, seq: number): number;
  /** Streams with frames waiting. */
  streams(): readonly string[];
  /** Seq of the last frame appended on a stream (0 when none), so numbering survives acks. */
  highestSeq(streamId: string): number;
  /** Bytes held (encoded frame sizes). */
  readonly bytes: number;
  /** Frames held. */
  readonly frames: number;
  /** Byte cap. */
  readonly maxBytes: number;
  /** True when frames survive a restart (SQLite); false for the in-memory outbox. */
  readonly persistent: boolean;
}

/**
 * In-memory outbox: survives reconnects, not restarts. The SQLite outbox (later issue) implements
 * the same interface and passes the same tests.
 */
export class MemoryOutbox implements Outbox {
  private readonly byStream = new Map<string, OutFrame[]>();
  private readonly highest = new Map<string, number>();
  private heldBytes = 0;
  private heldFrames = 0;
  readonly persistent = false;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.heldBytes;
  }

  get frames(): number {
    return this.heldFrames;
  }

  append(frame: OutFrame): number {
    if (this.heldBytes + frame.size > this.maxBytes) {
      throw new GatewayError(
        GatewayErrorCode.OUTBOX_FULL,
        `outbox full: ${this.heldBytes} of ${this.maxBytes} bytes held, frame of ${frame.size} bytes refused (stream ${frame.streamId} seq ${frame.seq})`,
      );
    }
    let list = this.byStream.get(frame.streamId);
    const top = list?.at(-1)?.seq ?? 0;
    if (frame.seq <= top) throw new RangeError(`outbox: stream ${frame.streamId} seq ${frame.seq} not after ${top}`);
    if (!list) {
      list = [];
      this.byStream.set(frame.streamId, list);
    }
    list.push(frame);
    this.highest.set(frame.streamId, frame.seq);
    this.heldBytes += frame.size;
    this.heldFrames += 1;
    return frame.seq;
  }

  pending(streamId: string, afterSeq: number): readonly OutFrame[] {
    return (this.byStream.get(streamId) ?? []).filter((f) => f.seq > afterSeq);
  }

  ack(streamId: string, seq: number): number {
    const list = this.byStream.get(streamId);
    if (!list) return 0;
    // Frames are in seq order, so the acked ones are a prefix.
    let n = 0;
    while (n < list.length && (list[n]?.seq ?? Infinity) <= seq) {
      this.heldBytes -= list[n]?.size ?? 0;
      n += 1;
    }
    list.splice(0, n);
    this.heldFrames -= n;
    if (list.length === 0) this.byStream.delete(streamId);
    return n;
  }

  streams(): readonly string[] {
    return [...this.byStream.keys()];
  }

  highestSeq(streamId: string): number {
    return this.highest.get(streamId) ?? 0;
  }
}
