/** One NTP-style exchange, all times Unix ns (RFC 5905 §8 on-wire). */
export interface PongSample {
  t1: number;
  t2: number;
  t3: number;
  t4: number;
}

/**
 * Keeps the lowest-delay sample of the last 8, like the hub does (SESSION.md §3): queueing only
 * ever adds delay, so the fastest exchange has the least-biased offset.
 */
export class ClockSync {
  private readonly window: { delayNs: number; offsetNs: number }[] = [];

  add(s: PongSample): void {
    // RFC 5905 §8: θ = ((t2 − t1) + (t3 − t4)) / 2, δ = (t4 − t1) − (t3 − t2).
    const offsetNs = (s.t2 - s.t1 + (s.t3 - s.t4)) / 2;
    const delayNs = s.t4 - s.t1 - (s.t3 - s.t2);
    this.window.push({ delayNs, offsetNs });
    if (this.window.length > 8) this.window.shift();
  }

  private best(): { delayNs: number; offsetNs: number } | undefined {
    let b: { delayNs: number; offsetNs: number } | undefined;
    for (const s of this.window) if (!b || s.delayNs < b.delayNs) b = s;
    return b;
  }

  /** Round-trip time of the best recent sample, ms; null before the first Pong. */
  get rttMs(): number | null {
    const b = this.best();
    return b ? b.delayNs / 1e6 : null;
  }

  /** Hub clock minus gateway clock, ms; null before the first Pong. */
  get offsetMs(): number | null {
    const b = this.best();
    return b ? b.offsetNs / 1e6 : null;
  }

  reset(): void {
    this.window.length = 0;
  }
}
