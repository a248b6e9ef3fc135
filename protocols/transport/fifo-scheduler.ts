import { CLASS_NAMES, type ClassName } from '../traffic-class.js';
import { Fifo } from './fifo.js';
import type { ClassQueueStats, DropReason, NextOptions, SchedItem } from './scheduler.js';

/** What the uplink and the hub's downlink need of a scheduler; ClassScheduler and FifoScheduler both fit. */
export interface FrameScheduler<T extends SchedItem> {
  enqueue(item: T): boolean;
  next(nowMs: number, o?: NextOptions): T | undefined;
  clear(reason: DropReason): T[];
  countDrop(item: T, reason: DropReason): void;
  stats(): Record<ClassName, ClassQueueStats>;
  readonly queuedFrames: number;
  /** Bytes of durable frames of class `c` queued. */
  durableBytesOf(c: ClassName): number;
}

function emptyStats(): ClassQueueStats {
  return { queued: 0, queuedBytes: 0, released: 0, releasedBytes: 0, late: 0, dropped: { late: 0, queue_full: 0, superseded: 0, link_down: 0, outbox_full: 0 } };
}

/**
 * The baseline a generic IoT gateway uses: one first-in first-out queue for every class, no
 * deadlines, no latest-wins. Kept for comparison (`uplink.mode: 'fifo'`, bench/uplink). Bounded:
 * at most `maxRealtimeFrames` realtime frames; a new one beyond that is refused (tail drop,
 * `queue_full`), as a full socket buffer would. Late deliveries are still counted.
 */
export class FifoScheduler<T extends SchedItem> implements FrameScheduler<T> {
  private readonly q = new Fifo<T>();
  private readonly counters = new Map<ClassName, ClassQueueStats>(CLASS_NAMES.map((c) => [c, emptyStats()]));
  private realtime = 0;
  private readonly durableBytes = Object.fromEntries(CLASS_NAMES.map((c) => [c, 0])) as Record<ClassName, number>;

  constructor(private readonly opts: { readonly maxRealtimeFrames: number; readonly onDrop?: (item: T, reason: DropReason) => void; readonly onLate?: (item: T) => void }) {}

  get queuedFrames(): number {
    return this.q.length;
  }

  durableBytesOf(c: ClassName): number {
    return this.durableBytes[c];
  }

  enqueue(item: T): boolean {
    if (!item.durable && this.realtime >= this.opts.maxRealtimeFrames) {
      this.countDrop(item, 'queue_full');
      return false;
    }
    if (!item.durable) this.realtime += 1;
    else this.durableBytes[item.className] += item.size;
    this.q.push(item);
    const s = this.stat(item.className);
    s.queued += 1;
    s.queuedBytes += item.size;
    return true;
  }

  next(nowMs: number, o: NextOptions = {}): T | undefined {
    const f = this.q.peek();
    if (f === undefined || (o.admit && !o.admit(f))) return undefined;
    this.q.shift();
    if (!f.durable) this.realtime -= 1;
    else this.durableBytes[f.className] -= f.size;
    const s = this.stat(f.className);
    s.queued -= 1;
    s.queuedBytes -= f.size;
    s.released += 1;
    s.releasedBytes += f.size;
    if (nowMs + (o.transitMs ?? 0) > f.deadlineMs) {
      s.late += 1;
      this.opts.onLate?.(f);
    }
    return f;
  }

  clear(reason: DropReason): T[] {
    const kept: T[] = [];
    for (const f of this.q.drain()) {
      if (f.durable) kept.push(f);
      else this.countDrop(f, reason);
    }
    this.realtime = 0;
    for (const c of CLASS_NAMES) this.durableBytes[c] = 0;
    for (const s of this.counters.values()) {
      s.queued = 0;
      s.queuedBytes = 0;
    }
    return kept;
  }

  countDrop(item: T, reason: DropReason): void {
    this.stat(item.className).dropped[reason] += 1;
    this.opts.onDrop?.(item, reason);
  }

  stats(): Record<ClassName, ClassQueueStats> {
    const out = {} as Record<ClassName, ClassQueueStats>;
    for (const c of CLASS_NAMES) {
      const s = this.stat(c);
      out[c] = { ...s, dropped: { ...s.dropped } };
    }
    return out;
  }

  private stat(c: ClassName): ClassQueueStats {
    const s = this.counters.get(c);
    if (!s) throw new RangeError(`no stats for class ${c}`);
    return s;
  }
}
