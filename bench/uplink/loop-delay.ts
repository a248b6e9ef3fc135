import { monitorEventLoopDelay, performance, PerformanceObserver, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import type { LoopDelay } from './ipc.js';

/** Period of the stall-detecting timer, ms. */
const STALL_TIMER_MS = 2;
/** A timer this much late is a stall worth listing, ms. */
const STALL_MS = 6;
/** A GC pause this long is worth listing, ms. */
const GC_MS = 2;
/** Most stalls or GC pauses kept per process and run. */
const MAX_EVENTS = 5000;

/**
 * Event-loop delay and CPU time of this process over a stretch of the run: how late timers and
 * socket callbacks ran here (2 cores, four busy processes), one of the hops of a frame's latency.
 */
export class LoopWatch {
  private h: IntervalHistogram | null = null;
  private cpu0: NodeJS.CpuUsage | null = null;
  /** `[wall ms, gap ms]` of each event-loop stall (a 2 ms timer ran ≥ STALL_MS late), oldest first. */
  private readonly stalls: number[][] = [];
  /** `[wall ms, duration ms, kind]` of each V8 GC pause ≥ GC_MS (kind: perf_hooks gc kind). */
  private readonly gcs: number[][] = [];
  private stallTimer: NodeJS.Timeout | null = null;
  private gcObserver: PerformanceObserver | null = null;

  start(): void {
    this.h?.disable();
    this.h = monitorEventLoopDelay({ resolution: 1 });
    this.h.enable();
    this.cpu0 = process.cpuUsage();
    this.stalls.length = 0;
    this.gcs.length = 0;
    if (this.stallTimer === null) {
      let last = performance.now();
      this.stallTimer = setInterval(() => {
        const now = performance.now();
        const gap = now - last - STALL_TIMER_MS;
        last = now;
        if (gap >= STALL_MS && this.stalls.length < MAX_EVENTS) this.stalls.push([Math.round(performance.timeOrigin + now - gap), Math.round(gap * 10) / 10]);
      }, STALL_TIMER_MS);
      this.stallTimer.unref();
    }
    if (this.gcObserver === null) {
      this.gcObserver = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (e.duration < GC_MS || this.gcs.length >= MAX_EVENTS) continue;
          const kind = ((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind ?? 0;
          this.gcs.push([Math.round(performance.timeOrigin + e.startTime), Math.round(e.duration * 10) / 10, kind]);
        }
      });
      this.gcObserver.observe({ entryTypes: ['gc'] });
    }
  }

  /** Stalls and GC pauses since start() (see the fields). */
  events(): { stalls: number[][]; gcs: number[][] } {
    return { stalls: [...this.stalls], gcs: [...this.gcs] };
  }

  /** Delay since start(), ms; null when never started. */
  read(): LoopDelay | null {
    const h = this.h;
    if (h === null || h.count === 0) return null;
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
    const mem = process.memoryUsage();
    const mb = (b: number): number => Math.round(b / 1e5) / 10;
    return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), meanMs: ms(h.mean), heapUsedMb: mb(mem.heapUsed), externalMb: mb(mem.external), ...this.events() };
  }

  /** CPU seconds (user + system) since start(); null when never started. */
  cpuS(): number | null {
    if (this.cpu0 === null) return null;
    const d = process.cpuUsage(this.cpu0);
    return Math.round((d.user + d.system) / 1e4) / 100;
  }
}
