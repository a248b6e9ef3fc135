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
  private readonly queues = new Map<ClassName, Fifo<T>>(CLASS_NAMES.map((c) => [c, new Fifo<T>()]));
  private readonly counters = new Map<ClassName, ClassQueueStats>(CLASS_NAMES.map((c) => [c, emptyStats()]));
  private readonly credit = new Map<ClassName, number>(CLASS_NAMES.map((c) => [c, 0]));
  private readonly durableBytes = new Map<ClassName, number>(CLASS_NAMES.map((c) => [c, 0]));
  private readonly durableFrames = new Map<ClassName, number>(CLASS_NAMES.map((c) => [c, 0]));
  private readonly share: Record<ClassName, number>;

  constructor(private readonly opts: ClassSchedulerOptions<T>) {
    const s = opts.minShare ?? DEFAULT_MIN_SHARE;
    this.share = { control: 0, alarm: s.alarm ?? 0, vitals: s.vitals ?? 0, waveform: s.waveform ?? 0, video: s.video ?? 0, bulk: s.bulk ?? 0 };
  }

  get queuedFrames(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  get queuedBytes(): number {
    let n = 0;
    for (const s of this.counters.values()) n += s.queuedBytes;
    return n;
  }

  /** Queues a frame. Returns false when it was refused (counted `queue_full`). */
  enqueue(item: T): boolean {
    const c = item.className;
    const q = this.queue(c);
    if (item.durable) {
      const max = this.opts.maxDurableBytes?.(c) ?? Infinity;
      if ((this.durableBytes.get(c) ?? 0) + item.size > max) {
        this.drop(item, 'queue_full');
        return false;
      }
      this.durableBytes.set(c, (this.durableBytes.get(c) ?? 0) + item.size);
      this.durableFrames.set(c, this.durableCount(c) + 1);
    } else {
      if (c === 'control') {
        const old = q.removeFirst((f) => f.streamId === item.streamId && !f.durable);
        if (old) {
          this.uncount(old);
          this.drop(old, 'superseded');
        }
      }
      // Drop the oldest realtime frame of the class (the newest is the useful one); durable frames
      // sharing the queue are skipped, never dropped.
      while (q.length - this.durableCount(c) >= this.opts.maxQueuedFrames(c)) {
        const oldest = q.removeFirst((f) => !f.durable);
        if (!oldest) break;
        this.uncount(oldest);
        this.drop(oldest, 'queue_full');
      }
    }
    q.push(item);
    const s = this.stat(c);
    s.queued += 1;
    s.queuedBytes += item.size;
    return true;
  }

  /** The next frame to send at monotonic `nowMs`, or undefined when none may go now. */
  next(nowMs: number, o: NextOptions = {}): T | undefined {
    const transit = o.transitMs ?? 0;
    const c = this.pick(nowMs, transit);
    if (c === undefined) return undefined;
    const q = this.queue(c);
    const f = q.peek();
    if (f === undefined || (o.admit && !o.admit(f))) return undefined;
    q.shift();
    this.uncount(f);
    const s = this.stat(c);
    s.released += 1;
    s.releasedBytes += f.size;
    if (f.durable && nowMs + transit > f.deadlineMs) {
      s.late += 1;
      this.opts.onLate?.(f);
    }
    this.account(c, f.size);
    return f;
  }

  /** Empties every queue: realtime frames are counted as dropped for `reason`, durable ones are returned. */
  clear(reason: DropReason): T[] {
    const kept: T[] = [];
    for (const c of CLASS_NAMES) {
      for (const f of this.queue(c).drain()) {
        if (f.durable) kept.push(f);
        else this.drop(f, reason);
      }
      const s = this.stat(c);
      s.queued = 0;
      s.queuedBytes = 0;
      this.credit.set(c, 0);
      this.durableBytes.set(c, 0);
      this.durableFrames.set(c, 0);
    }
    return kept;
  }

  /** Counts a frame that never reached a queue (e.g. realtime while the link is down). */
  countDrop(item: T, reason: DropReason): void {
    this.drop(item, reason);
  }

  stats(): Record<ClassName, ClassQueueStats> {
    const out = {} as Record<ClassName, ClassQueueStats>;
    for (const c of CLASS_NAMES) {
      const s = this.stat(c);
      out[c] = { ...s, dropped: { ...s.dropped } };
    }
    return out;
  }

  /** Current credit of a class, bytes (for tests and metrics). */
  creditOf(c: ClassName): number {
    return this.credit.get(c) ?? 0;
  }

  /** Drops stale realtime heads, then chooses: CONTROL, else a class owed its share, else priority. */
  private pick(nowMs: number, transit: number): ClassName | undefined {
    let first: ClassName | undefined;
    for (const c of CLASS_NAMES) {
      const f = this.head(c, nowMs, transit);
      if (f === undefined) continue;
      if (c === 'control') return c;
      if (this.share[c] > 0 && (this.credit.get(c) ?? 0) >= f.size) return c;
      first ??= c;
    }
    return first;
  }

  private head(c: ClassName, nowMs: number, transit: number): T | undefined {
    const q = this.queue(c);
    for (let f = q.peek(); f !== undefined; f = q.peek()) {
      if (f.durable || nowMs + transit <= f.deadlineMs) return f;
      q.shift();
      this.uncount(f);
      this.drop(f, 'late');
    }
    return undefined;
  }

  private account(served: ClassName, bytes: number): void {
    for (const c of CLASS_NAMES) {
      const share = this.share[c];
      if (share <= 0) continue;
      let credit = this.credit.get(c) ?? 0;
      if (c === served) credit = Math.max(0, credit - bytes);
      if (this.queue(c).length === 0) credit = 0;
      // Rounded to µB so repeated fractional shares do not drift below a whole frame.
      else credit = Math.min(MAX_CREDIT_BYTES, Math.round((credit + share * bytes) * 1e6) / 1e6);
      this.credit.set(c, credit);
    }
  }

  private durableCount(c: ClassName): number {
    return this.durableFrames.get(c) ?? 0;
  }

  private uncount(f: T): void {
    const s = this.stat(f.className);
    s.queued -= 1;
    s.queuedBytes -= f.size;
    if (!f.durable) return;
    this.durableBytes.set(f.className, Math.max(0, (this.durableBytes.get(f.className) ?? 0) - f.size));
    this.durableFrames.set(f.className, Math.max(0, this.durableCount(f.className) - 1));
  }

  private drop(item: T, reason: DropReason): void {
    this.stat(item.className).dropped[reason] += 1;
    this.opts.onDrop?.(item, reason);
  }

  private queue(c: ClassName): Fifo<T> {
    const q = this.queues.get(c);
    if (!q) throw new RangeError(`no queue for class ${c}`);
    return q;
  }

  private stat(c: ClassName): ClassQueueStats {
    const s = this.counters.get(c);
    if (!s) throw new RangeError(`no stats for class ${c}`);
    return s;
  }
}
