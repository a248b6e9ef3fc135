// Latency over the frames OFFERED, not the frames that happened to arrive (DESIGN.md §4, issue 14
// item 4). A percentile over delivered frames rewards a sender for dropping its worst frames and a
// baseline for never delivering them; here a frame not delivered by the end of the run (dropped,
// still queued, lost) counts as infinitely late, so every peer is judged on the same population.
import type { RecvRec } from './ipc.js';

/** A latency over offered frames: ms, or 'inf' when the quantile falls among frames never delivered. */
export type OfferedMs = number | 'inf';

/**
 * The `p` quantile of `delivered` (ascending, ms) padded with `missing` frames at +∞: the same
 * nearest-rank rule as the delivered-only quantiles in analyse.ts, over `delivered.length + missing`.
 */
export function offeredQuantile(delivered: readonly number[], missing: number, p: number): OfferedMs | null {
  const n = delivered.length + missing;
  if (n === 0) return null;
  const i = Math.min(n - 1, Math.floor(p * n));
  const v = delivered[i];
  return v === undefined ? 'inf' : Math.round(v * 100) / 100;
}

/** Share of offered frames delivered within `budgetMs`; null with nothing offered. */
export function onTimeRatio(delivered: readonly number[], offered: number, budgetMs: number): number | null {
  if (offered === 0) return null;
  let ok = 0;
  for (const l of delivered) if (l <= budgetMs) ok++;
  return Math.round((ok / offered) * 1e5) / 1e5;
}

/** Ordering for the matrix's medians: 'inf' above every number, null (nothing offered) last of all. */
export function offeredMsKey(x: OfferedMs | null): number {
  if (x === null) return Number.NaN;
  return x === 'inf' ? Number.POSITIVE_INFINITY : x;
}

/**
 * Age of information at the receiver for a latest-wins stream set (CONTROL): at each instant t of
 * [from, to) sampled every `stepMs`, the age is t minus the capture time of the freshest frame
 * received by t (over all of `recv`'s streams, receipts before `from` included: the operator's arm
 * is driven by the newest command, whichever stream carried it). A dropped frame costs nothing here
 * if a fresher one follows; a stall costs its whole length. Returns the p99 of the samples, ms, or
 * 'inf' when nothing had arrived yet for more than 1 % of the window. `include` leaves instants
 * out (the matrix: spans in which the cell carried nothing).
 */
export function ageOfInformationP99(recv: readonly RecvRec[], from: number, to: number, stepMs = 1, include: (t: number) => boolean = () => true): OfferedMs | null {
  if (!(to > from)) return null;
  const byArrival = [...recv].sort((a, b) => a.r - b.r);
  const ages: number[] = [];
  let freshest = Number.NEGATIVE_INFINITY;
  let i = 0;
  let never = 0;
  for (let t = from; t < to; t += stepMs) {
    while (i < byArrival.length && (byArrival[i]?.r ?? Infinity) <= t) {
      freshest = Math.max(freshest, byArrival[i]?.t ?? freshest);
      i++;
    }
    if (!include(t)) continue;
    if (freshest === Number.NEGATIVE_INFINITY) never++;
    else ages.push(t - freshest);
  }
  ages.sort((a, b) => a - b);
  return offeredQuantile(ages, never, 0.99);
}
