/** A source of wall-clock time in Unix nanoseconds (as a double: ~256 ns precision today). */
export interface Clock {
  /** Unix time in nanoseconds. */
  nowNs(): number;
  /** Monotonic milliseconds, for intervals and timeouts. */
  monoMs(): number;
}

const origin = Date.now() - performance.now();

/** The system clock: wall time with sub-millisecond resolution from the monotonic timer. */
export const systemClock: Clock = {
  nowNs: () => (origin + performance.now()) * 1e6,
  monoMs: () => performance.now(),
};

export const NS_PER_MS = 1e6;
