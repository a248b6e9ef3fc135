/**
 * Service curves of a bottleneck: when the transmitter can start a piece and when its last byte has
 * been serialised. Capacity the queue does not use when it is offered is lost, as on a radio link
 * (an idle transmission opportunity is not banked for later).
 */
export interface Service {
  /** Suggested piece size in bytes (about one transmission unit of this service). */
  readonly pieceBytes: number;
  /**
   * Cut pieces at every pieceBytes-th byte of each connection's stream (as TCP cuts MSS-sized
   * segments), not at every read: then each full piece fills exactly one trace opportunity.
   */
  readonly streamAligned: boolean;
  /** Mean rate in bits/s over the service's period (0 = unlimited): converts queueMs to bytes. */
  readonly nominalBps: number;
  /** When a piece that arrived at `at` would start, given what has already been served (no commit). */
  nextStart(at: number): number;
  /** Serves `bytes` arriving at `at` (commits the capacity used): start and end of serialisation. */
  serve(at: number, bytes: number): { readonly start: number; readonly end: number };
  /** The capacity before `now` was not usable (an outage): serving restarts at `now`, no catch-up. */
  skipTo(now: number): void;
  /** Capacity offered in [from, to), bytes (Infinity when unlimited). */
  capacity(from: number, to: number): number;
}

/** Largest piece, whatever the rate: keeps each write small enough to interleave fairly. */
export const MAX_PIECE = 16 * 1024;
/** Smallest piece: below this, per-piece overhead costs more than the finer granularity gains. */
export const MIN_PIECE = 512;

/** Pieces of about 1 ms of transmission at `bps` (512 B – 16 KiB). */
function pieceFor(bps: number): number {
  const perMs = bps > 0 ? Math.floor(bps / 8000) : MAX_PIECE;
  return Math.min(MAX_PIECE, Math.max(MIN_PIECE, perMs));
}

/** A fixed rate in bits/s; 0 = unlimited (no serialisation time). */
export function constantService(rateBps: number): Service {
  let txFree = 0;
  return {
    pieceBytes: pieceFor(rateBps),
    streamAligned: false,
    nominalBps: rateBps,
    nextStart: (at) => Math.max(txFree, at),
    serve(at, bytes) {
      const start = Math.max(txFree, at);
      const end = rateBps > 0 ? start + (bytes * 8000) / rateBps : start;
      txFree = end;
      return { start, end };
    },
    skipTo(now) {
      txFree = Math.max(txFree, now);
    },
    capacity: (from, to) => (rateBps > 0 ? (Math.max(0, to - from) * rateBps) / 8000 : Infinity),
  };
}

/** One step of a rate schedule. */
export interface RateStep {
  readonly durationMs: number;
  /** bits/s, > 0. */
  readonly rateBps: number;
}

/**
 * A piecewise-constant rate that loops: step i lasts durationMs at rateBps, then the next; after
 * the last, the first again. Time 0 of the schedule is `originMs` (the emulator's start).
 */
export function steppedService(steps: readonly RateStep[], originMs: number): Service {
  const period = steps.reduce((a, s) => a + s.durationMs, 0);
  const bytesPerPeriod = steps.reduce((a, s) => a + (s.durationMs * s.rateBps) / 8000, 0);
  /** Cumulative bytes offered from the origin to absolute time t. */
  const cum = (t: number): number => {
    const rel = Math.max(0, t - originMs);
    const loops = Math.floor(rel / period);
    let r = rel - loops * period;
    let b = loops * bytesPerPeriod;
    for (const s of steps) {
      const d = Math.min(r, s.durationMs);
      b += (d * s.rateBps) / 8000;
      r -= d;
      if (r <= 0) break;
    }
    return b;
  };
  /** Absolute time at which the cumulative offer reaches `bytes` (inverse of cum). */
  const timeOf = (bytes: number): number => {
    const loops = Math.floor(bytes / bytesPerPeriod);
    let left = bytes - loops * bytesPerPeriod;
    let t = originMs + loops * period;
    for (const s of steps) {
      const b = (s.durationMs * s.rateBps) / 8000;
      if (left <= b) return t + (left * 8000) / s.rateBps;
      left -= b;
      t += s.durationMs;
    }
    return t;
  };
  let txFree = originMs;
  return {
    pieceBytes: pieceFor(Math.max(...steps.map((s) => s.rateBps))),
    streamAligned: false,
    nominalBps: (bytesPerPeriod * 8000) / period,
    nextStart: (at) => Math.max(txFree, at),
    serve(at, bytes) {
      const start = Math.max(txFree, at);
      const end = timeOf(cum(start) + bytes);
      txFree = end;
      return { start, end };
    },
    skipTo(now) {
      txFree = Math.max(txFree, now);
    },
    capacity: (from, to) => Math.max(0, cum(to) - cum(Math.max(from, originMs))),
  };
}

