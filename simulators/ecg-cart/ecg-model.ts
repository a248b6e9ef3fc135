import { CART_LEADS } from '../../protocols/ecg-cart/index.js';
import { LEAD_DIRECTIONS, pvcBeat, sinusBeat, stemiWaves, type Wave } from './dipole.js';
import { gaussian, mulberry32 } from './prng.js';

export type Rhythm = 'sinus' | 'af' | 'pvc' | 'stemi';
export const RHYTHMS: readonly Rhythm[] = ['sinus', 'af', 'pvc', 'stemi'];

/** Options of the synthetic 18-lead ECG. Amplitudes in mV. */
export interface EcgModelOptions {
  readonly seed: number;
  /** 500 or 1000 Hz. Default 500. */
  readonly sampleRateHz?: 500 | 1000;
  /** Default 'sinus'. */
  readonly rhythm?: Rhythm;
  /** Mean heart rate, beats/min. Default 72. */
  readonly hrBpm?: number;
  /** µV per count of the output. Default 1. */
  readonly uvPerCount?: number;
  /** Baseline wander amplitude (0.15–0.3 Hz). Default 0.1 mV. */
  readonly wanderMv?: number;
  /** Mains hum amplitude. Default 0.02 mV. */
  readonly mainsMv?: number;
  /** Mains frequency. Default 50 Hz. */
  readonly mainsHz?: number;
  /** Muscle (EMG) noise σ. Default 0.01 mV. */
  readonly muscleMv?: number;
}

interface Beat { readonly tR: number; readonly waves: readonly Wave[] }

const MEASURED = ['I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V3R', 'V4R', 'V5R'] as const;

/**
 * Streaming 18-lead ECG generator, deterministic per seed. `next(n)` returns the next n samples of
 * every lead in CART_LEADS order, lead-major, as counts. Derived leads are computed from I and II
 * exactly as the cart does, so Einthoven's law holds sample by sample.
 */
export class EcgModel {
  readonly sampleRateHz: 500 | 1000;
  readonly uvPerCount: number;
  private readonly rhythm: Rhythm;
  private readonly rnd: () => number;
  private readonly beats: Beat[] = [];
  private nextBeatT = 0.5;
  private index = 0;
  private leadOff = 0;
  /** Seconds of waveform produced before the last rewind. */
  private timeOffset = 0;
  private readonly phase: Record<string, { wander: number; wanderHz: number; mains: number }> = {};
  private readonly afPhase: number[];

  constructor(private readonly o: EcgModelOptions) {
    this.sampleRateHz = o.sampleRateHz ?? 500;
    this.uvPerCount = o.uvPerCount ?? 1;
    this.rhythm = o.rhythm ?? 'sinus';
    this.rnd = mulberry32(o.seed);
    for (const l of MEASURED) this.phase[l] = { wander: this.rnd() * 6.283, wanderHz: 0.15 + this.rnd() * 0.15, mains: this.rnd() * 6.283 };
    this.afPhase = [this.rnd() * 6.283, this.rnd() * 6.283, this.rnd() * 6.283];
  }

  /** Sample index of the next sample `next()` returns. */
  get sampleIndex(): number { return this.index; }

  /** Restarts sample numbering at 0 (the waveform itself continues). */
  rewindIndex(): void {
    this.timeOffset += this.index / this.sampleRateHz;
    this.index = 0;
  }

  /** Bit i set: lead i (CART_LEADS order) is disconnected and reads 0. */
  setLeadOff(bitmap: number): void { this.leadOff = bitmap >>> 0; }
  get leadOffBitmap(): number { return this.leadOff; }

  /** Times of the R peaks generated so far, seconds from the start. */
  get beatTimes(): number[] { return this.beats.map((b) => b.tR); }

