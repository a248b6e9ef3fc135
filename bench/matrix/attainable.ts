// What no sender could have done better: the times at which a frame captured could not reach the
// hub within its budget however it was scheduled, because the cell offered no delivery opportunity
// in time (a real trace's gaps: the AT&T LTE trace has 15 % of its 100-ms windows empty). Judging
// a peer against 99 % on a cell whose own gaps make 99 % impossible says nothing about the peer;
// the bound beside its figure says how far from the attainable it is.

/**
 * Wall-ms intervals `[from, to)` of `[fromMs, toMs)` in which a frame captured at that time cannot be
 * delivered on time by any sender: `capacity(a, b)` (bytes the cell offers in `[a, b)`, wall ms) is
 * 0 over `[t, t + slackMs]`, where `slackMs` is the budget minus the smallest one-way delay of the
 * path (its delay minus its jitter). An upper bound on the attainable: it ignores the frame's own
 * size (one opportunity carries 1 500 bytes, a CONTROL frame ~100), the sender's processing and
 * every queue. Resolution `stepMs` (default 1 ms, a trace's own resolution).
 */
export function unreachableIntervals(
  capacity: (fromMs: number, toMs: number) => number,
  fromMs: number, toMs: number, slackMs: number, stepMs = 1,
): [number, number][] {
  if (!(slackMs >= 0)) return [[fromMs, toMs]];
  const out: [number, number][] = [];
  let start: number | null = null;
  for (let t = fromMs; t < toMs; t += stepMs) {
    // An opportunity exactly at t + slack still makes it: the window is closed on the right.
    const dead = !(capacity(t, t + slackMs + 1e-6) > 0);
    if (dead && start === null) start = t;
    if (!dead && start !== null) { out.push([start, t]); start = null; }
  }
  if (start !== null) out.push([start, toMs]);
  return out;
}

/**
 * The share of frames captured at `times` (wall ms) that some sender could have delivered on time:
 * those outside `unreachable`. null when there are no frames.
 */
export function attainableRatio(times: readonly number[], unreachable: readonly [number, number][]): number | null {
  if (times.length === 0) return null;
  const iv = [...unreachable].sort((a, b) => a[0] - b[0]);
  const starts = iv.map((x) => x[0]);
  let reachable = 0;
  for (const t of times) {
    // The last interval starting at or before t.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] ?? Infinity) <= t) lo = mid + 1;
      else hi = mid;
    }
    const hit = lo > 0 && t < (iv[lo - 1]?.[1] ?? -Infinity);
    if (!hit) reachable += 1;
  }
  return reachable / times.length;
}
