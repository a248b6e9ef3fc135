/** One on-wire clock sample (RFC 5905 §8), nanoseconds. */
export interface ClockSample {
  /** θ: peer clock minus our clock. */
  readonly offsetNs: number;
  /** δ: round-trip delay without the peer's processing time. */
  readonly delayNs: number;
  /** t4: our clock when the answer arrived. */
  readonly atNs: number;
}

/** Samples kept (one Ping a second: about a minute). */
export const CLOCK_WINDOW = 64;
/**
 * How fast a sample's error bound grows with its age: the frequency error two unsynchronised
 * clocks may have (100 ppm, a worst-case crystal; NTP assumes 15 ppm for disciplined ones).
 */
export const CLOCK_DRIFT_PPM = 100;

/**
 * Offset estimate of one peer's clock from Ping/Pong exchanges (SESSION.md §3), the NTP clock
 * filter (RFC 5905 §10): a sample's offset is off by at most δ/2 (all queueing on one side) plus
 * the drift since it was taken, so the sample with the smallest such bound is trusted. Queueing
 * only ever adds delay: an uplink whose queue stays full for a while (a backlog, a startup) makes
 * every new sample lopsided by half that queue, and a filter over the last 8 s let 120 ms of
 * uplink queue move the offset by 60 ms and age every operator command past its budget. A sample
 * from before the queue wins until its drift bound reaches the queued samples' δ/2.
 */
export class ClockFilter {
  private readonly samples: ClockSample[] = [];

  /** Adds one exchange: t1 our send, t2 peer receive, t3 peer send, t4 our receive (ns). */
  add(t1: number, t2: number, t3: number, t4: number): ClockSample {
    // RFC 5905 §8: θ = ((t2 − t1) + (t3 − t4)) / 2, δ = (t4 − t1) − (t3 − t2)
    const sample = { offsetNs: ((t2 - t1) + (t3 - t4)) / 2, delayNs: Math.max(0, (t4 - t1) - (t3 - t2)), atNs: t4 };
    this.samples.push(sample);
    if (this.samples.length > CLOCK_WINDOW) this.samples.shift();
    this.chosen = this.choose();
    return sample;
  }

  /** The sample with the smallest error bound as of the newest one, or undefined before the first. */
  best(): ClockSample | undefined {
    return this.chosen;
  }

  /** Chosen once per sample: the hub converts every frame's capture time with it. */
  private chosen: ClockSample | undefined;

  private choose(): ClockSample | undefined {
    const now = this.samples.at(-1)?.atNs ?? 0;
    let best: ClockSample | undefined;
    let bound = Infinity;
    for (const s of this.samples) {
      const b = s.delayNs / 2 + Math.max(0, now - s.atNs) * CLOCK_DRIFT_PPM * 1e-6;
      if (b < bound) {
        bound = b;
        best = s;
      }
    }
    return best;
  }

  /** Round-trip time of the trusted sample, ms; null before the first. */
  get rttMs(): number | null {
    const b = this.best();
    return b ? b.delayNs / 1e6 : null;
  }

  /** Peer clock minus ours, ms; null before the first sample. */
  get offsetMs(): number | null {
    const b = this.best();
    return b ? b.offsetNs / 1e6 : null;
  }

  /** Converts a time on the peer's clock to ours (ns); undefined until a sample exists. */
  toLocalNs(peerNs: number): number | undefined {
    const b = this.best();
    return b === undefined ? undefined : peerNs - b.offsetNs;
  }

  /** Forgets every sample (a new connection may reach another peer, or the same one by another path). */
  reset(): void {
    this.samples.length = 0;
    this.chosen = undefined;
  }
}
