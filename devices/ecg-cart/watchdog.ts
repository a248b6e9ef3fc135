/** Timeout timers, injected so tests use fake time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

const LATE_MS = 50;

/** Fires `onExpire` once when `kick()` has not been called for `periodMs`. */
export class Watchdog {
  private handle: unknown = null;
  private lastKickMs = 0;

  constructor(
    private readonly periodMs: number,
    private readonly now: () => number,
    private readonly timers: Timers,
    private readonly onExpire: () => void,
  ) {}

  start(): void {
    this.lastKickMs = this.now();
    this.arm(this.periodMs);
  }

  /** Cheap: called on every received chunk, so it only records the time. */
  kick(): void {
    this.lastKickMs = this.now();
  }

  stop(): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  private arm(ms: number): void {
    const due = this.now() + ms;
    this.handle = this.timers.setTimeout(() => {
      // Fired late: our own event loop was blocked, and bytes may be waiting unread in the kernel.
      // Let pending I/O run once before judging the cart silent.
      if (this.now() - due > LATE_MS) {
        this.arm(LATE_MS);
        return;
      }
      const idle = this.now() - this.lastKickMs;
      if (idle >= this.periodMs) {
        this.handle = null;
        this.onExpire();
      } else {
        this.arm(this.periodMs - idle);
      }
    }, ms);
  }
}

/** Reconnect delay for attempt n (0-based): initial × 2^n, capped. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}
