import { GatewayError, GatewayErrorCode } from '../errors.js';
import type { OutFrame } from './streams.js';

/**
 * The durable outbox (DESIGN.md §3): every durable frame is appended before the device is told it
 * was taken and removed only when the hub acknowledges it. Bounded by bytes: when full, `append`
 * throws TM_ERR_OUTBOX_FULL and the caller counts the loss; nothing is dropped silently.
 * Reads are batched (`pendingBatch`) so a backlog of hundreds of MB is never loaded at once.
 */
export interface Outbox {
  /** Stores one frame (committed when this returns); returns its seq. Frames of a stream must be
   * appended in seq order. Throws TM_ERR_OUTBOX_FULL when it does not fit. */
  append(frame: OutFrame): number;
  /** Stores frames in one commit, all or none: throws TM_ERR_OUTBOX_FULL when they do not all fit. */
  appendBatch(frames: readonly OutFrame[]): void;
  /** Up to `maxFrames` frames of `streamId` with seq > `afterSeq`, in seq order. */
  pendingBatch(streamId: string, afterSeq: number, maxFrames: number): readonly OutFrame[];
  /** Cumulative ack: removes every frame of `streamId` with seq <= `seq`. Returns how many. */
  ack(streamId: string, seq: number): number;
  /** Streams with frames waiting. */
  streams(): readonly string[];
  /** Seq of the last frame appended on a stream (0 when none), so numbering survives acks (and,
   * for a persistent outbox, restarts). */
  highestSeq(streamId: string): number;
  /**
   * Highest durable downlink seq already delivered on a hub stream (0 when none). A persistent
   * outbox keeps it across restarts, so a frame the hub resends after our crash is not delivered
   * twice (issue 3, durable downlink).
   */
  downlinkHigh(streamId: string): number;
  /** Records that hub stream `streamId` was delivered up to `seq` (committed when this returns). */
  setDownlinkHigh(streamId: string, seq: number): void;
  /** setDownlinkHigh whose promise resolves once the mark is on disk, the wait off the event loop. Optional. */
  setDownlinkHighSynced?(streamId: string, seq: number): Promise<void>;
  /** The hub's downlink epoch the marks belong to (HelloAck.downlink_epoch); '' when none seen yet. */
  downlinkEpoch(): string;
  /**
   * Records the hub's downlink epoch; with `clearMarks`, every downlink mark is forgotten in the same
   * commit (the hub's numbering restarted, SESSION.md §4).
   */
  setDownlinkEpoch(epoch: string, clearMarks: boolean): void;
  /** Bytes held (encoded frame sizes). */
  readonly bytes: number;
  /** Frames held. */
  readonly frames: number;
  /** Byte cap. */
  readonly maxBytes: number;
  /** True when frames survive a restart (SQLite); false for the in-memory outbox. */
  readonly persistent: boolean;
  /** Releases the store (closes the file). Idempotent. */
  close(): void;
}

/** The error `append` throws at the cap, with a message saying how full the outbox is. */
export function outboxFullError(held: number, maxBytes: number, adding: number, what: string): GatewayError {
  return new GatewayError(
    GatewayErrorCode.OUTBOX_FULL,
    `outbox full: ${held} of ${maxBytes} bytes held, ${what} of ${adding} bytes refused`,
  );
}

/**
 * In-memory outbox: survives reconnects, not restarts. SqliteOutbox implements the same interface
 * and passes the same conformance suite (outbox.conformance.ts).
 */
export class MemoryOutbox implements Outbox {
  private readonly byStream = new Map<string, OutFrame[]>();
  private readonly highest = new Map<string, number>();
  private readonly downMarks = new Map<string, number>();
  private downEpoch = '';
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
      throw outboxFullError(this.heldBytes, this.maxBytes, frame.size, `frame (stream ${frame.streamId} seq ${frame.seq})`);
    }
    const top = this.highestSeq(frame.streamId);
    if (frame.seq <= top) throw new RangeError(`outbox: stream ${frame.streamId} seq ${frame.seq} not after ${top}`);
    let list = this.byStream.get(frame.streamId);
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

  appendBatch(frames: readonly OutFrame[]): void {
    const adding = frames.reduce((n, f) => n + f.size, 0);
    if (this.heldBytes + adding > this.maxBytes) {
      throw outboxFullError(this.heldBytes, this.maxBytes, adding, `batch of ${frames.length} frames`);
    }
    // Order check first, so a bad batch changes nothing (all or nothing, like one transaction).
    const top = new Map<string, number>();
    for (const f of frames) {
      const last = top.get(f.streamId) ?? this.highestSeq(f.streamId);
      if (f.seq <= last) throw new RangeError(`outbox: stream ${f.streamId} seq ${f.seq} not after ${last}`);
      top.set(f.streamId, f.seq);
    }
    for (const f of frames) this.append(f);
  }

  pendingBatch(streamId: string, afterSeq: number, maxFrames: number): readonly OutFrame[] {
    const list = this.byStream.get(streamId) ?? [];
    // Binary search for the first frame after afterSeq: the list is in seq order.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid]?.seq ?? Infinity) <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo, lo + Math.max(0, maxFrames));
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

  downlinkHigh(streamId: string): number {
    return this.downMarks.get(streamId) ?? 0;
  }

  setDownlinkHigh(streamId: string, seq: number): void {
    this.downMarks.set(streamId, seq);
  }

  downlinkEpoch(): string {
    return this.downEpoch;
  }

  setDownlinkEpoch(epoch: string, clearMarks: boolean): void {
    if (clearMarks) this.downMarks.clear();
    this.downEpoch = epoch;
  }

  /**
   * Removes every frame of a stream and forgets its high-water mark; returns the frames. Only for
   * renumbering after a restart that lost this (non-persistent) outbox: see Uplink.
   */
  forgetStream(streamId: string): OutFrame[] {
    const list = this.byStream.get(streamId) ?? [];
    this.byStream.delete(streamId);
    this.highest.delete(streamId);
    this.heldFrames -= list.length;
    for (const f of list) this.heldBytes -= f.size;
    return list;
  }

  close(): void {
    // Nothing to release: the frames go with the process.
  }
}
