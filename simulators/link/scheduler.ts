import type { Clock } from '../../protocols/index.js';

/** A cancellable one-shot timer. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Schedules callbacks at absolute monotonic times. The pipes reason in absolute due times (so
 * timer lateness never accumulates into the schedule); this is the one place that turns them into
 * timers, and the seam a test can replace.
 */
export interface Scheduler {
  /** Monotonic now in ms (fractional). */
  now(): number;
  /** Runs `fn` at (or as soon as possible after) monotonic time `atMs`. */
  at(atMs: number, fn: () => void): TimerHandle;
}

/**
 * setTimeout-backed scheduler. Node timers have 1 ms granularity and fire late, never early, so we
 * round the wait down: a wake that comes slightly early re-arms for the remainder, and the pipe
 * delivers everything due within its tolerance on each wake.
 */
export function timerScheduler(clock: Clock): Scheduler {
  return {
    now: () => clock.monoMs(),
    at(atMs, fn) {
      const wait = Math.max(0, Math.floor(atMs - clock.monoMs()));
      const t = setTimeout(fn, wait);
      return { cancel: () => clearTimeout(t) };
    },
  };
}
