import { gaussian, mulberry32, type Rng } from '../../protocols/random.js';
import { primaryCode, type VitalParameter } from '../../protocols/vitals/index.js';
import { MonitorAlarms } from './monitor-alarms.js';
import { physStateAt } from './scenario-trajectories.js';
import type {
  MonitorAlarm, NumericsFrame, PhysState, ScenarioName, ScenarioNumeric, ScenarioOptions, ScenarioStep, TechnicalEvent,
  WaveChannel, WaveformBlock,
} from './scenario-types.js';
import { WAVE_CHANNELS, WaveformSynth } from './waveforms.js';

/** Numerics are produced once a second, at whole seconds of monitor time. */
export const NUMERICS_PERIOD_MS = 1000;
/** The first NIBP cycle ends this many scenario seconds after the start. */
const NIBP_FIRST_S = 5;

const LABELS: Record<VitalParameter, string> = {
  HR: 'HR', PR: 'PR', SPO2: 'SpO2', NIBP_SYS: 'NIBP sys', NIBP_DIA: 'NIBP dia', NIBP_MEAN: 'NIBP mean',
  IBP_SYS: 'ART sys', IBP_DIA: 'ART dia', IBP_MEAN: 'ART mean', RR: 'RR', TEMP: 'Temp', ETCO2: 'EtCO2',
};

function numeric(parameter: VitalParameter, value: number | null): ScenarioNumeric {
  const c = primaryCode(parameter);
  return { parameter, mdc: c.mdc, refid: c.refid, ucum: c.ucum, label: LABELS[parameter], value };
}

/** Noise processes of the numerics: AR(1) so a value wanders like a real trend, not white. */
const NOISE_SIGMA = { hr: 1.0, pr: 0.6, spo2: 0.35, sys: 1.5, dia: 1.0, rr: 0.6, temp: 0.015, etco2: 0.5 } as const;
type NoiseKey = keyof typeof NOISE_SIGMA;
const NOISE_KEYS = Object.keys(NOISE_SIGMA) as NoiseKey[];
const AR = 0.85;

const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * A patient and their monitor playing one scenario: pure and deterministic. Time is injected:
 * `advance(toMs)` returns what the monitor produced from the previous call's `toMs` (0 at first)
 * up to `toMs`, in milliseconds of monitor time since the start. The output for a seed depends
 * only on the times asked for, not on how they are split into calls.
 */
export class VitalsScenario {
  readonly name: ScenarioName;
  readonly seed: number;
  readonly speed: number;
  private readonly nibpIntervalS: number;
  private nowMs = 0;
  private nextTickMs = 0;
  private online = true;
  private bootCount = 1;
  private probeOff = false;
  private lastNibpCycle = -1;
  private readonly rnd: Rng;
  private readonly noise: Record<NoiseKey, number>;
  private readonly synth: WaveformSynth;
  private readonly alarms = new MonitorAlarms();
  private readonly channels: Record<WaveChannel, { bootStartMs: number; index: number }> = {
    ECG_II: { bootStartMs: 0, index: 0 }, PLETH: { bootStartMs: 0, index: 0 }, CO2: { bootStartMs: 0, index: 0 },
  };