  next(n: number): Int16Array {
    const out = new Int16Array(CART_LEADS.length * n);
    const fs = this.sampleRateHz;
    for (let i = 0; i < n; i++) {
      const t = this.timeOffset + (this.index + i) / fs;
      this.scheduleUntil(t + 1);
      const d = this.dipole(t);
      const uv: Record<string, number> = {};
      for (const lead of MEASURED) {
        const dir = LEAD_DIRECTIONS[lead]!;
        const ph = this.phase[lead]!;
        const noise =
          (this.o.wanderMv ?? 0.1) * Math.sin(2 * Math.PI * ph.wanderHz * t + ph.wander) +
          (this.o.mainsMv ?? 0.02) * Math.sin(2 * Math.PI * (this.o.mainsHz ?? 50) * t + ph.mains) +
          (this.o.muscleMv ?? 0.01) * gaussian(this.rnd);
        uv[lead] = (d[0] * dir[0] + d[1] * dir[1] + d[2] * dir[2] + noise) * 1000;
      }
      const counts = (l: string): number => clamp(Math.round(uv[l]! / this.uvPerCount));
      const I = counts('I');
      const II = counts('II');
      // Einthoven / Goldberger: III = II − I, aVR = −(I+II)/2, aVL = I − II/2, aVF = II − I/2.
      const derived: Record<string, number> = {
        I, II, III: clamp(II - I), aVR: clamp(Math.round(-(I + II) / 2)), aVL: clamp(Math.round(I - II / 2)), aVF: clamp(Math.round(II - I / 2)),
      };
      CART_LEADS.forEach((name, l) => {
        out[l * n + i] = (this.leadOff >>> l) & 1 ? 0 : (derived[name] ?? counts(name));
      });
    }
    this.index += n;
    // Beats more than 2 s in the past no longer contribute.
    const horizon = this.timeOffset + this.index / fs - 2;
    while (this.beats.length > 0 && this.beats[0]!.tR < horizon) this.beats.shift();
    return out;
  }

  private scheduleUntil(t: number): void {
    const meanRr = 60 / (this.o.hrBpm ?? 72);
    while (this.nextBeatT < t) {
      const tR = this.nextBeatT;
      let rr: number;
      let waves: Wave[];
      switch (this.rhythm) {
        case 'af':
          // Irregularly irregular: RR drawn uniformly in ±35 % of the mean, no P waves.
          rr = meanRr * (0.65 + 0.7 * this.rnd());
          waves = sinusBeat(rr, false);
          break;
        case 'pvc':
          if (this.rnd() < 0.12) {
            // The PVC comes early; the full compensatory pause follows it.
            // The sinus beat it pre-empts is not conducted: a full compensatory pause.
            this.beats.push({ tR: tR - 0.35 * meanRr, waves: pvcBeat() });
            rr = this.hrvRr(meanRr, tR);
            waves = [];
            break;
          }
          rr = this.hrvRr(meanRr, tR);
          waves = sinusBeat(rr, true);
          break;
        case 'stemi':
          rr = this.hrvRr(meanRr, tR);
          waves = [...sinusBeat(rr, true), ...stemiWaves(rr)];
          break;
        default:
          rr = this.hrvRr(meanRr, tR);
          waves = sinusBeat(rr, true);
      }
      this.beats.push({ tR, waves });
      this.beats.sort((a, b) => a.tR - b.tR);
      this.nextBeatT = tR + rr;
    }
  }

  /** Heart-rate variability: respiratory sinus arrhythmia (0.25 Hz), Mayer waves (0.1 Hz), jitter. */
  private hrvRr(meanRr: number, t: number): number {
    return meanRr * (1 + 0.04 * Math.sin(2 * Math.PI * 0.25 * t) + 0.02 * Math.sin(2 * Math.PI * 0.1 * t) + 0.01 * gaussian(this.rnd));
  }

  private dipole(t: number): [number, number, number] {
    const d: [number, number, number] = [0, 0, 0];
    for (const b of this.beats) {
      const dt = t - b.tR;
      if (dt < -0.4 || dt > 0.8) continue;
      for (const w of b.waves) {
        const x = (dt - w.at) / w.sigma;
        if (x * x > 30) continue;
        const g = Math.exp(-0.5 * x * x);
        d[0] += w.v[0] * g; d[1] += w.v[1] * g; d[2] += w.v[2] * g;
      }
    }
    if (this.rhythm === 'af') {
      // Fibrillatory waves: 4–8 Hz, mostly seen in V1 (anterior-right).
      const f = 0.05 * Math.sin(2 * Math.PI * 5.3 * t + this.afPhase[0]!) + 0.03 * Math.sin(2 * Math.PI * 6.7 * t + this.afPhase[1]!) + 0.02 * Math.sin(2 * Math.PI * 7.9 * t + this.afPhase[2]!);
      d[0] -= 0.3 * f; d[1] += 0.4 * f; d[2] += 0.9 * f;
    }
    return d;
  }
}

function clamp(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}
