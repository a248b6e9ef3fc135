import { gaussian, mulberry32, type Rng } from '../../protocols/random.js';
import type { PhysState, Rhythm, WaveChannel } from './scenario-types.js';

// The three live waveforms, shaped from one beat train and one breath train so the ECG, the pleth
// and the capnogram agree with each other and with the numerics: every pleth pulse follows an R
// wave by the pulse transit time; pulseless rhythms have no pleth; breaths follow RR.

/** Channel constants: sample rate, MDC code and the counts' unit. */
export const WAVE_CHANNELS: Readonly<Record<WaveChannel, { rateHz: number; mdc: number; refid: string; ucum: string; scale: number }>> = {
  // 131330 = partition 2 (ECG) × 65536 + 258 (MDC_ECG_ELEC_POTL_II); counts are µV.
  ECG_II: { rateHz: 500, mdc: 131330, refid: 'MDC_ECG_ELEC_POTL_II', ucum: 'mV', scale: 0.001 },
  // Plethysmogram, dimensionless (RTMMS: MDC_DIM_DIMLESS, UCUM "1"), counts of 1/1000.
  PLETH: { rateHz: 125, mdc: 150452, refid: 'MDC_PULS_OXIM_PLETH', ucum: '1', scale: 0.001 },
  // Airway CO2 partial pressure, counts of 0.1 mm[Hg]. 25 Hz is what transport capnographs send.
  CO2: { rateHz: 25, mdc: 151724, refid: 'MDC_AWAY_CO2', ucum: 'mm[Hg]', scale: 0.1 },
};

interface Beat {
  readonly t: number;
  readonly rhythm: Rhythm;
  /** R-R interval that ends at this beat, s (QT scales with it). */
  readonly rr: number;
  readonly perfusion: number;
}

interface Breath {
  readonly t: number;
  readonly period: number;
  readonly etco2: number;
}

/** exp(-x²/2σ²): one wave of the ECG or pleth. */
function g(x: number, sigma: number): number {
  return Math.exp(-(x * x) / (2 * sigma * sigma));
}

/** The ECG of one beat at τ s from its R peak, mV. */
function beatEcg(b: Beat, tau: number): number {
  if (b.rhythm === 'vt') {
    // Monomorphic VT: wide (~160 ms) QRS with a discordant, merged ST-T.
    return 1.5 * g(tau, 0.045) - 0.9 * g(tau - 0.13, 0.06);
  }
  const qt = Math.sqrt(Math.min(Math.max(b.rr, 0.3), 1.6)); // Bazett: QT ∝ √RR
  return 0.15 * g(tau + 0.16, 0.022) - 0.12 * g(tau + 0.028, 0.008) + 1.2 * g(tau, 0.011)
    - 0.3 * g(tau - 0.03, 0.01) + 0.32 * g(tau - 0.26 * qt, 0.05 * qt);
}

/** Pleth pulse at u s from the pulse's foot: systolic peak and dicrotic wave. */
function pulse(u: number): number {
  return g(u - 0.13, 0.055) + 0.38 * g(u - 0.33, 0.07);
}

/** Pulse transit time from R wave to the finger's pulse foot, s. */
const PTT_S = 0.2;

/**
 * Samples of the three channels at any time, from beat and breath trains built lazily in time
 * order. Each train and channel has its own random stream, so the output does not depend on the
 * order or size of the requests, only on the seed and the times asked for.
 */
export class WaveformSynth {
  private readonly beats: Beat[] = [];
  private readonly breaths: Breath[] = [];
  private nextBeatT: number;
  private nextBreathT: number;
  private readonly beatRnd: Rng;
  private readonly breathRnd: Rng;
  private readonly noise: Record<WaveChannel, Rng>;
  private readonly vfPhase: readonly number[];
  private readonly wanderPhase: number;

  /** @param stateAt the scenario's state at waveform time `t` seconds */
  constructor(seed: number, private readonly stateAt: (t: number) => PhysState) {
    const base = mulberry32(seed ^ 0x5eed_7a11);
    const sub = (): Rng => mulberry32(Math.floor(base() * 2 ** 32));
    this.beatRnd = sub();
    this.breathRnd = sub();
    this.noise = { ECG_II: sub(), PLETH: sub(), CO2: sub() };
    const r = sub();
    this.vfPhase = [r() * 6.283, r() * 6.283, r() * 6.283];
    this.wanderPhase = r() * 6.283;
    this.nextBeatT = 0.3 + this.beatRnd() * 0.5;
    this.nextBreathT = this.breathRnd() * 2;
  }

