import { Fifo } from './fifo.js';
import type { Scheduler, TimerHandle } from './scheduler.js';
import type { Service } from './service.js';
import { histAdd, type DirStats } from './stats.js';

/** One piece of a byte stream, in its connection's order; `due` is NaN until it has been serialised. */
export interface Slot {
  readonly buf: Buffer;
  due: number;
}

/** What the bottleneck needs from a connection's pipe. */
export interface BottleneckClient {
  /** A piece of this client began serialisation at `start`; its last byte leaves at `end`. */
  served(slot: Slot, start: number, end: number): void;
  /** A piece was dropped (drop-tail) or re-offered after a drop: bookkeeping of held bytes. */
  dropped(slot: Slot, bytes: number): void;
  /** After a service round that touched this client, or (several clients) any service round: deliver, re-check reading. */
  wake(): void;
}

interface Queued {
  readonly owner: BottleneckClient;
  readonly slot: Slot;
  readonly at: number;
  /** Times this piece has been dropped before (drop-tail), for the retransmission back-off. */
  readonly tries: number;
  dead: boolean;
}

/** Queue limit and what a full queue does. */
export interface BottleneckConfig {
  /** Bytes; 0 = no limit. */
  readonly queueLimitBytes: number;
  readonly policy: 'backpressure' | 'drop-tail';
  /** Base round trip (both one-way delays), ms: when a dropped piece is sent again (drop-tail). */
  readonly rttMs: number;
  /** Observer of each piece's serialisation: bytes and the model time its last byte left. */
  readonly onServed?: (bytes: number, endMs: number) => void;
}

/** Due times within this many ms of now are served now: cheaper than a sub-ms re-arm. */
export const EARLY_MS = 0.25;
/** Largest retransmission back-off exponent (2^6 × the first delay). */
const MAX_BACKOFF = 6;

/**
 * One direction's bottleneck, shared by every connection through an emulator: ONE FIFO queue in
 * front of ONE transmitter whose capacity is the {@link Service} (fixed rate, steps or a Mahimahi
 * trace). That is a cell's modem buffer: what was admitted first is served first, whichever
 * connection it belongs to, so a queue built by one connection delays all. Pieces enter in arrival
 * order while there is room; when the queue is full, waiting connections are admitted one piece
 * each in turn (see mayRead), so greedy flows share the capacity.
 */
export class Bottleneck {
  /** The cell's buffer: admitted pieces of every connection, in admission order, served in that order. */
  private readonly queue = new Fifo<Queued>();
  /** Per connection, pieces read from its sender but not yet admitted (the buffer was full). */
  private readonly ingress = new Map<BottleneckClient, Fifo<Queued>>();
  /** Connections with pieces in ingress, in round-robin order. */
  private waiting: BottleneckClient[] = [];
  /** Dropped pieces waiting to be sent again, in re-offer time order. */
  private retx: { q: Queued; at: number }[] = [];
  /** Bytes admitted to the queue. */
  private admitted = 0;
  /** Bytes read and not yet serialised: admitted + ingress (what the stats call the queue). */
  private queued = 0;
  private frozen = false;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private readonly clients = new Set<BottleneckClient>();
  /** Capacity offered up to `capacityAt` while not frozen (outage time excluded), bytes. */
  private offered = 0;
  private capacityAt: number;

  constructor(
    readonly service: Service,
    private readonly cfg: BottleneckConfig,
    private readonly sched: Scheduler,
    private readonly stats: DirStats,
  ) {
    this.capacityAt = sched.now();
  }

  get policy(): 'backpressure' | 'drop-tail' {
    return this.cfg.policy;
  }

  /** Base round trip plus the time the queue now takes to drain, ms: how long a loss takes to be noticed. */
  lossDelayMs(): number {
    return this.cfg.rttMs + (this.service.nominalBps > 0 ? (this.admitted * 8000) / this.service.nominalBps : 0);
  }

  /** Bytes read from the senders and not yet serialised (all connections). */
  get queuedBytes(): number {
    return this.queued;
  }

  /**
   * Backpressure mode: whether `c` may read more from its sender. Alone, a connection reads until
   * the queue holds its limit (it may overshoot by one socket read, which waits its turn). With
   * several connections, each may read one more chunk only once its previous one has been
   * admitted, and admission takes one piece per waiting connection in turn: the buffer is one FIFO,
   * but no sender is starved because the event loop happens to poll another socket first after
   * space frees (TCP senders through one buffer get about equal shares on equal paths).
   */
  mayRead(c: BottleneckClient): boolean {
    const limit = this.cfg.queueLimitBytes;
    if (this.cfg.policy !== 'backpressure' || limit <= 0) return true;
    if (this.clients.size <= 1) return this.queued < limit;
    return (this.ingress.get(c)?.length ?? 0) === 0;
  }

  attach(c: BottleneckClient): void {
    this.clients.add(c);
  }

  /** A connection went away: its queued pieces no longer take capacity. */
  detach(c: BottleneckClient): void {
    if (!this.clients.delete(c)) return;
    let freed = 0;
    for (const q of this.queue) {
      if (q.owner === c && !q.dead) {
        q.dead = true;
        freed += q.slot.buf.length;
      }
    }
    this.admitted -= freed;
    for (const q of this.ingress.get(c) ?? []) freed += q.slot.buf.length;
    this.ingress.delete(c);
    this.waiting = this.waiting.filter((w) => w !== c);
    this.retx = this.retx.filter((r) => r.q.owner !== c);
    this.account(-freed);
    this.kick();
  }

