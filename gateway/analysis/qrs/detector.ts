// Multi-lead QRS detector in the Pan–Tompkins family (Pan & Tompkins, IEEE TBME 32(3), 1985):
// band-pass, slope energy, moving-window integration, dual adaptive thresholds, search-back for
// missed beats and a T-wave test. Differences: zero-phase filtering, leads fused after per-lead
// amplitude normalisation, and every constant expressed in seconds so any sample rate works.
import { DEFAULT_FEATURE_OPTIONS, type FeatureOptions, type QrsFeatures, fuse, leadFeatures, outOfBandRatio } from './features.js';
import { dropInterpolatedArtefacts } from './interpolated.js';
import { leadQuality } from './lead-quality.js';
import { BeatMemory } from './morphology.js';

export interface QrsDetectorOptions extends FeatureOptions {
  /** No two beats closer than this, in s. Default 0.2. */
  refractoryS: number;
  /**
   * A beat this soon (s) after the last one must have at least half its slope or it is a T wave.
   * Default 0.36, at an RR of 1 s; the window shrinks with √RR at faster rates, and between the
   * shrunk and the full window a low-slope candidate must match a recent beat (tWaveShapeMatch).
   */
  tWaveS: number;
  /** See tWaveS. Default 0.9. */
  tWaveShapeMatch: number;
  /** Search back when no beat came for this many average RR intervals. Default 1.66. */
  searchBackRr: number;
  /** Half-width of the window (s) around the integrated peak where the R peak is located. Default 0.08. */
  locateS: number;
  /** Where the detection threshold sits between the noise and signal peak levels (0..1). Default 0.25. */
  thresholdFraction: number;
  /** Re-run detection with leads weighted by their agreement with the first pass (multi-lead only). Default true. */
  twoPass: boolean;
  /**
   * Cross-lead check (multi-lead only): a candidate that a trusted lead (one that showed the previous
   * beat, with a fusion weight at least half the best lead's) does not show at all (normalised feature below this within ±0.1 s), that comes
   * no later than the mean RR and matches the shape of none of the recent beats, is not a QRS. Default 0.05.
   */
  silentLeadLevel: number;
  /** Shape match (correlation with the closest recent beat) below which the cross-lead check rejects. Default 0.6. */
  minShapeMatch: number;
  /**
   * Search-back rejects a candidate whose out-of-band energy ratio (see `outOfBandRatio`) is more
   * than this many times that of the recent beats in every lead: a bump that small and that rough
   * is the noise floor, not a missed QRS. Default 4.
   */
  searchBackNoise: number;
  /**
   * A candidate above the threshold is an artefact when its out-of-band ratio is more than this many
   * times the recent beats' in every lead, it is less steep than they are, and its shape match is
   * below roughShapeMatch. Default 4.
   */
  roughArtefact: number;
  /** See roughArtefact. Default 0.7. */
  roughShapeMatch: number;
  /** Drop artefacts interpolated in a regular rhythm (`interpolated.ts`). Default true. */
  rhythmCheck: boolean;
  /**
   * Candidates in the first this many s are not beats: the filters' start-up transient (and a
   * complex cut by the start of the record) cannot be told from a QRS. Default 0.1.
   */
  startS: number;
}

export const DEFAULT_QRS_OPTIONS: QrsDetectorOptions = {
  ...DEFAULT_FEATURE_OPTIONS, refractoryS: 0.2, tWaveS: 0.36, tWaveShapeMatch: 0.9, searchBackRr: 1.66, locateS: 0.08, thresholdFraction: 0.25, twoPass: true,
  silentLeadLevel: 0.05, minShapeMatch: 0.6, searchBackNoise: 4, roughArtefact: 4, roughShapeMatch: 0.7, rhythmCheck: true, startS: 0.1,
};

export interface QrsDetection {
  sampleRateHz: number;
  /** Sample indices of the detected R peaks, ascending. */
  beats: number[];
  /** Indices of the input leads that were used (flat ones are left out). */
  leadsUsed: number[];
}

interface Candidate { p: number; h: number }

