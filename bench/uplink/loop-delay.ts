import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { LoopDelay } from './ipc.js';

/**
 * Event-loop delay and CPU time of this process over a stretch of the run: how late timers and
 * socket callbacks ran here (2 cores, four busy processes), one of the hops of a frame's latency.
 */
export class LoopWatch {
  private h: IntervalHistogram | null = null;
  private cpu0: NodeJS.CpuUsage | null = null;

  start(): void {
    this.h?.disable();
    this.h = monitorEventLoopDelay({ resolution: 1 });
    this.h.enable();
    this.cpu0 = process.cpuUsage();
  }

  /** Delay since start(), ms; null when never started. */
  read(): LoopDelay | null {
    const h = this.h;
    if (h === null || h.count === 0) return null;
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
    return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), meanMs: ms(h.mean) };
  }

  /** CPU seconds (user + system) since start(); null when never started. */
  cpuS(): number | null {
    if (this.cpu0 === null) return null;
    const d = process.cpuUsage(this.cpu0);
    return Math.round((d.user + d.system) / 1e4) / 100;
  }
}
