/**
 * Sample decimation for drawing: a 10 s lead at 1000 Hz is 10 000 samples, drawn into a few hundred
 * pixel columns. Plain subsampling would drop QRS peaks and pacing spikes; min/max per column keeps
 * every excursion visible, which is what a reader needs on a screen.
 */

/** Per pixel column, the lowest and highest sample value that falls into it. */
export interface MinMaxColumns {
  min: Float64Array;
  max: Float64Array;
}

/**
 * Splits `samples[start, end)` into `columns` equal spans and returns each span's min and max.
 * Each column covers at least one sample (spans overlap when there are fewer samples than columns).
 * Non-finite samples (gaps) are skipped; a column with only gaps gets NaN in both arrays.
 */
export function decimateMinMax(samples: ArrayLike<number>, start: number, end: number, columns: number): MinMaxColumns {
  const s = Math.max(0, Math.floor(start));
  const e = Math.min(samples.length, Math.floor(end));
  const cols = Math.max(0, Math.floor(columns));
  const min = new Float64Array(cols).fill(Number.NaN);
  const max = new Float64Array(cols).fill(Number.NaN);
  const n = e - s;
  if (n <= 0) return { min, max };
  for (let c = 0; c < cols; c++) {
    const a = s + Math.floor((c * n) / cols);
    const b = Math.max(a + 1, s + Math.floor(((c + 1) * n) / cols));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = a; i < b && i < e; i++) {
      const v = samples[i] as number;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo <= hi) {
      min[c] = lo;
      max[c] = hi;
    }
  }
  return { min, max };
}

/** True when there are few enough samples per column that drawing each one is cheaper and truer. */
export function drawRaw(sampleCount: number, columns: number): boolean {
  return sampleCount <= columns * 2;
}