/** How a beat of the last threshold pass was accepted: threshold level, search-back, height vs threshold, shape match with recent beats. */
export interface QrsTraceBeat { p: number; via: 'threshold' | 'searchBack'; h: number; thr: number; match: number }

/** A lead whose normalised feature stays under this (0.1 % of its QRS scale) is a flat line, not a quiet lead. */
const DEAD_LEAD = 1e-3;

/**
 * Detects QRS complexes in one or more simultaneous leads (same rate and length; counts or µV,
 * scale does not matter). Throws the signal's reason when `signal` aborts. `trace`, when given,
 * receives how each beat of the last threshold pass was accepted (sample before the fiducial is
 * placed and before the interpolation check; for diagnosing errors, e.g. against annotations).
 */
export function detectQrs(
  leads: readonly ArrayLike<number>[], sampleRateHz: number, options: Partial<QrsDetectorOptions> = {}, signal?: AbortSignal,
  trace?: QrsTraceBeat[],
): QrsDetection {
  const o = { ...DEFAULT_QRS_OPTIONS, ...options };
  signal?.throwIfAborted();
  const n = leads.reduce((m, l) => Math.max(m, l.length), 0);
  const per = leadFeatures(leads, sampleRateHz, o);
  const r = Math.round(o.refractoryS * sampleRateHz);
  let f = fuse(per, n);
  let raw = thresholdPeaks(candidatePeaks(f.integrated, r), f, sampleRateHz, o, o.twoPass && per.length > 1 ? undefined : trace);
  if (o.twoPass && per.length > 1) {
    // Second pass with each lead weighted by how well it agreed with the first pass's beats.
    signal?.throwIfAborted();
    f = fuse(per, n, leadQuality(per, raw, n, sampleRateHz));
    raw = thresholdPeaks(candidatePeaks(f.integrated, r), f, sampleRateHz, o, trace);
  }
  if (o.rhythmCheck) raw = dropInterpolatedArtefacts(raw, f.leads, sampleRateHz);
  return { sampleRateHz, beats: locate(raw, f, sampleRateHz, o), leadsUsed: per.map((l) => l.index) };
}

/** Local maxima of x that are also the highest point within ±r samples. */
function candidatePeaks(x: Float64Array, r: number): Candidate[] {
  const local: Candidate[] = [];
  for (let i = 1; i < x.length - 1; i++) {
    const v = x[i] ?? 0;
    if (v > (x[i - 1] ?? 0) && v >= (x[i + 1] ?? 0)) local.push({ p: i, h: v });
  }
  return local.filter((c, k) => {
    for (let j = k - 1; j >= 0 && c.p - (local[j]?.p ?? 0) <= r; j--) if ((local[j]?.h ?? 0) > c.h) return false;
    for (let j = k + 1; j < local.length && (local[j]?.p ?? 0) - c.p <= r; j++) if ((local[j]?.h ?? 0) >= c.h) return false;
    return true;
  });
}

function maxIn(x: Float64Array, from: number, to: number): number {
  let m = 0;
  for (let i = Math.max(0, from); i <= Math.min(x.length - 1, to); i++) m = Math.max(m, x[i] ?? 0);
  return m;
}