/** Bytes of one Mahimahi delivery opportunity (the traces' convention: 1 line per ms = 12 Mbit/s). */
export const OPPORTUNITY_BYTES = 1500;

/** A parsed Mahimahi trace: opportunity times in ms (sorted, repeats allowed) and the loop period. */
export interface MahimahiTrace {
  readonly name: string;
  readonly times: Uint32Array;
  /** The last timestamp: the schedule repeats with this period (Mahimahi's looping rule). */
  readonly periodMs: number;
}

/** First index i with a[i] >= x (a sorted ascending); a.length when none. */
function lowerBound(a: Uint32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Mahimahi trace replay (Netravali et al., USENIX ATC 2015; mahimahi src/frontend/link_queue.cc):
 * each line is one opportunity to send OPPORTUNITY_BYTES at that ms after `originMs`; opportunity
 * k of loop L is at L × period + times[k]. Service is byte-granular as in Mahimahi's link queue: a
 * piece larger than what is left of an opportunity continues in the next one, and an opportunity
 * that finds the queue empty is lost. A piece ends at the opportunity that carries its last byte.
 */
export function traceService(trace: MahimahiTrace, originMs: number): Service {
  const { times, periodMs } = trace;
  const n = times.length;
  const timeAt = (k: number): number => originMs + Math.floor(k / n) * periodMs + (times[k % n] ?? 0);
  /**
   * Index of the first opportunity at or after absolute time t, which is also the number of
   * opportunities before t. Loop L spans [L × period, (L + 1) × period] inclusive (its last line is
   * stamped period), so at a loop boundary the previous loop's last lines come first.
   */
  const firstAtOrAfter = (t: number): number => {
    const rel = Math.max(0, t - originMs);
    const loop = Math.floor(rel / periodMs);
    const r = rel - loop * periodMs;
    if (loop > 0) {
      const j = lowerBound(times, r + periodMs);
      if (j < n) return (loop - 1) * n + j;
    }
    return loop * n + lowerBound(times, r);
  };
  // The current opportunity and the bytes it still has.
  let k = 0;
  let left = OPPORTUNITY_BYTES;
  const moveTo = (at: number): void => {
    const kAt = firstAtOrAfter(at);
    if (kAt > k) {
      k = kAt;
      left = OPPORTUNITY_BYTES;
    }
  };
  return {
    pieceBytes: OPPORTUNITY_BYTES,
    streamAligned: true,
    nominalBps: (n * OPPORTUNITY_BYTES * 8000) / periodMs,
    nextStart: (at) => timeAt(Math.max(k, firstAtOrAfter(at))),
    serve(at, bytes) {
      moveTo(at);
      const start = timeAt(k);
      let rest = bytes;
      while (rest > left) {
        rest -= left;
        k++;
        left = OPPORTUNITY_BYTES;
      }
      left -= rest;
      const end = timeAt(k);
      if (left === 0) {
        k++;
        left = OPPORTUNITY_BYTES;
      }
      return { start, end };
    },
    skipTo(now) {
      moveTo(now);
    },
    capacity: (from, to) => Math.max(0, firstAtOrAfter(to) - firstAtOrAfter(Math.max(from, originMs))) * OPPORTUNITY_BYTES,
  };
}