  constructor(opts: ScenarioOptions) {
    this.name = opts.scenario;
    this.seed = opts.seed;
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0 && this.speed <= 1000)) throw new RangeError(`speed must be in (0, 1000], got ${this.speed}`);
    this.nibpIntervalS = opts.nibpIntervalS ?? 180;
    this.rnd = mulberry32(opts.seed);
    this.noise = Object.fromEntries(NOISE_KEYS.map((k) => [k, 0])) as Record<NoiseKey, number>;
    this.synth = new WaveformSynth(opts.seed, (t) => this.stateAtMs(t * 1000));
  }

  /** Monitor time reached by the last advance(), ms. */
  get timeMs(): number {
    return this.nowMs;
  }

  /**
   * The scenario's noiseless state at monitor time `ms`. It changes at whole seconds (numerics
   * ticks), so the waveforms and the numerics switch rhythm, probe and power state together.
   */
  stateAtMs(ms: number): PhysState {
    return physStateAt(this.name, Math.floor(ms / NUMERICS_PERIOD_MS) * (NUMERICS_PERIOD_MS / 1000) * this.speed);
  }

  /** Everything produced in [previous toMs, toMs). `toMs` must not go backwards. */
  advance(toMs: number): ScenarioStep {
    if (!Number.isFinite(toMs)) throw new RangeError('toMs must be finite');
    const fromMs = this.nowMs;
    const numerics: NumericsFrame[] = [];
    const alarms: MonitorAlarm[] = [];
    const events: TechnicalEvent[] = [];
    const waveforms: WaveformBlock[] = [];
    if (toMs > fromMs) {
      while (this.nextTickMs < toMs) {
        this.tick(this.nextTickMs, numerics, alarms, events);
        this.nextTickMs += NUMERICS_PERIOD_MS;
      }
      for (const ch of ['ECG_II', 'PLETH', 'CO2'] as const) this.wave(ch, toMs, waveforms);
      this.synth.prune(toMs / 1000);
      this.nowMs = toMs;
    }
    return { fromMs, toMs: this.nowMs, online: this.online, bootCount: this.bootCount, numerics, waveforms, alarms, events };
  }

  private tick(tMs: number, frames: NumericsFrame[], alarms: MonitorAlarm[], events: TechnicalEvent[]): void {
    const s = this.stateAtMs(tMs);
    // The same number of draws every tick, online or not, so a reboot does not shift the noise.
    for (const k of NOISE_KEYS) this.noise[k] = AR * this.noise[k] + NOISE_SIGMA[k] * gaussian(this.rnd);
    const cuffNoise = [gaussian(this.rnd), gaussian(this.rnd)] as const;
    if (s.online !== this.online) {
      this.online = s.online;
      events.push({ tMs, kind: s.online ? 'reboot-end' : 'reboot-start' });
      if (s.online) {
        this.bootCount += 1;
        this.alarms.reboot(tMs, s.rhythm);
        this.probeOff = false;
      }
    }
    if (!this.online) return;
    if (s.probeOff !== this.probeOff) {
      this.probeOff = s.probeOff;
      events.push({ tMs, kind: s.probeOff ? 'probe-off' : 'probe-on' });
    }
    this.alarms.probe(tMs, s.probeOff, alarms);
    const row = this.numericsOf(tMs, s, cuffNoise);
    frames.push({ tMs, numerics: row });
    this.alarms.rhythmTick(tMs, s.rhythm, alarms);
    this.alarms.evaluate(tMs, row, alarms);
  }

  private numericsOf(tMs: number, s: PhysState, cuffNoise: readonly [number, number]): ScenarioNumeric[] {
    const n = this.noise;
    const pulsatile = s.perfusion > 0.15;
    const hr = s.rhythm === 'vf' ? null : s.rhythm === 'asystole' ? 0 : Math.round(s.hr + n.hr);
    const sys = s.sys + n.sys;
    const dia = Math.min(s.dia + n.dia, sys - 2);
    const out = [
      numeric('HR', hr),
      numeric('PR', pulsatile && !s.probeOff ? Math.round(s.hr + n.hr + n.pr) : null),
      numeric('SPO2', pulsatile && !s.probeOff ? Math.min(100, Math.round(s.spo2 + n.spo2)) : null),
      numeric('IBP_SYS', Math.round(sys)),
      numeric('IBP_DIA', Math.round(dia)),
      numeric('IBP_MEAN', Math.round(dia + (sys - dia) / 3)),
      numeric('RR', Math.max(0, Math.round(s.rr + n.rr))),
      numeric('TEMP', round1(s.temp + n.temp)),
      numeric('ETCO2', Math.max(0, Math.round(s.etco2 + n.etco2))),
    ];
    const scenarioS = (tMs / 1000) * this.speed;
    const cycle = scenarioS >= NIBP_FIRST_S ? Math.floor((scenarioS - NIBP_FIRST_S) / this.nibpIntervalS) : -1;
    if (cycle > this.lastNibpCycle) {
      this.lastNibpCycle = cycle;
      // The cuff reads a little below the arterial line's systolic and above its diastolic;
      // with no pulse the oscillometric measurement fails and the monitor shows "---".
      const nSys = pulsatile ? Math.round(sys - 3 + 3 * cuffNoise[0]) : null;
      const nDia = pulsatile ? Math.round(dia + 2 + 2 * cuffNoise[1]) : null;
      out.push(numeric('NIBP_SYS', nSys), numeric('NIBP_DIA', nDia),
        numeric('NIBP_MEAN', nSys === null || nDia === null ? null : Math.round(nDia + (nSys - nDia) / 3)));
    }
    return out;
  }

  private wave(ch: WaveChannel, toMs: number, out: WaveformBlock[]): void {
    const def = WAVE_CHANNELS[ch];
    const c = this.channels[ch];
    const periodMs = 1000 / def.rateHz;
    let block: { tMs: number; first: number; samples: number[] } | null = null;
    const flush = (): void => {
      if (block !== null && block.samples.length > 0) {
        out.push({ channel: ch, mdc: def.mdc, refid: def.refid, rateHz: def.rateHz, firstSampleIndex: block.first, tMs: block.tMs, ucum: def.ucum, scale: def.scale, samples: block.samples });
      }
      block = null;
    };
    let t = c.bootStartMs + c.index * periodMs;
    while (t < toMs) {
      if (!this.stateAtMs(t).online) {
        // Silent while rebooting; the rebooted monitor numbers its samples from 0 again.
        flush();
        let next = (Math.floor(t / NUMERICS_PERIOD_MS) + 1) * NUMERICS_PERIOD_MS;
        while (next < toMs && !this.stateAtMs(next).online) next += NUMERICS_PERIOD_MS;
        c.bootStartMs = next;
        c.index = 0;
        t = next;
        continue;
      }
      block ??= { tMs: t, first: c.index, samples: [] };
      block.samples.push(this.synth.sample(ch, t / 1000));
      c.index += 1;
      t = c.bootStartMs + c.index * periodMs;
    }
    flush();
  }
}

/** The engine's entry point for simulators (MQTT monitor, HL7 PCD-01 sender). */
export function createScenario(opts: ScenarioOptions): VitalsScenario {
  return new VitalsScenario(opts);
}
