import { CLASS_NAMES, type ClassName } from '../traffic-class.js';
import { Fifo } from './fifo.js';
import type { FrameScheduler } from './fifo-scheduler.js';

/** What the scheduler needs to know of a frame; the gateway's and the hub's frames both fit. */
export interface SchedItem {
  readonly streamId: string;
  readonly className: ClassName;
  /** Durable frames are never dropped here; realtime frames are dropped when they cannot be on time. */
  readonly durable: boolean;
  /** Monotonic ms after which the frame is late. */
  readonly deadlineMs: number;
  /** Bytes on the wire. */
  readonly size: number;
}

/** Why a frame was dropped or refused; a metrics label. */
export type DropReason = 'late' | 'queue_full' | 'superseded' | 'link_down' | 'outbox_full';
export const DROP_REASONS: readonly DropReason[] = ['late', 'queue_full', 'superseded', 'link_down', 'outbox_full'];

export interface ClassQueueStats {
  /** Frames waiting. */
  queued: number;
  /** Bytes waiting. */
  queuedBytes: number;
  /** Frames released. */
  released: number;
  /** Bytes released. */
  releasedBytes: number;
  /** Durable frames released after their deadline (delivered late, counted, never dropped). */
  late: number;
  dropped: Record<DropReason, number>;
}

export interface ClassSchedulerOptions<T extends SchedItem> {
  /** Bound of each realtime class queue, frames (policy when full: drop the oldest, `queue_full`). */
  readonly maxQueuedFrames: (c: ClassName) => number;
  /**
   * Bound of each class's durable frames, bytes (policy when full: refuse the NEW frame, counted
   * `queue_full`; queued durable frames are never dropped). Default: unbounded, for senders whose
   * durable frames are already bounded by an outbox.
   */
  readonly maxDurableBytes?: (c: ClassName) => number;
  /**
   * Minimum share of released bytes each class gets while it is backlogged, 0..1 (anti-starvation,
   * see ClassScheduler). Default DEFAULT_MIN_SHARE.
   */
  readonly minShare?: Partial<Record<ClassName, number>>;
  readonly onDrop?: (item: T, reason: DropReason) => void;
  readonly onLate?: (item: T) => void;
}

/** Default guaranteed shares: BULK ≥ 10 %, VIDEO and WAVEFORM ≥ 5 % of the bytes sent while backlogged. */
export const DEFAULT_MIN_SHARE: Readonly<Partial<Record<ClassName, number>>> = Object.freeze({ waveform: 0.05, video: 0.05, bulk: 0.1 });

/** Per-release options. */
export interface NextOptions {
  /**
   * Expected time from release to arrival, ms (e.g. half the minimum RTT plus the queue ahead). A
   * realtime frame with `nowMs + transitMs > deadlineMs` cannot be on time and is dropped. Default 0.
   */
  readonly transitMs?: number;
  /** Asked with the chosen frame before it is taken; false leaves it queued (pacing/cwnd). */
  readonly admit?: (item: SchedItem) => boolean;
}

/** Credit is capped so a long-starved class does not then burst for long. Bytes. */
const MAX_CREDIT_BYTES = 128 * 1024;

function emptyStats(): ClassQueueStats {
  return { queued: 0, queuedBytes: 0, released: 0, releasedBytes: 0, late: 0, dropped: { late: 0, queue_full: 0, superseded: 0, link_down: 0, outbox_full: 0 } };
}

