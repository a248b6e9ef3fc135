// Per-lead QRS features and their fusion: band-pass, slope energy, moving-window integration, and a
// running amplitude scale so that each lead votes with the same weight whatever its gain or noise.
import { butterworth, filtfilt, movingAverage, runningScale, squaredSlope, toFloat } from './filters.js';

export interface FeatureOptions {
  /** High-pass edge of the QRS band in Hz. Default 5. */
  lowCutHz: number;
  /** Low-pass edge of the QRS band in Hz. Default 15. */
  highCutHz: number;
  /** Moving-window integration width in s (about one QRS). Default 0.15. */
  integrationS: number;
  /** Block length of the running scale in s. Default 1. */
  scaleBlockS: number;
  /** Blocks in the running median of the scale. Default 9. */
  scaleSpan: number;
  /** Ceiling of one lead's normalised feature: an artefact in one lead cannot outvote the others. Default 2. */
  leadCeiling: number;
  /** Ceiling of a lead's weight (its peak-to-floor ratio) when leads are fused. Default 50. */
  maxLeadWeight: number;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  lowCutHz: 5, highCutHz: 15, integrationS: 0.15, scaleBlockS: 1, scaleSpan: 9, leadCeiling: 2, maxLeadWeight: 50,
};

/** The detection features of one lead. */
export interface LeadFeatures {
  /** Index of the lead in the detector's input. */
  index: number;
  /** Band-passed signal (for locating the R peak). */
  bandPassed: Float64Array;
  /** Integrated slope energy divided by the running scale, capped at leadCeiling. */
  normalised: Float64Array;
  /** Instantaneous slope energy divided by the running scale, capped. */
  slope: Float64Array;
  /** Fusion weight over time: peak-to-noise-floor ratio, capped at maxLeadWeight. */
  weight: Float64Array;
  /**
   * Running sums (index i = sum over samples before i) of the squared second difference of the
   * unfiltered lead (energy mostly above the QRS band: muscle noise, spikes) and of the squared
   * slope of the band-passed lead (the QRS band), for the out-of-band energy ratio of a window.
   */
  hfSum: Float64Array;
  bandSum: Float64Array;
}

/** Out-of-band to in-band slope energy of lead l over samples [from, to]; NaN where the lead has no in-band energy. */
export function outOfBandRatio(l: LeadFeatures, from: number, to: number): number {
  const n = l.hfSum.length - 1;
  const a = Math.max(0, Math.min(n, from)), b = Math.max(0, Math.min(n, to + 1));
  const band = (l.bandSum[b] ?? 0) - (l.bandSum[a] ?? 0);
  return band > 0 ? ((l.hfSum[b] ?? 0) - (l.hfSum[a] ?? 0)) / band : Number.NaN;
}

/** The fused detection features of a set of leads sampled at the same rate. */
export interface QrsFeatures {
  leads: LeadFeatures[];
  /** Weighted mean over leads of `normalised`: the signal the thresholds run on. */
  integrated: Float64Array;
  /** Weighted mean over leads of `slope` (for the T-wave test). */
  slope: Float64Array;
}

/** Computes the per-lead features. Flat leads (no variation at all) and leads of another length are left out. */
export function leadFeatures(leads: readonly ArrayLike<number>[], fs: number, o: FeatureOptions = DEFAULT_FEATURE_OPTIONS): LeadFeatures[] {
  const n = leads.reduce((m, l) => Math.max(m, l.length), 0);
  const hp = butterworth('high', o.lowCutHz, fs);
  const lp = butterworth('low', o.highCutHz, fs);
  const out: LeadFeatures[] = [];
  leads.forEach((samples, index) => {
    if (samples.length !== n) return;
    const x = toFloat(samples);
    const hfSum = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const d2 = i > 0 && i < n - 1 ? (x[i + 1] ?? 0) - 2 * (x[i] ?? 0) + (x[i - 1] ?? 0) : 0;
      hfSum[i + 1] = (hfSum[i] ?? 0) + d2 * d2;
    }
    filtfilt(hp, x);
    filtfilt(lp, x);
    const sq = squaredSlope(x);
    const bandSum = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) bandSum[i + 1] = (bandSum[i] ?? 0) + (sq[i] ?? 0);
    const mwi = movingAverage(sq, o.integrationS * fs);
    const scale = runningScale(mwi, o.scaleBlockS * fs, o.scaleSpan);
    // The noise floor (running median) tells a lead whose peaks are QRS complexes from a lead
    // whose peaks are just the largest bits of noise.
    const floorLevel = runningScale(mwi, o.scaleBlockS * fs, o.scaleSpan, 'median');
    let top = 0;
    for (let i = 0; i < n; i++) top = Math.max(top, scale[i] ?? 0);
    if (!(top > 0)) return;
    // A floor keeps a lead that goes quiet for a while (lead off, saturation) from being blown up.
    const minScale = top * 1e-3;
    const normalised = new Float64Array(n);
    const slope = new Float64Array(n);
    const weight = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = Math.max(scale[i] ?? 0, minScale);
      normalised[i] = Math.min(o.leadCeiling, (mwi[i] ?? 0) / s);
      slope[i] = Math.min(4 * o.leadCeiling, (sq[i] ?? 0) / s);
      weight[i] = Math.min(o.maxLeadWeight, s / Math.max(floorLevel[i] ?? 0, s * 1e-6));
    }
    out.push({ index, bandPassed: x, normalised, slope, weight, hfSum, bandSum });
  });
  return out;
}

/** Fuses per-lead features by their weights, optionally multiplied by a per-lead quality over time. */
export function fuse(leads: readonly LeadFeatures[], n: number, quality?: readonly Float64Array[]): QrsFeatures {
  const integrated = new Float64Array(n);
  const slope = new Float64Array(n);
  const sum = new Float64Array(n);
  leads.forEach((l, k) => {
    const q = quality?.[k];
    for (let i = 0; i < n; i++) {
      const w = (l.weight[i] ?? 0) * (q === undefined ? 1 : (q[i] ?? 1));
      sum[i] = (sum[i] ?? 0) + w;
      integrated[i] = (integrated[i] ?? 0) + w * (l.normalised[i] ?? 0);
      slope[i] = (slope[i] ?? 0) + w * (l.slope[i] ?? 0);
    }
  });
  for (let i = 0; i < n; i++) {
    const k = (sum[i] ?? 0) > 0 ? (sum[i] ?? 1) : 1;
    integrated[i] = (integrated[i] ?? 0) / k;
    slope[i] = (slope[i] ?? 0) / k;
  }
  return { leads: [...leads], integrated, slope };
}

/** Per-lead features fused with their own weights. */
export function qrsFeatures(leads: readonly ArrayLike<number>[], fs: number, o: FeatureOptions = DEFAULT_FEATURE_OPTIONS): QrsFeatures {
  const n = leads.reduce((m, l) => Math.max(m, l.length), 0);
  return fuse(leadFeatures(leads, fs, o), n);
}
