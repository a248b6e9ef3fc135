import type { Gauge } from 'prom-client';

/**
 * Bounds the scrypt work unauthenticated peers can make the hub do (issue 12, item 12): at most
 * `maxConcurrent` credential checks run at once (each is ~16 MiB and tens of ms of a libuv
 * thread), at most `maxQueued` wait; a Hello beyond that is refused at once (1013 TM_ERR_BUSY,
 * the gateway retries with backoff) instead of queueing behind a flood.
 */
export class HelloGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly maxConcurrent: number, private readonly maxQueued: number, private readonly gauge?: Gauge<'state'>) {}

  /** Runs `check` in a slot; undefined (without running it) when the queue is full. */
  async run<T>(check: () => Promise<T>): Promise<T | undefined> {
    if (this.running >= this.maxConcurrent) {
      if (this.waiting.length >= this.maxQueued) return undefined;
      await new Promise<void>((resolve) => { this.waiting.push(resolve); this.report(); });
    }
    this.running += 1;
    this.report();
    try {
      return await check();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
      this.report();
    }
  }

  private report(): void {
    this.gauge?.set({ state: 'running' }, this.running);
    this.gauge?.set({ state: 'queued' }, this.waiting.length);
  }
}
