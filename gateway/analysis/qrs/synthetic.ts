import { mulberry32 } from '../../../protocols/random.js';
// A deterministic synthetic ECG for tests and benchmarks: each beat is a sum of Gaussian waves
// (P, Q, R, S, T; McSharry et al., IEEE TBME 50(3), 2003, in spirit) placed at given R times.

export interface SyntheticEcgOptions {
  sampleRateHz: number;
  /** R-peak times in seconds. */
  beatTimesS: readonly number[];
  durationS: number;
  /** R amplitude in µV. Default 1000. */
  amplitudeUv?: number;
  /** Multiplies all wave widths (wide QRS when > 1). Default 1. */
  widthScale?: number;
  /** Gaussian noise standard deviation in µV. Default 0. */
  noiseUv?: number;
  /** Baseline wander amplitude in µV (0.3 Hz). Default 0. */
  wanderUv?: number;
  /** Mains interference amplitude in µV (50 Hz). Default 0. */
  mainsUv?: number;
  /** PRNG seed for the noise. Default 1. */
  seed?: number;
}

// [offset s, width s, relative amplitude] of P, Q, R, S, T.
const WAVES: readonly (readonly [number, number, number])[] = [
  [-0.2, 0.025, 0.12], [-0.03, 0.01, -0.12], [0, 0.01, 1], [0.03, 0.01, -0.25], [0.3, 0.05, 0.3],
];


/** Renders the synthetic ECG as integer µV samples. */
export function syntheticEcg(o: SyntheticEcgOptions): Int32Array {
  const fs = o.sampleRateHz;
  const n = Math.round(o.durationS * fs);
  const x = new Float64Array(n);
  const amp = o.amplitudeUv ?? 1000;
  const ws = o.widthScale ?? 1;
  for (const t0 of o.beatTimesS) {
    for (const [off, width, rel] of WAVES) {
      const c = (t0 + off * (off === 0.3 ? 1 : ws)) * fs;
      const w = width * ws * fs;
      for (let i = Math.max(0, Math.floor(c - 5 * w)); i < Math.min(n, Math.ceil(c + 5 * w)); i++) {
        x[i] = (x[i] ?? 0) + amp * rel * Math.exp(-0.5 * ((i - c) / w) ** 2);
      }
    }
  }
  const rnd = mulberry32(o.seed ?? 1);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / fs;
    // Box–Muller for Gaussian noise.
    const g = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
    const v = (x[i] ?? 0) + (o.noiseUv ?? 0) * g + (o.wanderUv ?? 0) * Math.sin(2 * Math.PI * 0.3 * t)
      + (o.mainsUv ?? 0) * Math.sin(2 * Math.PI * 50 * t);
    out[i] = Math.round(v);
  }
  return out;
}

/** Beat times for a regular rhythm at `bpm` from `startS` to `durationS`. */
export function regularBeats(bpm: number, durationS: number, startS = 0.5): number[] {
  const out: number[] = [];
  for (let t = startS; t < durationS - 0.4; t += 60 / bpm) out.push(t);
  return out;
}