/**
 * Per-class scheduler: CONTROL > ALARM > VITALS > WAVEFORM > VIDEO > BULK, with deadlines and a
 * guaranteed minimum share. Pure: no timers, no I/O; `nowMs` is passed in.
 *
 * Anti-starvation rule (minimum share by byte credit): every time `B` bytes are released, each
 * backlogged class `c` with a share `s_c` earns `s_c × B` bytes of credit (capped at 128 KiB;
 * reset to 0 when its queue empties, so an idle class banks nothing). A class whose credit covers
 * its head frame is served before every class except CONTROL, and pays the frame's size from its
 * credit. So while BULK is backlogged it gets at least `s_bulk` (default 10 %) of the bytes
 * released, i.e. of the paced rate when the link is saturated, whatever the higher classes offer.
 * CONTROL is exempt (always first): its frames are tiny and its budget is the tightest.
 *
 * Deadlines: a realtime frame that can no longer arrive on time (`now + transitMs > deadline`) is
 * dropped when it reaches the head of its queue (`late`); CONTROL is also latest-wins per stream
 * (`superseded`). Durable frames are never dropped: released late and counted (`late`).
 */
export class ClassScheduler<T extends SchedItem> implements FrameScheduler<T> {
  // Per-class state in one record per class (not five Maps looked up by name on every release:
  // bench:throughput's scheduled path took ~1 µs per frame in next()).
  private readonly cls: Record<ClassName, ClassState<T>>;
  /** The classes in priority order (CLASS_NAMES), for the loops of pick() and account(). */
  private readonly order: ClassState<T>[];
  /** The classes with a guaranteed share > 0. */
  private readonly shared: ClassState<T>[];

  constructor(private readonly opts: ClassSchedulerOptions<T>) {
    const s = opts.minShare ?? DEFAULT_MIN_SHARE;
    const share: Record<ClassName, number> = { control: 0, alarm: s.alarm ?? 0, vitals: s.vitals ?? 0, waveform: s.waveform ?? 0, video: s.video ?? 0, bulk: s.bulk ?? 0 };
    this.order = CLASS_NAMES.map((c) => ({ name: c, q: new Fifo<T>(), stats: emptyStats(), credit: 0, durableBytes: 0, durableFrames: 0, share: share[c] }));
    this.cls = Object.fromEntries(this.order.map((st) => [st.name, st])) as Record<ClassName, ClassState<T>>;
    this.shared = this.order.filter((st) => st.share > 0);
  }

  get queuedFrames(): number {
    let n = 0;
    for (const st of this.order) n += st.q.length;
    return n;
  }

  get queuedBytes(): number {
    let n = 0;
    for (const st of this.order) n += st.stats.queuedBytes;
    return n;
  }

  /** Bytes of durable frames of class `c` queued. */
  durableBytesOf(c: ClassName): number {
    return this.cls[c].durableBytes;
  }

  /** Queues a frame. Returns false when it was refused (counted `queue_full`). */
  enqueue(item: T): boolean {
    const st = this.state(item.className);
    const q = st.q;
    if (item.durable) {
      const max = this.opts.maxDurableBytes?.(st.name) ?? Infinity;
      if (st.durableBytes + item.size > max) {
        this.drop(item, 'queue_full');
        return false;
      }
      st.durableBytes += item.size;
      st.durableFrames += 1;
    } else {
      if (st.name === 'control') {
        const old = q.removeFirst((f) => f.streamId === item.streamId && !f.durable);
        if (old) {
          this.uncount(old);
          this.drop(old, 'superseded');
        }
      }
      // Drop the oldest realtime frame of the class (the newest is the useful one); durable frames
      // sharing the queue are skipped, never dropped.
      while (q.length - st.durableFrames >= this.opts.maxQueuedFrames(st.name)) {
        const oldest = q.removeFirst((f) => !f.durable);
        if (!oldest) break;
        this.uncount(oldest);
        this.drop(oldest, 'queue_full');
      }
    }
    q.push(item);
    st.stats.queued += 1;
    st.stats.queuedBytes += item.size;
    return true;
  }

