// QRS onset and offset (J point) of each detected beat from all usable leads together: the
// spatial velocity (mean absolute slope over leads) rises well above its floor during the QRS and
// drops back at its ends, so one boundary serves every lead, as in multi-lead global measurements
// (IEC 60601-2-51 measures QRS duration globally, from the earliest onset to the latest offset).

/** Thresholds of the delineation. */
export interface DelineateOptions {
  /** Fraction of the way from the floor to the QRS peak velocity that counts as "inside the QRS". Default 0.12. */
  level: number;
  /** The velocity must stay below the level this long (s) to end the QRS. Default 0.012. */
  quietS: number;
  /** Furthest onset before / offset after the R peak, s. Defaults 0.12 / 0.18. */
  maxBeforeS: number;
  maxAfterS: number;
}

export const DEFAULT_DELINEATE: DelineateOptions = { level: 0.12, quietS: 0.012, maxBeforeS: 0.12, maxAfterS: 0.18 };

export interface BeatBounds {
  r: number;
  onset: number;
  /** J point (end of QRS), samples. */
  offset: number;
  /** Peak spatial velocity inside the QRS, µV per ms. */
  peakVelocity: number;
}

/** Mean absolute slope over leads (µV/ms), central difference over ±4 ms. NaN samples contribute nothing. */
export function spatialVelocity(leads: readonly Float64Array[], fs: number, n: number): Float64Array {
  const h = Math.max(1, Math.round(0.004 * fs));
  const v = new Float64Array(n);
  if (leads.length === 0) return v;
  const perMs = fs / 1000 / (2 * h);
  for (const x of leads) {
    for (let i = h; i < n - h; i++) {
      const d = (x[i + h] ?? Number.NaN) - (x[i - h] ?? Number.NaN);
      if (!Number.isNaN(d)) v[i] = (v[i] ?? 0) + Math.abs(d) * perMs;
    }
  }
  for (let i = 0; i < n; i++) v[i] = (v[i] ?? 0) / leads.length;
  return v;
}

/** Onset/offset of each beat (ascending R positions in samples) from the spatial velocity `v`. */
export function delineate(v: Float64Array, beats: readonly number[], fs: number, o: DelineateOptions = DEFAULT_DELINEATE): BeatBounds[] {
  const n = v.length;
  const quiet = Math.max(2, Math.round(o.quietS * fs));
  return beats.map((r, k) => {
    const prev = beats[k - 1];
    const next = beats[k + 1];
    // Never reach into the neighbouring beat's QRS.
    const lo = Math.max(0, r - Math.round(o.maxBeforeS * fs), prev === undefined ? 0 : Math.round((prev + r) / 2));
    const hi = Math.min(n - 1, r + Math.round(o.maxAfterS * fs), next === undefined ? n - 1 : Math.round((r + next) / 2));
    const c = Math.round(0.05 * fs);
    let peak = 0;
    for (let i = Math.max(lo, r - c); i <= Math.min(hi, r + c); i++) peak = Math.max(peak, v[i] ?? 0);
    // Floor: the quietest 20 ms stretch of the window (the PR or ST segment).
    const m = Math.max(1, Math.round(0.02 * fs));
    let floor = Infinity;
    for (let s = lo; s + m <= hi; s += m >> 1 || 1) {
      let sum = 0;
      for (let i = s; i < s + m; i++) sum += v[i] ?? 0;
      floor = Math.min(floor, sum / m);
    }
    if (!Number.isFinite(floor)) floor = 0;
    const th = floor + o.level * (peak - floor);
    // Walk out from the steepest point on each side of R (at R itself the slope is ~0), and end
    // the QRS where the velocity has stayed under the level for `quiet` samples.
    let up = r, down = r;
    for (let i = Math.max(lo, r - c); i <= r; i++) if ((v[i] ?? 0) > (v[up] ?? 0)) up = i;
    for (let i = r; i <= Math.min(hi, r + c); i++) if ((v[i] ?? 0) > (v[down] ?? 0)) down = i;
    let onset = up, below = 0;
    for (let i = up; i >= lo && below < quiet; i--) {
      if ((v[i] ?? 0) >= th) { onset = i; below = 0; } else below++;
    }
    let offset = down;
    below = 0;
    for (let i = down; i <= hi && below < quiet; i++) {
      if ((v[i] ?? 0) >= th) { offset = i; below = 0; } else below++;
    }
    return { r, onset, offset, peakVelocity: peak };
  });
}