  /** Sample of `channel` at `t` s, in integer counts of WAVE_CHANNELS[channel].scale. */
  sample(channel: WaveChannel, t: number): number {
    switch (channel) {
      case 'ECG_II': return Math.round(this.ecgMv(t) * 1000);
      case 'PLETH': return Math.round(this.pleth(t) * 1000);
      case 'CO2': return Math.max(0, Math.round(this.co2(t) * 10));
    }
  }

  /** Forgets beats and breaths older than `t` − 2 s (no channel will ask before `t` again). */
  prune(t: number): void {
    while (this.beats.length > 2 && this.beats[1]!.t < t - 2) this.beats.shift();
    while (this.breaths.length > 2 && this.breaths[1]!.t < t - 12) this.breaths.shift();
  }

  private growBeats(until: number): void {
    while (this.nextBeatT <= until) {
      const t = this.nextBeatT;
      const s = this.stateAt(t);
      if (s.rhythm === 'vf' || s.rhythm === 'asystole' || s.hr <= 0) {
        this.nextBeatT = t + 0.25; // no organised beats; look again shortly
        continue;
      }
      const mean = 60 / s.hr;
      // Sinus has respiratory HRV (a few %); VT is metronomic.
      const rr = mean * (1 + (s.rhythm === 'sinus' ? 0.025 : 0.004) * gaussian(this.beatRnd));
      const prev = this.beats[this.beats.length - 1];
      this.beats.push({ t, rhythm: s.rhythm, rr: prev === undefined ? mean : t - prev.t, perfusion: s.perfusion });
      this.nextBeatT = t + Math.max(rr, 0.2);
    }
  }

  private growBreaths(until: number): void {
    while (this.nextBreathT <= until) {
      const t = this.nextBreathT;
      const s = this.stateAt(t);
      if (s.rr < 1) {
        this.nextBreathT = t + 1;
        continue;
      }
      const period = (60 / s.rr) * (1 + 0.05 * gaussian(this.breathRnd));
      this.breaths.push({ t, period: Math.max(period, 0.8), etco2: s.etco2 });
      this.nextBreathT = t + Math.max(period, 0.8);
    }
  }

  private ecgMv(t: number): number {
    this.growBeats(t + 1);
    const s = this.stateAt(t);
    let v = 0;
    for (const b of this.beats) {
      const tau = t - b.t;
      if (tau < -0.5) break;
      if (tau < 0.9) v += beatEcg(b, tau);
    }
    if (s.rhythm === 'vf') {
      // Coarse VF: 4-7 Hz chaotic undulation with a slowly varying envelope, no QRS.
      const [a, b, c] = this.vfPhase as [number, number, number];
      const env = 0.35 + 0.15 * Math.sin(2 * Math.PI * 0.3 * t + a);
      v += env * (Math.sin(2 * Math.PI * 4.3 * t + a) + 0.7 * Math.sin(2 * Math.PI * 5.6 * t + b) + 0.5 * Math.sin(2 * Math.PI * 6.9 * t + c)) / 1.6;
    }
    // Baseline wander at breathing frequency and electrode/EMG noise.
    v += 0.05 * Math.sin(2 * Math.PI * 0.25 * t + this.wanderPhase) + 0.012 * gaussian(this.noise.ECG_II);
    return v;
  }

  private pleth(t: number): number {
    this.growBeats(t + 1);
    const noise = 0.004 * gaussian(this.noise.PLETH);
    if (this.stateAt(t).probeOff) return 0;
    let v = 0;
    for (const b of this.beats) {
      const u = t - b.t - PTT_S;
      if (u < -0.3) break;
      if (u < 1.0 && b.perfusion > 0) v += b.perfusion * pulse(u);
    }
    return 0.05 + 0.8 * v + noise;
  }

  private co2(t: number): number {
    this.growBreaths(t + 12);
    let i = this.breaths.length - 1;
    while (i >= 0 && this.breaths[i]!.t > t) i--;
    const noise = 0.15 * gaussian(this.noise.CO2);
    const b = this.breaths[i];
    if (b === undefined) return noise;
    const since = t - b.t;
    const insp = 0.4 * b.period;
    const prevEnd = this.breaths[i - 1]?.etco2 ?? 0;
    if (since < insp) {
      // Inspiration: CO2-free gas washes the sensor within ~0.1 s.
      return prevEnd * Math.exp(-since / 0.06) + noise;
    }
    if (since > b.period * 1.5) return noise; // apnoea past the expected next breath
    const x = Math.min((since - insp) / (b.period - insp), 1);
    // Expiration: steep upstroke, then an alveolar plateau rising slightly to EtCO2.
    return b.etco2 * (1 - Math.exp(-(since - insp) / 0.12)) * (0.92 + 0.08 * x) + noise;
  }
}
