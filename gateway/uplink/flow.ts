import { FixedShaper, Pacer, chunkSizeFor, type AckFeedback, type PacerOptions, type SchedItem } from '../../protocols/transport/index.js';
import type { Timers } from './timers.js';

/**
 * How the uplink releases frames: `scheduled` (classes, deadlines, pacing) or `fifo` (one queue,
 * unpaced; the baseline); the benchmarks' ablations `strict` (classes and deadlines, unpaced) and
 * `shaped` (classes and deadlines behind a fixed token bucket).
 */
export type UplinkMode = 'scheduled' | 'fifo' | 'strict' | 'shaped';

/** BULK chunk size where no rate is known (strict): what devices hand over, 16 KiB. */
const UNPACED_CHUNK_BYTES = 16 * 1024;

export interface FlowOptions {
  readonly mode: UplinkMode;
  /**
   * Bound on ws.bufferedAmount, bytes. In `scheduled` mode the effective bound is tighter: two
   * chunks, at least 16 KiB: bytes in the socket are out of the scheduler's hands, so a CONTROL
   * frame would wait behind them.
   */
  readonly maxBufferedBytes: number;
  readonly pacer?: PacerOptions;
  /** `shaped` mode: the fixed rate, bits/s. */
  readonly shapedRateBps?: number;
  readonly timers: Timers;
  /** Called when a held frame may go (pacing timer fired). */
  readonly wake: () => void;
}

/**
 * Flow control of one uplink: the pacer (rate, cwnd) plus the socket-buffer bound, and the timer
 * that wakes the writer when the token bucket allows the next frame. A fresh pacer per connection:
 * the hub counts `bytes_received` per connection.
 */
export class UplinkFlow {
  private pacerNow: Pacer;
  private timer: unknown;
  private timerAt = Infinity;
  /** Chunk size from the last bandwidth estimate; kept across connections (see chunkBytes). */
  private lastEstimatedChunk: number | undefined;

  /** `shaped` mode's token bucket (kept across connections: it knows nothing of them). */
  private readonly shaper: FixedShaper | undefined;

  constructor(private readonly o: FlowOptions) {
    this.pacerNow = new Pacer(o.pacer);
    if (o.mode === 'shaped') {
      if (o.shapedRateBps === undefined) throw new RangeError('uplink mode "shaped" needs shapedRateBps');
      this.shaper = new FixedShaper(o.shapedRateBps);
    }
  }

  get pacer(): Pacer {
    return this.pacerNow;
  }

  get paced(): boolean {
    return this.o.mode === 'scheduled';
  }

  /** A new connection: forget the old one's estimates (its byte counts restart at 0). */
  reset(): void {
    this.pacerNow = new Pacer(this.o.pacer);
    this.cancel();
  }

  /**
   * Bytes of one BULK chunk at the current pacing rate (≈ 3 ms of transmission, 1–64 KiB). With no
   * bandwidth estimate (a new connection, or none at all during an outage) the size from the last
   * estimate stands: durable records cut during an outage are stored at this size and sent after
   * it, and the initial-rate guess (1 KiB) stored 16× as many rows as a 10 Mbit/s cell needs.
   */
  chunkBytes(): number {
    if (this.shaper) return chunkSizeFor(this.shaper.rateBps);
    if (this.o.mode === 'strict') return UNPACED_CHUNK_BYTES;
    if (!this.paced) return 65_536;
    const estimated = this.pacerNow.estimator.btlBwBpms > 0;
    if (!estimated) return this.lastEstimatedChunk ?? chunkSizeFor(this.pacerNow.pacingRateBps);
    this.lastEstimatedChunk = chunkSizeFor(this.pacerNow.pacingRateBps);
    return this.lastEstimatedChunk;
  }

  /** Expected time from release to arrival, ms: half the propagation RTT (0 before an estimate). */
  transitMs(): number {
    const rtt = this.pacerNow.estimator.minRttMs;
    return this.o.mode !== 'fifo' && Number.isFinite(rtt) ? rtt / 2 : 0;
  }

  /** Socket buffer still has room for more writes. */
  socketHasRoom(bufferedAmount: number): boolean {
    const bound = this.o.mode !== 'fifo' ? Math.min(this.o.maxBufferedBytes, Math.max(16 * 1024, 2 * this.chunkBytes())) : this.o.maxBufferedBytes;
    return bufferedAmount <= bound;
  }

  /** May this frame be written now? CONTROL may borrow (tiny frames, tightest budget). */
  admit(item: SchedItem, nowMs: number): boolean {
    if (this.shaper) return this.shaper.canSend(nowMs);
    if (!this.paced) return true;
    return this.pacerNow.canSend(item.size, nowMs, item.className === 'control');
  }

  onSent(bytes: number, nowMs: number): void {
    this.shaper?.onSent(bytes, nowMs);
    this.pacerNow.onSent(bytes, nowMs);
  }

  onAck(fb: AckFeedback, nowMs: number): void {
    this.pacerNow.onAck(fb, nowMs);
  }

  /** The writer stopped with frames queued: arm the wake-up for when pacing allows the next. */
  hold(nowMs: number): void {
    if (!this.paced && !this.shaper) return;
    let at: number | undefined;
    if (this.shaper) at = this.shaper.nextSendMs(nowMs);
    else {
      this.pacerNow.tick(nowMs);
      at = this.pacerNow.nextSendMs(nowMs);
    }
    // cwnd-limited: the next ack wakes the writer; still re-check now and then in case acks stop.
    const due = at ?? nowMs + 50;
    if (this.timer !== undefined && this.timerAt <= due) return;
    this.cancel();
    this.timerAt = due;
    this.timer = this.o.timers.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.o.wake();
    }, Math.max(0, due - nowMs));
  }

  /** The writer ran out of frames: rate samples until now understate the link. */
  idle(): void {
    this.pacerNow.markAppLimited();
  }

  cancel(): void {
    if (this.timer !== undefined) this.o.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
