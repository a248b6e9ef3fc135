/** One on-wire clock sample (RFC 5905 §8), nanoseconds. */
export interface ClockSample {
  /** θ: peer clock minus our clock. */
  readonly offsetNs: number;
  /** δ: round-trip delay without the peer's processing time. */
  readonly delayNs: number;
}

/** Samples kept; the lowest-delay one of these is trusted (the NTP clock filter, RFC 5905 §10). */
export const CLOCK_WINDOW = 8;

/**
 * Offset estimate of one peer's clock from Ping/Pong exchanges. The sample with the least delay
 * has the least queueing in it, so its offset has the smallest error bound (δ/2).
 */
export class ClockSync {
  private readonly samples: ClockSample[] = [];

  /** Adds one exchange: t1 our send, t2 peer receive, t3 peer send, t4 our receive (ns). */
  add(t1: number, t2: number, t3: number, t4: number): ClockSample {
    // RFC 5905 §8: θ = ((t2 − t1) + (t3 − t4)) / 2, δ = (t4 − t1) − (t3 − t2)
    const sample = { offsetNs: ((t2 - t1) + (t3 - t4)) / 2, delayNs: Math.max(0, (t4 - t1) - (t3 - t2)) };
    this.samples.push(sample);
    if (this.samples.length > CLOCK_WINDOW) this.samples.shift();
    return sample;
  }

  /** The lowest-delay sample of the last CLOCK_WINDOW, or undefined before the first. */
  best(): ClockSample | undefined {
    let best: ClockSample | undefined;
    for (const s of this.samples) if (best === undefined || s.delayNs < best.delayNs) best = s;
    return best;
  }

  /** Converts a time on the peer's clock to ours (ns); undefined until a sample exists. */
  toLocalNs(peerNs: number): number | undefined {
    const b = this.best();
    return b === undefined ? undefined : peerNs - b.offsetNs;
  }
}
