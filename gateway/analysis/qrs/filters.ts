// Signal-processing building blocks of the QRS detector. Everything is designed from the sample
// rate at run time, so the detector behaves the same at 128, 250, 360, 500 or 1000 Hz.
import { INVALID_SAMPLE } from '../../../protocols/ecg/record.js';

/** Normalised second-order section: y = (b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2). */
export interface Biquad { b0: number; b1: number; b2: number; a1: number; a2: number }

/** Butterworth (Q = 1/√2) low- or high-pass biquad by the bilinear transform (RBJ cookbook form). */
export function butterworth(kind: 'low' | 'high', cutoffHz: number, fs: number): Biquad {
  const w0 = (2 * Math.PI * Math.min(cutoffHz, fs * 0.45)) / fs;
  const alpha = Math.sin(w0) / Math.SQRT2;
  const cos = Math.cos(w0);
  const a0 = 1 + alpha;
  const k = kind === 'low' ? (1 - cos) / 2 : (1 + cos) / 2;
  const b1 = kind === 'low' ? 1 - cos : -(1 + cos);
  return { b0: k / a0, b1: b1 / a0, b2: k / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

/** Runs a biquad over x in place, forwards then backwards (zero phase: R peaks stay where they are). */
export function filtfilt(f: Biquad, x: Float64Array): void {
  const pass = (start: number, end: number, step: number): void => {
    // Start from the steady state of the first sample to avoid a start-up transient.
    const x0 = x[start] ?? 0;
    const dc = (f.b0 + f.b1 + f.b2) / (1 + f.a1 + f.a2);
    let x1 = x0, x2 = x0, y1 = x0 * dc, y2 = x0 * dc;
    for (let i = start; i !== end; i += step) {
      const xi = x[i] ?? 0;
      const y = f.b0 * xi + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
      x2 = x1; x1 = xi; y2 = y1; y1 = y;
      x[i] = y;
    }
  };
  if (x.length === 0) return;
  pass(0, x.length, 1);
  pass(x.length - 1, -1, -1);
}

/** Copies counts to floats; invalid samples hold the last valid value (so a gap is flat, not a spike). */
export function toFloat(samples: ArrayLike<number>): Float64Array {
  const out = new Float64Array(samples.length);
  let last = 0;
  let seen = false;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? INVALID_SAMPLE;
    if (v !== INVALID_SAMPLE && Number.isFinite(v)) {
      if (!seen) { out.fill(v, 0, i); seen = true; }
      last = v;
    }
    out[i] = last;
  }
  return out;
}

/** Squared central difference: the slope energy that QRS complexes concentrate. */
export function squaredSlope(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 1; i < x.length - 1; i++) {
    const d = (x[i + 1] ?? 0) - (x[i - 1] ?? 0);
    out[i] = d * d;
  }
  return out;
}

/** Centred moving average over `width` samples (running sum, O(n)). */
export function movingAverage(x: Float64Array, width: number): Float64Array {
  const w = Math.max(1, Math.round(width));
  const half = Math.floor(w / 2);
  const out = new Float64Array(x.length);
  let sum = 0;
  for (let i = 0; i < x.length + half; i++) {
    if (i < x.length) sum += x[i] ?? 0;
    if (i - w >= 0) sum -= x[i - w] ?? 0;
    const c = i - half;
    if (c >= 0 && c < x.length) out[c] = sum / w;
  }
  return out;
}

/**
 * A slowly varying amplitude scale of `x`: the median of the per-block maxima (or medians, for a
 * noise floor) over `span` blocks
 * around each block, linearly interpolated between block centres. Robust to a few noise bursts
 * and to the odd block without a beat.
 */
export function runningScale(x: Float64Array, block: number, span: number, stat: 'max' | 'median' = 'max'): Float64Array {
  const b = Math.max(1, Math.round(block));
  const nb = Math.max(1, Math.ceil(x.length / b));
  const maxima = new Float64Array(nb);
  const stride = Math.max(1, Math.floor(b / 100));
  const part = new Float64Array(Math.ceil(b / stride));
  for (let k = 0; k < nb; k++) {
    const end = Math.min(x.length, (k + 1) * b);
    if (stat === 'median') {
      // Every `stride`-th sample is enough: callers pass integrated (smooth) signals.
      let m = 0;
      for (let i = k * b; i < end; i += stride) part[m++] = x[i] ?? 0;
      maxima[k] = quickSelect(part, m, m >> 1);
      continue;
    }
    let m = 0;
    for (let i = k * b; i < end; i++) { const v = x[i] ?? 0; if (v > m) m = v; }
    maxima[k] = m;
  }
  const half = Math.floor(span / 2);
  const med = new Float64Array(nb);
  const win: number[] = [];
  for (let k = 0; k < nb; k++) {
    win.length = 0;
    for (let j = Math.max(0, k - half); j <= Math.min(nb - 1, k + half); j++) win.push(maxima[j] ?? 0);
    win.sort((p, q) => p - q);
    med[k] = win[Math.floor(win.length / 2)] ?? 0;
  }
  return interpolateBlocks(med, b, x.length);
}

/** Piecewise-linear curve through per-block values placed at the block centres (flat beyond the ends). */
export function interpolateBlocks(values: Float64Array, block: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const nb = values.length;
  const half = block / 2;
  out.fill(values[0] ?? 0, 0, Math.min(n, Math.ceil(half)));
  for (let k = 0; k + 1 < nb; k++) {
    const a = values[k] ?? 0;
    const d = ((values[k + 1] ?? 0) - a) / block;
    const start = Math.ceil(half + k * block);
    const end = Math.min(n, Math.ceil(half + (k + 1) * block));
    for (let i = start; i < end; i++) out[i] = a + d * (i - half - k * block);
  }
  const tail = Math.ceil(half + (nb - 1) * block);
  if (tail < n) out.fill(values[nb - 1] ?? 0, Math.max(0, tail), n);
  return out;
}

/** The k-th smallest of the first n values of a (reorders a; Hoare's selection, O(n) on average). */
export function quickSelect(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1] ?? 0;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] ?? 0) < pivot) i++;
      while ((a[j] ?? 0) > pivot) j--;
      if (i <= j) { const t = a[i] ?? 0; a[i] = a[j] ?? 0; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j; else if (k >= i) lo = i; else break;
  }
  return a[k] ?? 0;
}
