import type { Readable, Writable } from 'node:stream';
import { Bottleneck, EARLY_MS, type BottleneckClient, type Slot } from './bottleneck.js';
import { Fifo } from './fifo.js';
import type { Rng } from './prng.js';
import type { Scheduler, TimerHandle } from './scheduler.js';
import { constantService } from './service.js';
import { histAdd, LATENESS_BUCKET_MS, type DirStats } from './stats.js';

/** Settings of one pipe (one direction of one connection). */
export interface PipeConfig {
  /** One-way base delay in ms. */
  readonly delayMs: number;
  /** Uniform jitter amplitude in ms (±). */
  readonly jitterMs: number;
  /** Bottleneck rate in bits/s; 0 = unlimited. Used only when the pipe has no shared bottleneck. */
  readonly rateBps: number;
  /** Bottleneck queue depth in bytes; reading from the source stops at this occupancy. Own bottleneck only. */
  readonly queueLimitBytes: number;
  /** Hard cap on everything the pipe holds (queue + delay line), so stalls cannot grow memory. */
  readonly heldLimitBytes: number;
}

/**
 * One direction of one connection through an emulated cell. Bytes read from `source` join the
 * direction's bottleneck queue (shared with every other connection of the emulator, or the pipe's
 * own when none is given), are serialised by it, then travel this connection's delay line (base
 * delay + jitter, never reordering: TCP delivers in order) and are written to `dest`.
 *
 * Backpressure works as behind a real cell: when the shared queue (or this pipe's holdings, or the
 * destination socket) is full the source is paused, so the kernel buffers fill and the sender's
 * write() returns false.
 */
export class Pipe implements BottleneckClient {
  /** Every piece not yet delivered, in stream order; a head not yet served (or dropped) blocks the rest. */
  private readonly order = new Fifo<Slot>();
  private queued = 0;
  private inFlight = 0;
  /** Dropped (drop-tail) and waiting to be sent again. */
  private lost = 0;
  /** Last delivery time handed out: jitter never makes a later piece overtake an earlier one. */
  private lastDue = 0;
  /** Bytes read from the source so far (where stream-aligned pieces are cut). */
  private streamOffset = 0;
  /**
   * Drop-tail only: the congestion window the emulator plays for the sender (bytes it lets onto the
   * emulated path). Through a proxy the sender's own TCP never sees the emulated loss, so without
   * this it would keep the queue overfull and every resend would be dropped again. Reno as in
   * RFC 5681: initial window 10 segments (RFC 6928), slow start, then one segment per window;
   * halved once per loss event.
   */
  private cwnd: number;
  private ssthresh = Infinity;
  private recoveryUntil = -Infinity;
  private stallUntil = 0;
  private frozen = false;
  private paused = false;

  private sourceEnded = false;
  private endSent = false;
  private destroyed = false;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private readonly bottleneck: Bottleneck;
  private readonly ownBottleneck: boolean;

  constructor(
    private readonly source: Readable,
    private readonly dest: Writable,
    private readonly cfg: PipeConfig,
    private readonly sched: Scheduler,
    private readonly rng: Rng,
    private readonly stats: DirStats,
    shared?: Bottleneck,
  ) {
    this.ownBottleneck = !shared;
    this.bottleneck =
      shared ?? new Bottleneck(constantService(cfg.rateBps), { queueLimitBytes: cfg.queueLimitBytes, policy: 'backpressure', rttMs: 2 * cfg.delayMs }, sched, stats);
    this.bottleneck.attach(this);
    this.cwnd = 10 * this.bottleneck.service.pieceBytes;
    source.on('data', (chunk: Buffer) => this.push(chunk));
    source.on('end', () => {
      this.sourceEnded = true;
      this.wake();
    });
    dest.on('drain', () => this.wake());
  }

  /** Bytes of this connection waiting in the bottleneck queue. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Bytes held in total (queue + delay line + dropped awaiting resend). */
  get heldBytes(): number {
    return this.queued + this.inFlight + this.lost;
  }

  /** Holds every delivery until `untilMs` (a stall); serialisation goes on meanwhile. */
  stall(untilMs: number): void {
    this.stallUntil = Math.max(this.stallUntil, untilMs);
  }

  /** Outage: nothing is delivered while frozen (the emulator freezes the shared bottleneck too); bytes are kept. */
  setFrozen(frozen: boolean): void {
    if (this.frozen === frozen) return;
    this.frozen = frozen;
    if (this.ownBottleneck) this.bottleneck.setFrozen(frozen);
    this.wake();
  }

