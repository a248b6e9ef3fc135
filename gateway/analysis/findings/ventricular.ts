// Ventricular beats by morphology: a beat that starts in the ventricles spreads through the muscle
// instead of the conduction system, so its QRS looks unlike the dominant (conducted) beat in the
// leads that record it, whatever its width (a measured width is unreliable in noise and for
// septal ectopics). The dominant beat is the medoid of the beats that are not premature: the
// on-time beat most like all the others.

/** Thresholds of the ventricular-beat classifier. */
export interface VentricularOptions {
  /** Half-width (s) of the compared window around R. Default 0.08. */
  halfWindowS: number;
  /** Largest shift (s) tried to line a beat up with the dominant one. Default 0.03. */
  maxLagS: number;
  /** Step of the shifts tried, s. Default 0.008 (0.004 gave the same VT calls on MIT-BIH at twice the cost). */
  lagStepS: number;
  /** A beat whose best correlation with the dominant beat is below this is ventricular. Default 0.45. */
  maxShapeMatch: number;
}

export const DEFAULT_VENTRICULAR: VentricularOptions = { halfWindowS: 0.08, maxLagS: 0.03, lagStepS: 0.008, maxShapeMatch: 0.45 };

/** Zero-mean, unit-norm copy of w (all zeros when w is constant): correlations become dot products. */
function unit(w: Float64Array): Float64Array {
  let m = 0;
  for (let i = 0; i < w.length; i++) m += w[i] ?? 0;
  m /= Math.max(1, w.length);
  let e = 0;
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) { const v = (w[i] ?? 0) - m; out[i] = v; e += v * v; }
  const k = e > 0 ? 1 / Math.sqrt(e) : 0;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) * k;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/**
 * Per beat (R positions in samples): its best correlation with the dominant beat, over the slope
 * (±4 ms central difference, so baseline offsets do not count) of every lead in µV, end to end.
 * With fewer than 3 beats every beat is its own dominant (1).
 */
export function dominantMatch(leads: readonly Float64Array[], beats: readonly number[], fs: number, o: VentricularOptions = DEFAULT_VENTRICULAR): number[] {
  if (beats.length < 3 || leads.length === 0) return beats.map(() => 1);
  const half = Math.max(1, Math.round(o.halfWindowS * fs));
  const h = Math.max(1, Math.round(0.004 * fs));
  const len = 2 * half + 1;
  // Slope of every lead once (invalid samples contribute nothing), then windows are plain copies.
  const slopes = leads.map((x) => {
    const d = new Float64Array(x.length);
    for (let i = h; i < x.length - h; i++) {
      const v = (x[i + h] ?? Number.NaN) - (x[i - h] ?? Number.NaN);
      d[i] = Number.isFinite(v) ? v : 0;
    }
    return d;
  });
  const window = (r: number): Float64Array => {
    const out = new Float64Array(len * leads.length);
    slopes.forEach((d, k) => {
      const from = r - half;
      if (from >= 0 && from + len <= d.length) out.set(d.subarray(from, from + len), k * len);
      else for (let i = 0; i < len; i++) out[k * len + i] = d[from + i] ?? 0;
    });
    return out;
  };
  const wins = beats.map((r) => unit(window(r)));
  // The dominant beat is conducted: it is not premature (its RR is at least the median), while in
  // bigeminy or frequent PVCs the ectopic beats are as many but all come early.
  const rr = beats.map((r, i) => (i === 0 ? Number.NaN : r - (beats[i - 1] ?? 0)));
  const sorted = rr.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  const medRr = sorted[sorted.length >> 1] ?? 0;
  const onTime = beats.map((_, i) => Number.isFinite(rr[i]) && (rr[i] ?? 0) >= medRr);
  const pool = onTime.filter(Boolean).length >= 2 ? onTime : beats.map(() => true);
  let dominant = 0, best = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < wins.length; i++) {
    if (pool[i] !== true) continue;
    let sum = 0;
    for (let j = 0; j < wins.length; j++) if (i !== j) sum += dot(wins[i] ?? new Float64Array(0), wins[j] ?? new Float64Array(0));
    if (sum > best) { best = sum; dominant = i; }
  }
  const template = wins[dominant] ?? new Float64Array(0);
  const lag = Math.round(o.maxLagS * fs);
  const step = Math.max(1, Math.round(o.lagStepS * fs));
  // Correlation of the window at c with the (zero-mean, unit) template in one pass, no copy.
  const total = len * leads.length;
  const correlationAt = (c: number): number => {
    let sx = 0, sxx = 0, sxt = 0;
    slopes.forEach((x, k) => {
      const from = c - half;
      for (let i = 0; i < len; i++) {
        const v = x[from + i] ?? 0;
        sx += v; sxx += v * v; sxt += v * (template[k * len + i] ?? 0);
      }
    });
    const e = sxx - (sx * sx) / total;
    return e > 0 ? sxt / Math.sqrt(e) : 0;
  };
  return beats.map((r, i) => {
    if (i === dominant) return 1;
    let m = dot(wins[i] ?? template, template);
    for (let d = -lag; d <= lag; d += step) if (d !== 0) m = Math.max(m, correlationAt(r + d));
    return m;
  });
}

/** Which beats are ventricular (unlike the dominant beat). */
export function ventricularBeats(leads: readonly Float64Array[], beats: readonly number[], fs: number, o: VentricularOptions = DEFAULT_VENTRICULAR): boolean[] {
  return dominantMatch(leads, beats, fs, o).map((m) => m < o.maxShapeMatch);
}
