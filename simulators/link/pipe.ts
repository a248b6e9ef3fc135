import type { Readable, Writable } from 'node:stream';
import { Fifo } from './fifo.js';
import type { Rng } from './prng.js';
import type { Scheduler, TimerHandle } from './scheduler.js';
import { histAdd, LATENESS_BUCKET_MS, type DirStats } from './stats.js';

/** Settings of one pipe (one direction of one connection). */
export interface PipeConfig {
  /** One-way base delay in ms. */
  readonly delayMs: number;
  /** Uniform jitter amplitude in ms (±). */
  readonly jitterMs: number;
  /** Bottleneck rate in bits/s; 0 = unlimited. */
  readonly rateBps: number;
  /** Bottleneck queue depth in bytes; reading from the source stops at this occupancy. */
  readonly queueLimitBytes: number;
  /** Hard cap on everything the pipe holds (queue + delay line), so stalls cannot grow memory. */
  readonly heldLimitBytes: number;
}

interface Piece {
  readonly buf: Buffer;
  /** Arrival time while queued; delivery time once serialised. */
  readonly at: number;
}

/** Due times within this many ms of now are delivered now: cheaper than a sub-ms re-arm. */
const EARLY_MS = 0.25;
/** Largest piece, whatever the rate: keeps each write small enough to interleave fairly. */
const MAX_PIECE = 16 * 1024;
/** Smallest piece: below this, per-piece overhead costs more than the finer granularity gains. */
const MIN_PIECE = 512;

/**
 * One direction of an emulated cell. Bytes read from `source` wait in a FIFO bottleneck queue,
 * are serialised at `rateBps` one piece at a time, then travel a delay line (base delay + jitter,
 * never reordering) and are written to `dest`.
 *
 * Backpressure works as behind a real cell: when the queue (or the whole pipe, or the destination
 * socket) is full the source is paused, so the kernel buffers fill and the sender's write() returns
 * false. Queue policy when full: stop reading (never drop: TCP above us does not lose bytes).
 */
export class Pipe {
  private readonly queue = new Fifo<Piece>();
  private readonly flight = new Fifo<Piece>();
  private queued = 0;
  private inFlight = 0;
  /** When the transmitter is next free (ms, monotonic). */
  private txFree = 0;
  /** Last delivery time handed out: jitter never makes a later piece overtake an earlier one. */
  private lastDue = 0;
  private stallUntil = 0;
  private frozen = false;
  private paused = false;
  private sourceEnded = false;
  private endSent = false;
  private destroyed = false;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private readonly pieceMax: number;

  constructor(
    private readonly source: Readable,
    private readonly dest: Writable,
    private readonly cfg: PipeConfig,
    private readonly sched: Scheduler,
    private readonly rng: Rng,
    private readonly stats: DirStats,
  ) {
    // About 1 ms of transmission time per piece so the rate holds at fine granularity.
    const perMs = cfg.rateBps > 0 ? Math.floor(cfg.rateBps / 8000) : MAX_PIECE;
    this.pieceMax = Math.min(MAX_PIECE, Math.max(MIN_PIECE, perMs));
    source.on('data', (chunk: Buffer) => this.push(chunk));
    source.on('end', () => {
      this.sourceEnded = true;
      this.tick();
    });
    dest.on('drain', () => this.tick());
  }

  /** Bytes waiting in the bottleneck queue. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Bytes held in total (queue + delay line). */
  get heldBytes(): number {
    return this.queued + this.inFlight;
  }

  /** Holds every delivery until `untilMs` (a stall); serialisation goes on meanwhile. */
  stall(untilMs: number): void {
    this.stallUntil = Math.max(this.stallUntil, untilMs);
  }

  /** Outage: nothing is serialised or delivered while frozen; bytes are kept. */
  setFrozen(frozen: boolean): void {
    if (this.frozen === frozen) return;
    this.frozen = frozen;
    // The radio was gone: the transmitter restarts now, not in the past (no catch-up burst).
    if (!frozen) this.txFree = Math.max(this.txFree, this.sched.now());
    this.tick();
  }

  /** Drops everything held and stops; the owner destroys the sockets. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.account(-this.queued, -this.inFlight);
    this.queue.clear();
    this.flight.clear();
  }

  private push(chunk: Buffer): void {
    if (this.destroyed) return;
    const now = this.sched.now();
    this.stats.bytesIn += chunk.length;
    for (let off = 0; off < chunk.length; off += this.pieceMax) {
      // subarray shares memory: splitting costs no copy.
      this.queue.push({ buf: chunk.subarray(off, off + this.pieceMax), at: now });
    }
    this.account(chunk.length, 0);
    this.tick();
  }

  private account(dQueued: number, dFlight: number): void {
    this.queued += dQueued;
    this.inFlight += dFlight;
    this.stats.queuedBytes += dQueued;
    this.stats.heldBytes += dQueued + dFlight;
    if (this.queued > this.stats.maxQueuedBytes) this.stats.maxQueuedBytes = this.queued;
    const held = this.queued + this.inFlight;
    if (held > this.stats.maxHeldBytes) this.stats.maxHeldBytes = held;
  }

  private tick(): void {
    if (this.destroyed) return;
    const now = this.sched.now();
    if (!this.frozen) {
      this.transmit(now);
      if (now >= this.stallUntil) this.deliver(now);
    }
    if (this.sourceEnded && !this.endSent && this.queued + this.inFlight === 0) {
      // Half-close travels like data: FIN only after every byte before it.
      this.endSent = true;
      this.dest.end();
    }
    this.flow();
    this.arm(now);
  }

  private transmit(now: number): void {
    const rate = this.cfg.rateBps;
    for (let p = this.queue.peek(); p; p = this.queue.peek()) {
      const start = Math.max(this.txFree, p.at);
      if (start > now + EARLY_MS) break;
      this.queue.shift();
      histAdd(this.stats.queueDelayHist, start - p.at, 1);
      const txEnd = rate > 0 ? start + (p.buf.length * 8000) / rate : start;
      this.txFree = txEnd;
      const j = this.cfg.jitterMs > 0 ? (this.rng() * 2 - 1) * this.cfg.jitterMs : 0;
      const due = Math.max(this.lastDue, txEnd + Math.max(0, this.cfg.delayMs + j));
      this.lastDue = due;
      this.flight.push({ buf: p.buf, at: due });
      this.account(-p.buf.length, p.buf.length);
    }
  }

  private deliver(now: number): void {
    let corked = false;
    let bytes = 0;
    for (let p = this.flight.peek(); p && p.at <= now + EARLY_MS; p = this.flight.peek()) {
      this.flight.shift();
      histAdd(this.stats.latenessHist, now - p.at, LATENESS_BUCKET_MS);
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
      this.account(0, -bytes);
    }
  }

  private flow(): void {
    const full =
      (this.cfg.queueLimitBytes > 0 && this.queued >= this.cfg.queueLimitBytes) ||
      this.queued + this.inFlight >= this.cfg.heldLimitBytes ||
      this.dest.writableNeedDrain;
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
    if (!this.frozen) {
      const q = this.queue.peek();
      if (q) next = Math.max(this.txFree, q.at);
      const f = this.flight.peek();
      if (f) next = Math.min(next, Math.max(f.at, this.stallUntil));
    }
    if (next === this.timerAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.sched.at(Math.max(next, now), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    });
  }
}
