import type { ResolvedPacerOptions } from './pacer-options.js';
import type { RateEstimator } from './rate-estimator.js';

/**
 * Rounds in a row above the queue target before a new ceiling: late stamps come in bunches (the
 * gateway's or the hub's process descheduled for 100 ms on 2 shared cores), a queue stays. With
 * two, such bunches set ceilings with the cell's queue at 0–3 ms and the rate sank 10 → 8.4 Mbit/s
 * in 30 s (bench:uplink saturated-cell, utilisation 0.87).
 */
const TRIM_ROUNDS = 3;
/** Rounds in a row above the queue target that end a probe past the ceiling (it put that queue there). */
const PROBE_EXIT_ROUNDS = 2;
/** The queue-delay trim lowers the cruise rate to at least this share of it. */
const TRIM_FLOOR = 0.85;
/**
 * The ceiling is this share of the rate in effect when the queue was seen: that rate had run
 * above the link for the rounds the verdict took, and a plateau right at the link rate leaves no
 * spare capacity to drain a burst (at 2 % spare, the 7 ms a stalled sender's burst puts in the
 * queue takes 350 ms to go, and CONTROL waits behind it all that while).
 */
const CEILING_SHARE = 0.97;

/**
 * The pacer's cruise trim (see Pacer). Three rounds with the one-way queue delay above
 * `queueTargetMs` make the rate in effect a ceiling; the cap drops under it by `trimDepth` and
 * comes back on a cubic curve (CUBIC's shape, RFC 9438, here on the pacing rate): fast, then flat
 * near the ceiling where the queue formed, then ever faster past it (up to `probeGain` × the
 * estimate). The queue thus forms rarely and slowly; AIMD (−3 % / +1 % per round) crossed the
 * ceiling every half second and each crossing left CONTROL frames 10–20 ms of queue. One ceiling
 * per queue: the acks of the next 3 rounds still carry the queue being drained. Pure: `nowMs` is
 * passed in.
 */
export class CruiseTrim {
  /** Cap on the cruise pacing rate, bytes/ms; Infinity when not trimmed. */
  private cap = Infinity;
  /** Cruise rate at which a queue last formed, bytes/ms (undefined: not trimmed). */
  private ceiling: number | undefined;
  /**
   * When the cap last dropped under the ceiling, ms; moved on by silences, and by app-limited
   * time once the curve is at its plateau: past the ceiling it runs only while it paces a backlog.
   */
  private epochMs = 0;
  /** Last run of the trim, ms. */
  private lastRunMs: number | undefined;
  /** No new ceiling before this, ms: the queue that set the last one is still draining. */
  private holdUntilMs = 0;
  private roundStartMs = 0;
  /** Consecutive rounds that saw the queue above target. */
  private roundsAbove = 0;

  constructor(
    private readonly o: ResolvedPacerOptions,
    private readonly e: RateEstimator,
  ) {}

  /** The cap on the cruise rate, bytes/ms (Infinity when not trimmed). */
  get capBpms(): number {
    return this.cap;
  }

  /** The rate at which a queue last formed, bytes/ms; undefined when none (since the last reset). */
  get ceilingBpms(): number | undefined {
    return this.ceiling;
  }

  /** A new estimate (startup, backoff): the old ceiling described another link. */
  reset(): void {
    this.cap = Infinity;
    this.ceiling = undefined;
  }

  /** Cruise begins. */
  start(nowMs: number): void {
    this.roundStartMs = nowMs;
    this.lastRunMs = nowMs;
  }

  /**
   * A silence of `ms` (an outage on a held connection) while the sender had a backlog: the
   * curve's clock stands still through it. 60 s later it would otherwise be far past the ceiling
   * and pace at probeGain × the estimate into a cell that has just come back (bench:uplink tunnel:
   * 88 ms for CONTROL 2 s after the return). An app-limited silence is `run`'s to account for.
   */
  pause(ms: number): void {
    if (this.ceiling !== undefined) this.epochMs += ms;
  }

  /**
   * In cruise, on every ack and tick: the cubic cap, and once per round the queue verdict on the
   * smallest queue delay of the last 1.5 rounds (at least 60 ms: a receiver whose event loop runs
   * late stamps a few acks late, the smallest of a dozen is the queue). TRIM_ROUNDS in a row above
   * target make the rate in effect the new ceiling, never below TRIM_FLOOR of the untrimmed rate:
   * the trim corrects an inflated estimate (5–15 %); a real slowdown is the backoff verdict's.
   * `busy`: the sender has a backlog; `verdictsFromMs`: no verdict before (the acks carry a silence).
   * Returns true when it set a ceiling (the pipe was seen full).
   */
  run(nowMs: number, busy: boolean, verdictsFromMs: number): boolean {
    const e = this.e;
    let full = false;
    // App-limited time moves the cubic up to its plateau (the queue that set the ceiling has long
    // drained) but never past it: the convex side probes the link, and live-only minutes probe
    // nothing; a record after them would go at probeGain × the estimate into a cell as full as before.
    if (this.lastRunMs !== undefined && !busy) {
      const k = this.o.trimRecoveryMs;
      const was = this.lastRunMs - this.epochMs;
      this.epochMs = nowMs - Math.max(was, Math.min(was + nowMs - this.lastRunMs, k));
    }
    this.lastRunMs = nowMs;
    const round = Math.max(Number.isFinite(e.minRttMs) ? e.minRttMs : 0, 20);
    if (nowMs - this.roundStartMs >= round) {
      this.roundStartMs = nowMs;
      const q = e.recentQueueDelay(nowMs, Math.max(1.5 * round, 60));
      // Past the ceiling the curve is probing a link known to have been full there: fewer rounds
      // above target end the probe (BBRv2's probe-up exit), so the probe's own queue stays small.
      // Half the target ended probes on noise alone (the smallest delay of a round is 1–3 ms on an
      // empty cell) and each set a ceiling 3 % lower: 10 → 7 Mbit/s in 40 s.
      const probing = this.ceiling !== undefined && this.cap > this.ceiling;
      // A round counts only on bytes sent with a backlog (see Pacer.queueBuilding); an app-limited
      // round breaks the run: its delay is jitter or a stall, not the rate in effect.
      if (q.busy < 3) this.roundsAbove = 0;
      else if (nowMs >= this.holdUntilMs && nowMs >= verdictsFromMs) {
        this.roundsAbove = q.busyMin > this.o.queueTargetMs ? this.roundsAbove + 1 : 0;
        if (this.roundsAbove >= (probing ? PROBE_EXIT_ROUNDS : TRIM_ROUNDS)) {
          this.roundsAbove = 0;
          const untrimmed = e.btlBwBpms * this.o.cruiseGain;
          const inEffect = this.cap === Infinity ? untrimmed : Math.min(this.cap, e.btlBwBpms * this.o.probeGain);
          this.ceiling = Math.max(untrimmed * TRIM_FLOOR, inEffect * CEILING_SHARE);
          full = true;
          this.epochMs = nowMs;
          // The acks still carry the queue built before the drop for a round trip or two: one
          // queue, one drop (TCP's recovery episode).
          this.holdUntilMs = nowMs + 3 * round;
        }
      }
    }
    this.cap = this.cubicCap(nowMs);
    return full;
  }

  /** The cap `nowMs`: the cubic around the ceiling (Infinity when there is none). */
  private cubicCap(nowMs: number): number {
    if (this.ceiling === undefined) return Infinity;
    const k = this.o.trimRecoveryMs;
    const x = (nowMs - this.epochMs - k) / k;
    return this.ceiling * (1 + this.o.trimDepth * x * x * x);
  }
}