  /** Drops everything held and stops; the owner destroys the sockets. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.bottleneck.detach(this);
    if (this.ownBottleneck) this.bottleneck.close();
    this.stats.heldBytes -= this.queued + this.inFlight + this.lost;
    this.queued = this.inFlight = this.lost = 0;
    this.order.clear();
  }

  served(slot: Slot, _start: number, end: number): void {
    const j = this.cfg.jitterMs > 0 ? (this.rng() * 2 - 1) * this.cfg.jitterMs : 0;
    const due = Math.max(this.lastDue, end + Math.max(0, this.cfg.delayMs + j));
    this.lastDue = due;
    slot.due = due;
    this.move(-slot.buf.length, slot.buf.length, 0);
  }

  dropped(_slot: Slot, bytes: number): void {
    // Dropped: out of the queue, held for the resend. Re-offered (bytes < 0): back into the queue.
    this.move(-bytes, 0, bytes);
    const now = this.sched.now();
    if (bytes > 0 && now >= this.recoveryUntil) {
      // One halving per loss event (a window's worth of time), RFC 5681 §3.2 step 2.
      this.ssthresh = Math.max(2 * this.bottleneck.service.pieceBytes, this.cwnd / 2);
      this.cwnd = this.ssthresh;
      this.recoveryUntil = now + this.bottleneck.lossDelayMs();
    }
  }

  wake(): void {
    if (this.destroyed) return;
    const now = this.sched.now();
    if (!this.frozen && now >= this.stallUntil) this.deliver(now);
    if (this.sourceEnded && !this.endSent && this.heldBytes === 0) {
      // Half-close travels like data: FIN only after every byte before it.
      this.endSent = true;
      this.dest.end();
    }
    this.flow();
    this.arm(now);
  }

  private push(chunk: Buffer): void {
    if (this.destroyed) return;
    const now = this.sched.now();
    const { pieceBytes: size, streamAligned } = this.bottleneck.service;
    this.stats.bytesIn += chunk.length;
    // Stream-aligned: the first cut completes the piece the previous read left short.
    const first = streamAligned ? size - (this.streamOffset % size) : size;
    this.streamOffset += chunk.length;
    for (let off = 0, len = first; off < chunk.length; off += len, len = size) {
      // subarray shares memory: splitting costs no copy.
      const slot: Slot = { buf: chunk.subarray(off, off + len), due: NaN };
      this.order.push(slot);
      this.move(slot.buf.length, 0, 0);
      this.bottleneck.enqueue(this, slot, now);
    }
    this.bottleneck.kick();
    this.wake();
  }

  private move(dQueued: number, dFlight: number, dLost: number): void {
    this.queued += dQueued;
    this.inFlight += dFlight;
    this.lost += dLost;
    this.stats.heldBytes += dQueued + dFlight + dLost;
    const held = this.heldBytes;
    if (held > this.stats.maxHeldBytes) this.stats.maxHeldBytes = held;
  }

  private deliver(now: number): void {
    let corked = false;
    let bytes = 0;
    for (let p = this.order.peek(); p && p.due <= now + EARLY_MS; p = this.order.peek()) {
      this.order.shift();
      histAdd(this.stats.latenessHist, now - p.due, LATENESS_BUCKET_MS);
      if (!corked) {
        // Cork so all pieces due on this wake leave in one writev, not one syscall each.
        this.dest.cork();
        corked = true;
      }
      this.dest.write(p.buf);
      bytes += p.buf.length;
    }
    if (corked) {
      this.dest.uncork();
      this.stats.bytesOut += bytes;
      this.move(0, -bytes, 0);
      // Delivered = acknowledged (the ack's own trip back is not modelled): grow the window.
      const mss = this.bottleneck.service.pieceBytes;
      this.cwnd += this.cwnd < this.ssthresh ? bytes : (mss * bytes) / this.cwnd;
    }
  }

  private flow(): void {
    const windowFull = this.bottleneck.policy === 'drop-tail' && this.heldBytes >= this.cwnd;
    const full = windowFull || !this.bottleneck.mayRead(this) || this.heldBytes >= this.cfg.heldLimitBytes || this.dest.writableNeedDrain;
    if (full && !this.paused) {
      this.paused = true;
      this.stats.pauses++;
      this.source.pause();
    } else if (!full && this.paused) {
      this.paused = false;
      this.source.resume();
    }
  }

  private arm(now: number): void {
    let next = Infinity;
    const f = this.order.peek();
    // NaN (not served yet) compares false: the bottleneck wakes this pipe when it serves the head.
    if (!this.frozen && f && f.due === f.due) next = Math.max(f.due, this.stallUntil);
    if (next === this.timerAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.sched.at(Math.max(next, now), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.wake();
    });
  }
}
