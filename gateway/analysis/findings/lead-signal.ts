// Per-lead signal quality from the µV samples alone (no beats needed): lead off, flat line,
// clipping at the ADC rail, high-frequency noise (muscle, mains) and baseline wander.

/** Thresholds of the per-lead checks (µV, s). */
export interface LeadSignalOptions {
  /** A lead with more than this fraction of invalid samples or a perfectly constant value is off. Default 0.5. */
  offFraction: number;
  /** A 1 s window whose peak-to-peak is below this (µV) is flat. Default 40. */
  flatUv: number;
  /** A lead is flat when more than this fraction of its 1 s windows are flat. Default 0.5. */
  flatFraction: number;
  /** Runs at the lead's extreme value at least this long (s) count as clipped. Default 0.008. */
  clipRunS: number;
  /** Clipped when more than this fraction of samples lie in such runs. Default 0.005. */
  clipFraction: number;
  /** High-frequency noise level (µV, robust σ of the first difference) called noisy. Default 35. */
  noisyUv: number;
  /** Peak-to-peak of the 0.2 s window means (µV) called baseline wander. Default 2000. */
  wanderUv: number;
}

export const DEFAULT_LEAD_SIGNAL: LeadSignalOptions = {
  offFraction: 0.5, flatUv: 40, flatFraction: 0.5, clipRunS: 0.008, clipFraction: 0.005, noisyUv: 35, wanderUv: 2000,
};

export type LeadIssue = 'lead-off' | 'flat' | 'clipped' | 'noisy' | 'baseline-wander';

export interface LeadSignal {
  issues: LeadIssue[];
  /** 0 (unusable) .. 1 (clean). */
  score: number;
  /** Robust high-frequency noise estimate, µV. */
  noiseUv: number;
}

/** Checks one lead given in µV (NaN = invalid sample) at `fs` Hz. */
export function leadSignal(uv: Float64Array, fs: number, o: LeadSignalOptions = DEFAULT_LEAD_SIGNAL): LeadSignal {
  const n = uv.length;
  let invalid = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = uv[i] ?? Number.NaN;
    if (Number.isNaN(v)) { invalid++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // A disconnected electrode reads as invalid samples or one constant value (carts send 0).
  if (n === 0 || invalid > o.offFraction * n || max === min) return { issues: ['lead-off'], score: 0, noiseUv: 0 };

  const win = Math.max(1, Math.round(fs));
  let windows = 0, flat = 0;
  for (let s = 0; s < n; s += win) {
    let lo = Infinity, hi = -Infinity;
    for (let i = s; i < Math.min(n, s + win); i++) { const v = uv[i] ?? Number.NaN; if (v < lo) lo = v; if (v > hi) hi = v; }
    if (hi < lo) continue; // all invalid
    windows++;
    if (hi - lo < o.flatUv) flat++;
  }
  if (windows > 0 && flat > o.flatFraction * windows) return { issues: ['flat'], score: 0.05, noiseUv: 0 };

  const issues: LeadIssue[] = [];
  let score = 1;
  // Clipping: the signal sits on its own extreme for longer than a real R peak would.
  const minRun = Math.max(3, Math.round(o.clipRunS * fs));
  let clipped = 0, run = 0, runVal = Number.NaN;
  for (let i = 0; i <= n; i++) {
    const v = i < n ? (uv[i] ?? Number.NaN) : Number.NaN;
    if (v === runVal && (v === min || v === max)) { run++; continue; }
    if (run >= minRun) clipped += run;
    run = 1; runVal = v;
  }
  if (clipped > o.clipFraction * n) { issues.push('clipped'); score *= 0.5; }

  // Noise: robust σ of the first difference. White noise (muscle) differences the same at any
  // rate; the ECG's own slope is small between QRS complexes, so no rate scaling.
  const noiseUv = robustDiffSigma(uv);
  if (noiseUv > o.noisyUv) { issues.push('noisy'); score *= Math.max(0.2, o.noisyUv / noiseUv) * 0.7; }

  const step = Math.max(1, Math.round(0.2 * fs));
  let wlo = Infinity, whi = -Infinity;
  for (let s = 0; s + step <= n; s += step) {
    let sum = 0, m = 0;
    for (let i = s; i < s + step; i++) { const v = uv[i] ?? Number.NaN; if (!Number.isNaN(v)) { sum += v; m++; } }
    if (m === 0) continue;
    const mean = sum / m;
    if (mean < wlo) wlo = mean;
    if (mean > whi) whi = mean;
  }
  if (whi - wlo > o.wanderUv) { issues.push('baseline-wander'); score *= 0.8; }
  if (invalid > 0) score *= 1 - invalid / n;
  return { issues, score, noiseUv };
}

/**
 * 1.4826 × median |x[i] − x[i−1]| over valid pairs (the QRS, ~10 % of samples, barely moves a
 * median). The median comes from a 0.25 µV histogram: sorting every lead cost a fifth of the analysis.
 */
function robustDiffSigma(uv: Float64Array): number {
  const BINS = 1024;
  const hist = new Uint32Array(BINS);
  let m = 0;
  for (let i = 1; i < uv.length; i++) {
    const v = Math.abs((uv[i] ?? Number.NaN) - (uv[i - 1] ?? Number.NaN));
    if (Number.isNaN(v)) continue;
    const b = Math.min(BINS - 1, Math.floor(v * 4));
    hist[b] = (hist[b] ?? 0) + 1;
    m++;
  }
  if (m === 0) return 0;
  let acc = 0;
  for (let b = 0; b < BINS; b++) {
    acc += hist[b] ?? 0;
    // Past the last bin the noise is far above any threshold anyway.
    if (acc * 2 >= m) return 1.4826 * ((b + 0.5) / 4);
  }
  return 1.4826 * (BINS / 4);
}
