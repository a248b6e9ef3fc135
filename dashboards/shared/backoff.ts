/** Reconnect policy of a page's `/live` socket. */
export interface BackoffOptions {
  /** First wait after a drop, ms. Default 500. */
  initialMs: number;
  /** Ceiling of the wait, ms. Default 10 000. */
  maxMs: number;
  /** Fraction of the wait that is randomised (0..1), so many pages do not reconnect in lockstep. Default 0.5. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 500, maxMs: 10_000, jitter: 0.5 });

/**
 * Wait before reconnect attempt `attempt` (1 = first retry): exponential, capped, with the top
 * `jitter` fraction randomised. `random` returns [0, 1).
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, attempt - 1));
  const fixed = base * (1 - opts.jitter);
  return Math.round(fixed + base * opts.jitter * random());
}