/** The adaptive dual-threshold pass with search-back (Pan–Tompkins §III). */
function thresholdPeaks(peaks: Candidate[], f: QrsFeatures, fs: number, o: QrsDetectorOptions, trace?: QrsTraceBeat[]): number[] {
  const x = f.integrated;
  const learn = Math.min(x.length, Math.round(2 * fs));
  let mean = 0;
  for (let i = 0; i < learn; i++) mean += x[i] ?? 0;
  mean /= Math.max(1, learn);
  const start = Math.round(o.startS * fs);
  let spki = 0.5 * maxIn(x, start, learn - 1);
  let npki = 0.5 * mean;
  const thr1 = (): number => npki + o.thresholdFraction * (spki - npki);
  const halfQrs = Math.round(o.locateS * fs);
  const slopeAt = (p: number): number => maxIn(f.slope, p - halfQrs, p + halfQrs);
  const refractory = o.refractoryS * fs;
  const tWave = o.tWaveS * fs;
  const beats: number[] = [];
  const rr: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  let lastSlope = 0;
  let noise: Candidate[] = [];
  const memory = new BeatMemory(f.leads, fs);
  // Which leads showed the last accepted beat: only they are trusted to vouch that nothing happened.
  const sawLast = new Uint8Array(f.leads.length);
  const near = Math.round(0.1 * fs);
  const meanRr = (): number => (rr.length === 0 ? fs : rr.reduce((a, b) => a + b, 0) / rr.length);
  // Out-of-band energy ratio of the recent beats, per lead (a ring of the last 8).
  const roughHalf = Math.max(1, Math.round(0.06 * fs));
  const rough = (p: number): number[] => f.leads.map((l) => outOfBandRatio(l, p - roughHalf, p + roughHalf));
  const recentRough: number[][] = [];
  /** How many times rougher than the recent beats the window at p is, in its smoothest usable lead (NaN: unknown). */
  const roughness = (p: number): number => {
    if (recentRough.length < 3) return Number.NaN;
    const now = rough(p);
    let m = Number.POSITIVE_INFINITY;
    now.forEach((v, k) => {
      const ref = median(recentRough.map((r) => r[k] ?? Number.NaN).filter((x) => Number.isFinite(x)));
      const dead = maxIn(f.leads[k]?.normalised ?? new Float64Array(0), p - near, p + near) < DEAD_LEAD;
      if (Number.isFinite(v) && ref > 0 && !dead) m = Math.min(m, v / ref);
    });
    return Number.isFinite(m) ? m : Number.NaN;
  };

  // Steepest slope of each lead near p (normalised), summed: how sharp the complex is.
  const steepness = (p: number): number => f.leads.reduce((a, l) => a + maxIn(l.slope, p - roughHalf, p + roughHalf), 0);
  const recentSteep: number[] = [];
  // Muscle or electrode noise that reaches the threshold: far rougher than the recent beats in every
  // lead, no steeper than they are, and shaped like none of them. A real complex, even an ectopic
  // one, is smooth for its band (a wide one is less steep but not rough).
  const roughArtefact = (c: Candidate): boolean =>
    roughness(c.p) > o.roughArtefact && steepness(c.p) < median(recentSteep) && memory.bestCorrelation(c.p) < o.roughShapeMatch;
  const accept = (c: Candidate, rate: number): void => {
    trace?.push({ p: c.p, via: rate === 0.125 ? 'threshold' : 'searchBack', h: c.h, thr: thr1(), match: memory.bestCorrelation(c.p) });
    // Cap the update so one artefact cannot lift the threshold above the real beats.
    spki = rate * Math.min(c.h, 3 * spki) + (1 - rate) * spki;
    if (Number.isFinite(last)) {
      rr.push(c.p - last);
      if (rr.length > 8) rr.shift();
    }
    last = c.p;
    lastSlope = slopeAt(c.p);
    memory.remember(c.p);
    recentRough.push(rough(c.p));
    if (recentRough.length > 8) recentRough.shift();
    recentSteep.push(steepness(c.p));
    if (recentSteep.length > 8) recentSteep.shift();
    f.leads.forEach((l, k) => { sawLast[k] = maxIn(l.normalised, c.p - near, c.p + near) >= 0.3 ? 1 : 0; });
    beats.push(c.p);
    noise = noise.filter((n) => n.p > c.p);
  };
  // The T wave ends with the QT interval, which shortens with the rate (Bazett: QT ∝ √RR). Inside
  // the rate-corrected window a bump with less than half the last beat's slope is its T wave; later
  // (a fast rhythm: AF, VT) it still is unless it has the shape of a recent beat.
  const isTWave = (c: Candidate): boolean => {
    if (c.p - last >= tWave || slopeAt(c.p) >= 0.5 * lastSlope) return false;
    if (c.p - last < tWave * Math.min(1, Math.sqrt(meanRr() / fs))) return true;
    return !(memory.bestCorrelation(c.p) >= o.tWaveShapeMatch);
  };
  // A depolarisation of the ventricles shows in every lead that is recording well; a T or P wave,
  // or an artefact, may fill one lead and leave another flat. Only then is the (costlier) shape
  // compared: an ectopic beat that is isoelectric in one lead still looks like earlier ectopics.
  const unsupported = (c: Candidate): boolean => {
    if (f.leads.length < 2 || !Number.isFinite(last) || c.p - last > meanRr() || memory.size === 0) return false;
    let top = 0;
    for (const l of f.leads) top = Math.max(top, l.weight[c.p] ?? 0);
    const silent = f.leads.some((l, k) => {
      if (sawLast[k] !== 1 || (l.weight[c.p] ?? 0) < 0.5 * top) return false;
      const v = maxIn(l.normalised, c.p - near, c.p + near);
      // Below DEAD_LEAD the lead is a flat line (lead off, a gap): it says nothing either way.
      return v >= DEAD_LEAD && v < o.silentLeadLevel;
    });
    return silent && !(memory.bestCorrelation(c.p) >= o.minShapeMatch);
  };
  const searchBack = (now: number): void => {
    for (;;) {
      if (!Number.isFinite(last)) return;
      const avg = rr.length === 0 ? fs : rr.reduce((a, b) => a + b, 0) / rr.length;
      if (now - last <= o.searchBackRr * avg) return;
      const thr2 = 0.5 * thr1();
      let best: Candidate | null = null;
      for (const c of noise) {
        if (c.p - last < refractory || c.p >= now || c.h <= thr2 || isTWave(c) || unsupported(c)) continue;
        if (best !== null && c.h <= best.h) continue;
        if (roughness(c.p) > o.searchBackNoise) continue;
        best = c;
      }
      if (best === null) return;
      accept(best, 0.25);
    }
  };

  for (const c of peaks) {
    if (c.p < start) continue;
    searchBack(c.p);
    if (c.p - last < refractory) continue;
    if (c.h > thr1() && !isTWave(c) && !unsupported(c) && !roughArtefact(c)) {
      accept(c, 0.125);
    } else {
      npki = 0.125 * c.h + 0.875 * npki;
      noise.push(c);
    }
  }
  searchBack(x.length);
  return beats;
}