  /** The next frame to send at monotonic `nowMs`, or undefined when none may go now. */
  next(nowMs: number, o: NextOptions = {}): T | undefined {
    const transit = o.transitMs ?? 0;
    const st = this.pick(nowMs, transit);
    if (st === undefined) return undefined;
    const f = st.q.peek();
    if (f === undefined || (o.admit && !o.admit(f))) return undefined;
    st.q.shift();
    this.uncount(f);
    const s = st.stats;
    s.released += 1;
    s.releasedBytes += f.size;
    if (f.durable && nowMs + transit > f.deadlineMs) {
      s.late += 1;
      this.opts.onLate?.(f);
    }
    this.account(st, f.size);
    return f;
  }

  /** Empties every queue: realtime frames are counted as dropped for `reason`, durable ones are returned. */
  clear(reason: DropReason): T[] {
    const kept: T[] = [];
    for (const st of this.order) {
      for (const f of st.q.drain()) {
        if (f.durable) kept.push(f);
        else this.drop(f, reason);
      }
      st.stats.queued = 0;
      st.stats.queuedBytes = 0;
      st.credit = 0;
      st.durableBytes = 0;
      st.durableFrames = 0;
    }
    return kept;
  }

  /** Counts a frame that never reached a queue (e.g. realtime while the link is down). */
  countDrop(item: T, reason: DropReason): void {
    this.drop(item, reason);
  }

  stats(): Record<ClassName, ClassQueueStats> {
    const out = {} as Record<ClassName, ClassQueueStats>;
    for (const st of this.order) out[st.name] = { ...st.stats, dropped: { ...st.stats.dropped } };
    return out;
  }

  /** Current credit of a class, bytes (for tests and metrics). */
  creditOf(c: ClassName): number {
    return this.state(c).credit;
  }

  /** Drops stale realtime heads, then chooses: CONTROL, else a class owed its share, else priority. */
  private pick(nowMs: number, transit: number): ClassState<T> | undefined {
    let first: ClassState<T> | undefined;
    for (const st of this.order) {
      if (st.q.length === 0) continue;
      const f = this.head(st, nowMs, transit);
      if (f === undefined) continue;
      if (st.name === 'control') return st;
      if (st.share > 0 && st.credit >= f.size) return st;
      first ??= st;
    }
    return first;
  }

  private head(st: ClassState<T>, nowMs: number, transit: number): T | undefined {
    const q = st.q;
    for (let f = q.peek(); f !== undefined; f = q.peek()) {
      if (f.durable || nowMs + transit <= f.deadlineMs) return f;
      q.shift();
      this.uncount(f);
      this.drop(f, 'late');
    }
    return undefined;
  }

  private account(served: ClassState<T>, bytes: number): void {
    for (const st of this.shared) {
      let credit = st.credit;
      if (st === served) credit = Math.max(0, credit - bytes);
      if (st.q.length === 0) credit = 0;
      // Rounded to µB so repeated fractional shares do not drift below a whole frame.
      else credit = Math.min(MAX_CREDIT_BYTES, Math.round((credit + st.share * bytes) * 1e6) / 1e6);
      st.credit = credit;
    }
  }

  private uncount(f: T): void {
    const st = this.state(f.className);
    st.stats.queued -= 1;
    st.stats.queuedBytes -= f.size;
    if (!f.durable) return;
    st.durableBytes = Math.max(0, st.durableBytes - f.size);
    st.durableFrames = Math.max(0, st.durableFrames - 1);
  }

  private drop(item: T, reason: DropReason): void {
    this.state(item.className).stats.dropped[reason] += 1;
    this.opts.onDrop?.(item, reason);
  }

  private state(c: ClassName): ClassState<T> {
    const st = this.cls[c] as ClassState<T> | undefined;
    if (!st) throw new RangeError(`no queue for class ${c}`);
    return st;
  }
}

/** One class's queue, counters, credit and durable totals. */
interface ClassState<T> {
  readonly name: ClassName;
  readonly q: Fifo<T>;
  readonly stats: ClassQueueStats;
  /** Byte credit toward the class's minimum share. */
  credit: number;
  durableBytes: number;
  durableFrames: number;
  readonly share: number;
}
