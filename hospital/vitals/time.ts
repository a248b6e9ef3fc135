/**
 * Unix ns (a JS number, as frame headers are read) → Unix ms, floored. Near 1.8e18 a double is only
 * good to 256 ns, so ns / 1e6 of an exact millisecond can come out as …999.9998 and floor to the
 * millisecond before: 1 µs is added first (far below anything a monitor resolves, far above the
 * rounding error).
 */
export function nsToMs(ns: number): number {
  return Math.floor(ns / 1e6 + 1e-3);
}

/** ISO 8601 of Unix ns, ms precision. */
export function nsToIso(ns: number): string {
  return new Date(nsToMs(ns)).toISOString();
}
