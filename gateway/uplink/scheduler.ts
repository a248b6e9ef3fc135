import { CLASS_NAMES, type ClassName } from '../../protocols/index.js';
import type { OutFrame } from './streams.js';

/** Why a frame was dropped; a label of telemed_gateway_frames_dropped_total. */
export type DropReason = 'late' | 'queue_full' | 'superseded' | 'link_down' | 'outbox_full';

export interface ClassQueueStats {
  /** Frames waiting. */
  queued: number;
  /** Bytes waiting. */
  queuedBytes: number;
  /** Durable frames released after their budget (delivered late, counted). */
  late: number;
  dropped: Record<DropReason, number>;
}

/** Orders frames for the link. */
export interface Scheduler {
  /** Queues a frame. Returns false when the frame was refused (and counted as dropped). */
  enqueue(frame: OutFrame): boolean;
  /** The next frame to send at monotonic time `nowMs`, or undefined when none may go now. */
  next(nowMs: number): OutFrame | undefined;
  /** Empties every queue; realtime frames are counted as dropped for `reason`, durable ones are
   * simply forgotten (they are still in the outbox and are re-queued on resume). */
  clear(reason: DropReason): void;
  stats(): Record<ClassName, ClassQueueStats>;
  readonly queuedFrames: number;
}

/**
 * PACING SEAM (later issue): the pacer will estimate the bottleneck rate from acks and hold
 * frames so bytes in flight stay near one bandwidth-delay product (DESIGN.md §3). It is asked
 * before each release; the strict-priority scheduler below uses `unpaced`, which always admits.
 */
export interface Pacer {
  admit(bytes: number, nowMs: number): boolean;
}
export const unpaced: Pacer = { admit: () => true };

/** A FIFO with O(1) push/shift: arrays' shift is O(n) and durable backlogs can be long. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  /** Removes the first item matching `pred`; O(n), used only on small CONTROL queues. */
  removeFirst(pred: (v: T) => boolean): T | undefined {
    for (let i = this.head; i < this.items.length; i += 1) {
      const v = this.items[i];
      if (v !== undefined && pred(v)) {
        this.items.splice(i, 1);
        return v;
      }
    }
    return undefined;
  }
  drain(): T[] {
    const out = this.items.slice(this.head).filter((v): v is T => v !== undefined);
    this.items = [];
    this.head = 0;
    return out;
  }
}

export interface PrioritySchedulerOptions {
  /** Bound of each realtime class queue, frames. */
  maxQueuedFrames: (c: ClassName) => number;
  /** Called for every dropped frame (metrics). */
  onDrop?: (frame: OutFrame, reason: DropReason) => void;
  /** Called for every durable frame released after its deadline. */
  onLate?: (frame: OutFrame) => void;
  pacer?: Pacer;
}

function emptyStats(): ClassQueueStats {
  return { queued: 0, queuedBytes: 0, late: 0, dropped: { late: 0, queue_full: 0, superseded: 0, link_down: 0, outbox_full: 0 } };
}

/**
 * Strict priority: CONTROL > ALARM > VITALS > WAVEFORM > VIDEO > BULK (CLASS_NAMES order).
 *
 * Queue policy when full:
 * - realtime classes (durable=false): bounded by `maxQueuedFrames`; the oldest frame is dropped
 *   (`queue_full`), because for live data the newest is the useful one. CONTROL is also
 *   latest-wins per stream: a new frame replaces a queued one of the same stream (`superseded`).
 *   A realtime frame past its deadline is dropped when reached (`late`), never sent.
 * - durable frames: not bounded here. Every durable frame is in the outbox first, and the outbox's
 *   byte cap (TM_ERR_OUTBOX_FULL) bounds them before they can reach the scheduler. Late durable
 *   frames are sent and counted (`late`).
 */
export class PriorityScheduler implements Scheduler {
  private readonly queues = new Map<ClassName, Fifo<OutFrame>>(CLASS_NAMES.map((c) => [c, new Fifo<OutFrame>()]));
  private readonly counters = new Map<ClassName, ClassQueueStats>(CLASS_NAMES.map((c) => [c, emptyStats()]));
  private readonly pacer: Pacer;

  constructor(private readonly opts: PrioritySchedulerOptions) {
    this.pacer = opts.pacer ?? unpaced;
  }

  get queuedFrames(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  enqueue(frame: OutFrame): boolean {
    const q = this.queue(frame.className);
    if (!frame.durable) {
      if (frame.className === 'control') {
        const old = q.removeFirst((f) => f.streamId === frame.streamId && !f.durable);
        if (old) {
          this.uncount(old);
          this.drop(old, 'superseded');
        }
      }
      while (q.length >= this.opts.maxQueuedFrames(frame.className)) {
        const oldest = q.shift();
        if (!oldest) break;
        this.uncount(oldest);
        this.drop(oldest, 'queue_full');
      }
    }
    q.push(frame);
    const s = this.stat(frame.className);
    s.queued += 1;
    s.queuedBytes += frame.size;
    return true;
  }

  next(nowMs: number): OutFrame | undefined {
    for (const c of CLASS_NAMES) {
      const q = this.queue(c);
      for (let f = q.peek(); f !== undefined; f = q.peek()) {
        if (!f.durable && nowMs > f.deadlineMs) {
          this.take(q);
          this.drop(f, 'late');
          continue;
        }
        if (!this.pacer.admit(f.size, nowMs)) return undefined;
        this.take(q);
        if (f.durable && nowMs > f.deadlineMs) {
          this.stat(c).late += 1;
          this.opts.onLate?.(f);
        }
        return f;
      }
    }
    return undefined;
  }

  clear(reason: DropReason): void {
    for (const c of CLASS_NAMES) {
      const s = this.stat(c);
      for (const f of this.queue(c).drain()) if (!f.durable) this.drop(f, reason);
      s.queued = 0;
      s.queuedBytes = 0;
    }
  }

  /** Counts a frame that never reached a queue (e.g. realtime while the link is down). */
  countDrop(frame: OutFrame, reason: DropReason): void {
    this.drop(frame, reason);
  }

  stats(): Record<ClassName, ClassQueueStats> {
    const out = {} as Record<ClassName, ClassQueueStats>;
    for (const c of CLASS_NAMES) {
      const s = this.stat(c);
      out[c] = { ...s, dropped: { ...s.dropped } };
    }
    return out;
  }

  private take(q: Fifo<OutFrame>): void {
    const f = q.shift();
    if (f) this.uncount(f);
  }

  private uncount(f: OutFrame): void {
    const s = this.stat(f.className);
    s.queued -= 1;
    s.queuedBytes -= f.size;
  }

  private drop(frame: OutFrame, reason: DropReason): void {
    this.stat(frame.className).dropped[reason] += 1;
    this.opts.onDrop?.(frame, reason);
  }

  private queue(c: ClassName): Fifo<OutFrame> {
    const q = this.queues.get(c);
    if (!q) throw new Error(`no queue for class ${c}`);
    return q;
  }

  private stat(c: ClassName): ClassQueueStats {
    const s = this.counters.get(c);
    if (!s) throw new Error(`no stats for class ${c}`);
    return s;
  }
}