  /** Offers a piece arriving now. Drop-tail: a piece that does not fit is dropped and sent again later. */
  enqueue(owner: BottleneckClient, slot: Slot, at: number, tries = 0): void {
    const len = slot.buf.length;
    const limit = this.cfg.queueLimitBytes;
    if (this.cfg.policy === 'drop-tail') {
      if (limit > 0 && this.admitted + len > limit) return this.drop(owner, slot, at, tries);
      this.queue.push({ owner, slot, at, tries, dead: false });
      this.admitted += len;
      this.account(len);
      return;
    }
    let fifo = this.ingress.get(owner);
    if (!fifo) {
      fifo = new Fifo<Queued>();
      this.ingress.set(owner, fifo);
    }
    if (fifo.length === 0) this.waiting.push(owner);
    fifo.push({ owner, slot, at, tries, dead: false });
    this.account(len);
    this.admit();
  }

  private drop(owner: BottleneckClient, slot: Slot, at: number, tries: number): void {
    const len = slot.buf.length;
    this.stats.drops++;
    this.stats.droppedBytes += len;
    owner.dropped(slot, len);
    // TCP learns of the loss from the duplicate acks of what follows it, which come back once
    // the queue ahead has drained and a round trip has passed (RFC 5681 §3.2 fast retransmit);
    // a piece dropped again waits twice as long each time (RFC 6298 §5.5 back-off).
    const wait = this.lossDelayMs() * 2 ** Math.min(tries, MAX_BACKOFF);
    const r = { q: { owner, slot, at, tries: tries + 1, dead: false }, at: at + Math.max(1, wait) };
    let i = this.retx.length;
    while (i > 0 && (this.retx[i - 1]?.at ?? 0) > r.at) i--;
    this.retx.splice(i, 0, r);
  }

  /** Moves waiting pieces into the queue while it has room, one piece per waiting connection in turn. */
  private admit(): void {
    const limit = this.cfg.queueLimitBytes;
    while (this.waiting.length > 0 && (limit <= 0 || this.admitted < limit)) {
      const c = this.waiting.shift();
      const fifo = c && this.ingress.get(c);
      const q = fifo?.shift();
      if (!c || !fifo || !q) continue;
      this.queue.push(q);
      this.admitted += q.slot.buf.length;
      if (fifo.length > 0) this.waiting.push(c);
    }
  }

  /** Outage: nothing is serialised while frozen; capacity offered meanwhile is lost. */
  setFrozen(frozen: boolean): void {
    if (this.frozen === frozen) return;
    this.offeredUntil(this.sched.now());
    this.frozen = frozen;
    // The radio was gone: the transmitter restarts now, not in the past (no catch-up burst).
    if (!frozen) this.service.skipTo(this.sched.now());
    this.kick();
  }

  /** Capacity this bottleneck offered so far with the link up, bytes (Infinity when unlimited). */
  offeredBytes(): number {
    this.offeredUntil(this.sched.now());
    return this.offered;
  }

  /** Serves everything whose turn has come, wakes the connections it touched, re-arms the timer. */
  kick(): void {
    const now = this.sched.now();
    const touched = new Set<BottleneckClient>();
    this.reoffer(now);
    if (!this.frozen) this.transmit(now, touched);
    // What each connection may read changes as the queue drains.
    if (touched.size > 0 || this.clients.size > 1) for (const c of this.clients) touched.add(c);
    for (const c of touched) c.wake();
    this.arm(now);
  }

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.clients.clear();
  }

  private reoffer(now: number): void {
    while (this.retx.length > 0 && (this.retx[0]?.at ?? Infinity) <= now + EARLY_MS) {
      const r = this.retx.shift();
      if (!r) break;
      r.q.owner.dropped(r.q.slot, -r.q.slot.buf.length);
      this.enqueue(r.q.owner, r.q.slot, r.at, r.q.tries);
    }
  }

  private transmit(now: number, touched: Set<BottleneckClient>): void {
    for (let p = this.queue.peek(); p; p = this.queue.peek()) {
      if (p.dead) {
        this.queue.shift();
        this.admit();
        continue;
      }
      if (this.service.nextStart(p.at) > now + EARLY_MS) break;
      this.queue.shift();
      const { start, end } = this.service.serve(p.at, p.slot.buf.length);
      histAdd(this.stats.queueDelayHist, start - p.at, 1);
      this.admitted -= p.slot.buf.length;
      this.account(-p.slot.buf.length);
      this.admit();
      this.cfg.onServed?.(p.slot.buf.length, end);
      p.owner.served(p.slot, start, end);
      touched.add(p.owner);
    }
  }

  private account(d: number): void {
    this.queued += d;
    this.stats.queuedBytes += d;
    if (this.queued > this.stats.maxQueuedBytes) this.stats.maxQueuedBytes = this.queued;
  }

  private offeredUntil(now: number): void {
    if (!this.frozen && now > this.capacityAt) this.offered += this.service.capacity(this.capacityAt, now);
    this.capacityAt = Math.max(this.capacityAt, now);
  }

  private arm(now: number): void {
    let next = this.retx[0]?.at ?? Infinity;
    if (!this.frozen) {
      let p = this.queue.peek();
      while (p?.dead) {
        this.queue.shift();
        this.admit();
        p = this.queue.peek();
      }
      if (p) next = Math.min(next, this.service.nextStart(p.at));
    }
    if (next === this.timerAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.sched.at(Math.max(next, now), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.kick();
    });
  }
}
