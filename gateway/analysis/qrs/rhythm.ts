// Rate and rhythm from beat positions: heart rate, RR irregularity and pauses.

export interface RhythmOptions {
  /** An RR interval at least this long (s) is reported as a pause. Default 2.0. */
  pauseS: number;
  /** Normalised RMSSD above which the rhythm is called irregular. Default 0.1. */
  irregularRmssd: number;
}

export const DEFAULT_RHYTHM_OPTIONS: RhythmOptions = { pauseS: 2.0, irregularRmssd: 0.1 };

export interface Pause {
  /** Sample index of the beat before the pause. */
  startSample: number;
  /** Length of the pause in seconds. */
  durationS: number;
}

export interface RhythmSummary {
  beatCount: number;
  /** Median heart rate in beats per minute (null with fewer than two beats). */
  heartRateBpm: number | null;
  /** Mean heart rate over the span from first to last beat, bpm. */
  meanHeartRateBpm: number | null;
  /** Shortest and longest RR intervals in seconds. */
  minRrS: number | null;
  maxRrS: number | null;
  /** RMSSD of successive RR intervals divided by the mean RR (dimensionless). */
  rmssdRatio: number | null;
  /** True when rmssdRatio exceeds the irregularity threshold (suggests AF or frequent ectopy). */
  irregular: boolean;
  pauses: Pause[];
}

/** Summarises the rhythm of ascending beat sample indices recorded at `fs` Hz. */
export function analyseRhythm(beats: readonly number[], fs: number, options: Partial<RhythmOptions> = {}): RhythmSummary {
  const o = { ...DEFAULT_RHYTHM_OPTIONS, ...options };
  const rr: number[] = [];
  for (let i = 1; i < beats.length; i++) rr.push(((beats[i] ?? 0) - (beats[i - 1] ?? 0)) / fs);
  if (rr.length === 0) {
    return { beatCount: beats.length, heartRateBpm: null, meanHeartRateBpm: null, minRrS: null, maxRrS: null, rmssdRatio: null, irregular: false, pauses: [] };
  }
  const sorted = [...rr].sort((a, b) => a - b);
  const median = sorted.length % 2 === 1
    ? (sorted[sorted.length >> 1] ?? 0)
    : ((sorted[sorted.length / 2 - 1] ?? 0) + (sorted[sorted.length / 2] ?? 0)) / 2;
  const mean = rr.reduce((a, b) => a + b, 0) / rr.length;
  let ss = 0;
  for (let i = 1; i < rr.length; i++) ss += ((rr[i] ?? 0) - (rr[i - 1] ?? 0)) ** 2;
  const rmssdRatio = rr.length < 2 ? null : Math.sqrt(ss / (rr.length - 1)) / mean;
  const pauses: Pause[] = [];
  rr.forEach((d, i) => { if (d >= o.pauseS) pauses.push({ startSample: beats[i] ?? 0, durationS: d }); });
  return {
    beatCount: beats.length,
    heartRateBpm: 60 / median,
    meanHeartRateBpm: 60 / mean,
    minRrS: sorted[0] ?? null,
    maxRrS: sorted[sorted.length - 1] ?? null,
    rmssdRatio,
    irregular: rmssdRatio !== null && rmssdRatio > o.irregularRmssd,
    pauses,
  };
}
