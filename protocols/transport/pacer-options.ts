import type { RateEstimatorOptions } from './rate-estimator.js';

/** Pacer settings. Rates in bits/s, sizes in bytes, times in ms. */
export interface PacerOptions {
  /** Pacing rate before the first estimate, bits/s. Default 2_000_000. */
  readonly initialRateBps?: number;
  /** Bytes in flight allowed before the first feedback. Default 32 KiB. */
  readonly initialCwndBytes?: number;
  /** Smallest congestion window, bytes. Default 8 KiB. */
  readonly minCwndBytes?: number;
  /** cwnd = cwndGain × BDP + bandwidth × ackAggregationMs (BDP = bandwidth × min RTT); startupGain in startup and probe. Default 1.25. */
  readonly cwndGain?: number;
  /** Extra cwnd for the receiver's ack batching: bandwidth × this, ms (SESSION.md: acks ≤ 10 ms apart). Default 10. */
  readonly ackAggregationMs?: number;
  /**
   * cwnd is at least bandwidth × this, ms. Default 25: on a short-RTT link (loopback) acks come
   * ≥ 10 ms apart and late under load; a cwnd of ~11 ms of the estimate delivered less than the
   * estimate every ack round, so the estimate spiralled down to the 8 KiB floor (6 Mbit/s).
   */
  readonly minCwndMs?: number;
  /** Default 0.95. */
  readonly cruiseGain?: number;
  /** Default 1.25. */
  readonly probeGain?: number;
  /** Default 2. */
  readonly startupGain?: number;
  /** Used in drain and backoff. Default 0.75. */
  readonly drainGain?: number;
  /** Time in cruise between probes. Default 2000. */
  readonly probeIntervalMs?: number;
  /** RTT above `min × (1 + queueRttFactor) + queueRttSlackMs` for a whole RTT means a queue. Defaults 0.5, 10. */
  readonly queueRttFactor?: number;
  readonly queueRttSlackMs?: number;
  /**
   * Cruise keeps the bottleneck's queueing delay (one-way, smallest over a round) under this, ms.
   * Three rounds in a row above it mark the rate in effect as a ceiling, and the cruise rate
   * follows a cubic curve around that ceiling (see `trimDepth`, `trimRecoveryMs`). The queue is
   * what a CONTROL frame waits behind in the cell (its budget is one-way delay + 10 ms), but the
   * measured delay also holds the sender's own bursts (token bucket, one chunk) and the receiver's
   * late stamps. Default 4 (bench:uplink saturated-cell, load 0.5–2: the smallest delay of a round
   * sits at 1–3 ms when the cell has no standing queue).
   */
  readonly queueTargetMs?: number;
  /**
   * Right after a queue is seen the cruise rate drops to (1 − trimDepth) × ceiling, so the queue
   * drains within a round or two. Default 0.1.
   */
  readonly trimDepth?: number;
  /**
   * The cubic curve is back at the ceiling this long after the drop, ms: it rises fast at first,
   * flattens near the ceiling (where the queue formed last time), then climbs past it ever faster
   * to find capacity the cell freed (at `probeGain` × the ceiling: startup). Default 4000: each
   * pass over the ceiling costs CONTROL a few ms of queue, and at 4 s a cell that doubled is found
   * within ~10 s.
   */
  readonly trimRecoveryMs?: number;
  /** Extra bytes CONTROL may put in flight beyond cwnd (it is never held for cwnd below this). Default 4096. */
  readonly priorityHeadroomBytes?: number;
  /**
   * Token-bucket depth in ms of the pacing rate (at least 2 KiB). Default 2 (bench:uplink on a
   * shared 2-core box; 4 before). A loop that turns less often than this cannot reach the pacing
   * rate: what it lost is marked underdriven, so it does not lower the estimate.
   */
  readonly burstMs?: number;
  /** With this long of no feedback while blocked, switch to `unpaced`. Default 1000. */
  readonly feedbackTimeoutMs?: number;
  readonly estimator?: RateEstimatorOptions;
}

/** PacerOptions with every default filled in (the estimator's are its own). */
export type ResolvedPacerOptions = Required<Omit<PacerOptions, 'estimator'>>;

/** Fills in the defaults documented on `PacerOptions`. */
export function resolvePacerOptions(opts: PacerOptions): ResolvedPacerOptions {
  return {
    initialRateBps: opts.initialRateBps ?? 2_000_000,
    initialCwndBytes: opts.initialCwndBytes ?? 32 * 1024,
    minCwndBytes: opts.minCwndBytes ?? 8 * 1024,
    cwndGain: opts.cwndGain ?? 1.25,
    ackAggregationMs: opts.ackAggregationMs ?? 10,
    minCwndMs: opts.minCwndMs ?? 25,
    cruiseGain: opts.cruiseGain ?? 0.95,
    probeGain: opts.probeGain ?? 1.25,
    startupGain: opts.startupGain ?? 2,
    drainGain: opts.drainGain ?? 0.75,
    probeIntervalMs: opts.probeIntervalMs ?? 2000,
    queueRttFactor: opts.queueRttFactor ?? 0.5,
    queueRttSlackMs: opts.queueRttSlackMs ?? 10,
    queueTargetMs: opts.queueTargetMs ?? 4,
    trimDepth: opts.trimDepth ?? 0.1,
    trimRecoveryMs: opts.trimRecoveryMs ?? 4000,
    priorityHeadroomBytes: opts.priorityHeadroomBytes ?? 4096,
    burstMs: opts.burstMs ?? 2,
    feedbackTimeoutMs: opts.feedbackTimeoutMs ?? 1000,
  };
}
