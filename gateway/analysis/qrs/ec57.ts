// Beat-by-beat comparison of detections against reference annotations, in the manner of
// ANSI/AAMI EC57:2012 §4.3 (bxb): a detection matches a reference beat within ±150 ms; each is
// used at most once; closer pairs are matched first.

export interface BeatScore {
  tp: number;
  fn: number;
  fp: number;
  /** Sensitivity TP/(TP+FN) in %, NaN when there are no reference beats. */
  se: number;
  /** Positive predictivity TP/(TP+FP) in %, NaN when there are no detections. */
  ppv: number;
}

/**
 * Scores sorted detections against sorted reference beat samples. `windowS` default 0.15 s.
 * Matching runs over the whole record; with `fromSample`, only reference beats and detections at
 * or after it are counted (EC57's exclusion of the first 5 minutes as a learning period).
 */
export function scoreBeats(reference: readonly number[], detected: readonly number[], fs: number, windowS = 0.15, fromSample = 0): BeatScore {
  const w = windowS * fs;
  const pairs: { r: number; d: number; dist: number }[] = [];
  let start = 0;
  reference.forEach((r, ri) => {
    while (start < detected.length && (detected[start] ?? 0) < r - w) start++;
    for (let di = start; di < detected.length && (detected[di] ?? 0) <= r + w; di++) {
      pairs.push({ r: ri, d: di, dist: Math.abs((detected[di] ?? 0) - r) });
    }
  });
  pairs.sort((a, b) => a.dist - b.dist);
  const usedR = new Uint8Array(reference.length);
  const usedD = new Uint8Array(detected.length);
  for (const p of pairs) {
    if (usedR[p.r] === 1 || usedD[p.d] === 1) continue;
    usedR[p.r] = 1; usedD[p.d] = 1;
  }
  let tp = 0, fn = 0, fp = 0;
  reference.forEach((r, i) => { if (r >= fromSample) { if (usedR[i] === 1) tp++; else fn++; } });
  detected.forEach((d, i) => { if (d >= fromSample && usedD[i] !== 1) fp++; });
  return summarise(tp, fn, fp);
}

/** Builds a score from counts (also used to total several records). */
export function summarise(tp: number, fn: number, fp: number): BeatScore {
  return { tp, fn, fp, se: (100 * tp) / (tp + fn), ppv: (100 * tp) / (tp + fp) };
}
