import type { Timers } from './timers.js';

/** Timers driven by hand (tests): `advance(ms)` fires what falls due, in time order. */
export class ManualTimers implements Timers {
  now = 0;
  private nextId = 1;
  private readonly due = new Map<number, { at: number; fn: () => void; every: number | null }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.due.set(id, { at: this.now + ms, fn, every: null });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }
  setInterval(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.due.set(id, { at: this.now + ms, fn, every: ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.due.delete(handle as number);
  }
  /** Timers pending. */
  get size(): number {
    return this.due.size;
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void; every: number | null }] | undefined;
      for (const e of this.due) if (e[1].at <= until && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      const [id, t] = next;
      this.now = t.at;
      if (t.every === null) this.due.delete(id);
      else t.at += Math.max(1, t.every);
      t.fn();
    }
    this.now = until;
  }
}