function median(a: number[]): number {
  if (a.length === 0) return Number.NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Moves each detection to the largest band-passed deflection of the lead that carries it best (weighted). */
function locate(raw: number[], f: QrsFeatures, fs: number, o: QrsDetectorOptions): number[] {
  const w = Math.round(o.locateS * fs);
  const out: number[] = [];
  const x = f.integrated;
  const sum = new Float64Array(2 * w + 1);
  for (const p of raw) {
    // Anchor: the peak of the fused QRS energy, the same point of the complex whatever lead is best.
    let anchor = p;
    let m = -1;
    for (let i = Math.max(0, p - w); i <= Math.min(x.length - 1, p + w); i++) {
      const v = x[i] ?? 0;
      if (v > m) { m = v; anchor = i; }
    }
    // Then the largest deflection by consensus of the leads (each scaled to its own peak here and
    // weighted by how well it shows the beat), so one lead's S wave cannot pull the fiducial off R.
    sum.fill(0);
    for (const l of f.leads) {
      const bp = l.bandPassed;
      let peak = 0;
      for (let i = -w; i <= w; i++) peak = Math.max(peak, Math.abs(bp[anchor + i] ?? 0));
      if (!(peak > 0)) continue;
      const g = ((l.normalised[anchor] ?? 0) * (l.weight[anchor] ?? 0)) / peak;
      for (let i = -w; i <= w; i++) sum[i + w] = (sum[i + w] ?? 0) + g * Math.abs(bp[anchor + i] ?? 0);
    }
    let at = anchor;
    m = -1;
    for (let i = -w; i <= w; i++) {
      const v = sum[i + w] ?? 0;
      if (v > m && anchor + i >= 0 && anchor + i < x.length) { m = v; at = anchor + i; }
    }
    const prev = out[out.length - 1];
    if (prev !== undefined && at - prev < o.refractoryS * fs * 0.5) continue;

    out.push(at);
  }
  return out;
}
