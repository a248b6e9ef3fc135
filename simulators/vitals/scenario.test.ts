import { describe, expect, it } from 'vitest';
import { VITAL_CODES } from '../../protocols/vitals/index.js';
import { createScenario, SCENARIOS, TIMELINE, type ScenarioName, type ScenarioStep, type VitalParameter, type WaveChannel } from './index.js';

type VP = VitalParameter;

/** Runs a scenario from 0 to `untilMs` in steps of `stepMs` and concatenates the steps. */
function run(scenario: ScenarioName, seed: number, untilMs: number, stepMs: number): ScenarioStep[] {
  const sc = createScenario({ scenario, seed });
  const out: ScenarioStep[] = [];
  for (let t = stepMs; t <= untilMs; t += stepMs) out.push(sc.advance(t));
  if (sc.timeMs < untilMs) out.push(sc.advance(untilMs));
  return out;
}

function flat(steps: ScenarioStep[]) {
  const samples: Record<WaveChannel, number[]> = { ECG_II: [], PLETH: [], CO2: [] };
  for (const s of steps) for (const w of s.waveforms) samples[w.channel].push(...w.samples);
  return {
    numerics: steps.flatMap((s) => s.numerics),
    alarms: steps.flatMap((s) => s.alarms),
    events: steps.flatMap((s) => s.events),
    samples,
  };
}

function series(steps: ScenarioStep[], p: VP): (number | null)[] {
  return flat(steps).numerics.flatMap((f) => f.numerics.filter((n) => n.parameter === p).map((n) => n.value));
}

const mean = (xs: (number | null)[]): number => {
  const v = xs.filter((x): x is number => x !== null);
  return v.reduce((a, b) => a + b, 0) / v.length;
};

/** R peaks: local maxima above 0.6 mV at least 150 ms apart (500 Hz, counts are µV). */
function rPeaks(ecg: number[], threshold = 600): number[] {
  const peaks: number[] = [];
  for (let i = 1; i < ecg.length - 1; i++) {
    if (ecg[i]! > threshold && ecg[i]! >= ecg[i - 1]! && ecg[i]! > ecg[i + 1]! && (peaks.length === 0 || i - peaks[peaks.length - 1]! > 75)) peaks.push(i);
  }
  return peaks;
}

describe('scenario engine', () => {
  it('is deterministic for a seed whatever the step sizes, and differs between seeds', () => {
    const a = flat(run('sepsis', 7, 30_000, 40));
    const b = flat(run('sepsis', 7, 30_000, 1000));
    const c = flat(run('sepsis', 7, 30_000, 333));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const other = flat(run('sepsis', 8, 30_000, 40));
    expect(other.samples.ECG_II).not.toEqual(a.samples.ECG_II);
    expect(other.numerics).not.toEqual(a.numerics);
  });

  it('produces 500 / 125 / 25 Hz waveforms and 1 Hz numerics with the MDC codes and UCUM units of protocols/vitals', () => {
    for (const name of SCENARIOS) {
      const steps = run(name, 1, 10_000, 40);
      const f = flat(steps);
      expect(f.samples.ECG_II).toHaveLength(5000);
      expect(f.samples.PLETH).toHaveLength(1250);
      expect(f.samples.CO2).toHaveLength(250);
      expect(f.numerics.map((n) => n.tMs)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
      for (const frame of f.numerics) {
        for (const n of frame.numerics) {
          const row = VITAL_CODES.find((c) => c.mdc === n.mdc);
          expect(row?.parameter).toBe(n.parameter);
          expect(row?.refid).toBe(n.refid);
          expect(n.ucum).toBe(row?.ucum);
          if (n.value !== null) expect(n.value).toBeGreaterThanOrEqual(row!.range[0]);
          if (n.value !== null) expect(n.value).toBeLessThanOrEqual(row!.range[1]);
        }
      }
      // NIBP only where a cuff cycle ends (5 s after start).
      const nibp = f.numerics.filter((fr) => fr.numerics.some((n) => n.parameter === 'NIBP_SYS'));
      expect(nibp.map((fr) => fr.tMs)).toEqual([5000]);
      for (const w of steps.flatMap((s) => s.waveforms)) expect(Number.isInteger(w.firstSampleIndex) && w.samples.every(Number.isInteger)).toBe(true);
    }
  });

  it('sepsis deteriorates over 10 minutes: HR, RR and temperature up, pressure and SpO2 down', () => {
    const steps = run('sepsis', 3, 620_000, 1000);
    const minute = (p: VP, m: number): number => mean(series(steps, p).slice(m * 60, m * 60 + 60));
    const trend = (p: VP): number[] => Array.from({ length: 10 }, (_, m) => minute(p, m));
    const hr = trend('HR'), sys = trend('IBP_SYS'), rr = trend('RR'), temp = trend('TEMP'), spo2 = trend('SPO2');
    expect(hr[9]! - hr[0]!).toBeGreaterThan(30);
    expect(sys[0]! - sys[9]!).toBeGreaterThan(25);
    expect(rr[9]! - rr[0]!).toBeGreaterThan(8);
    expect(temp[9]! - temp[0]!).toBeGreaterThan(1);
    expect(spo2[0]! - spo2[9]!).toBeGreaterThan(4);
    // A trend, not a step: every minute at least as bad as two minutes earlier (noise allowed).
    for (let m = 2; m < 10; m++) {
      expect(hr[m]!).toBeGreaterThan(hr[m - 2]! - 1);
      expect(sys[m]!).toBeLessThan(sys[m - 2]! + 1);
    }
    // SpO2 falls slowly: still ≥ 94 % on average in the first 3 minutes.
    expect(Math.min(spo2[0]!, spo2[1]!, spo2[2]!)).toBeGreaterThanOrEqual(94);
    const raised = flat(steps).alarms.filter((a) => a.state === 'active').map((a) => `${a.code}:${a.parameter}`);
    expect(raised).toEqual(expect.arrayContaining(['MDC_EVT_HI:HR', 'MDC_EVT_LO:IBP_SYS', 'MDC_EVT_HI:RR', 'MDC_EVT_LO:SPO2', 'MDC_EVT_HI:TEMP']));
  });

  it('vt-arrest: sinus, then VT at ~186/min with a VTach alarm, then VF (no pulse) and asystole', () => {
    const steps = run('vt-arrest', 5, 310_000, 40);
    const ecgAt = (fromS: number, toS: number): number[] => {
      const all = flat(steps).samples.ECG_II;
      return all.slice(fromS * 500, toS * 500);
    };
    const sinusRate = rPeaks(ecgAt(20, 50)).length * 2; // beats in 30 s → /min
    expect(sinusRate).toBeGreaterThan(85);
    expect(sinusRate).toBeLessThan(108);
    const vtRate = rPeaks(ecgAt(80, 110), 900).length * 2;
    expect(vtRate).toBeGreaterThan(170);
    expect(vtRate).toBeLessThan(200);
    const alarms = flat(steps).alarms;
    const first = (code: string, state = 'active') => alarms.find((a) => a.code === code && a.state === state);
    expect(first('MDC_EVT_ECG_V_TACH')!.tMs).toBe(TIMELINE.vtOnsetS * 1000 + 4000);
    expect(first('MDC_EVT_ECG_V_FIB')!.tMs).toBe(TIMELINE.arrestS * 1000 + 4000);
    expect(first('MDC_EVT_ECG_V_TACH', 'cleared')!.tMs).toBe(TIMELINE.arrestS * 1000 + 4000);
    expect(first('MDC_EVT_ECG_ASYSTOLE')!.tMs).toBe(TIMELINE.asystoleS * 1000 + 4000);
    for (const a of alarms.filter((x) => x.code.startsWith('MDC_EVT_ECG_'))) expect(a.priority).toBe('high');
    // Arrest: no pulse rate, no SpO2, a flat pleth, HR not measurable in VF, 0 in asystole.
    const at = (s: number, p: VP) => series(steps, p)[s];
    expect(at(200, 'PR')).toBeNull();
    expect(at(200, 'SPO2')).toBeNull();
    expect(at(200, 'HR')).toBeNull();
    expect(at(305, 'HR')).toBe(0);
    const pleth = flat(steps).samples.PLETH.slice(130 * 125, 290 * 125);
    expect(Math.max(...pleth) - Math.min(...pleth)).toBeLessThan(80);
    const plethSinus = flat(steps).samples.PLETH.slice(20 * 125, 50 * 125);
    expect(Math.max(...plethSinus) - Math.min(...plethSinus)).toBeGreaterThan(500);
    // No R waves in VF or asystole.
    expect(rPeaks(ecgAt(130, 290), 1100)).toHaveLength(0);
  });

  it('every pleth pulse follows an R wave by the pulse transit time', () => {
    const f = flat(run('stable', 2, 20_000, 40));
    const r = rPeaks(f.samples.ECG_II).map((i) => i / 500);
    const pleth = f.samples.PLETH;
    const p: number[] = [];
    for (let i = 1; i < pleth.length - 1; i++) {
      if (pleth[i]! > 600 && pleth[i]! >= pleth[i - 1]! && pleth[i]! > pleth[i + 1]!) p.push(i / 125);
    }
    expect(p.length).toBeGreaterThan(20);
    for (const t of p) {
      const lag = t - Math.max(...r.filter((x) => x < t));
      expect(lag).toBeGreaterThan(0.25);
      expect(lag).toBeLessThan(0.4);
    }
  });

  it('probe-off: SpO2 and pulse rate not available, pleth flat, a technical alarm raised and cleared', () => {
    const steps = run('probe-off', 1, 130_000, 40);
    const f = flat(steps);
    expect(f.events).toEqual([{ tMs: 60_000, kind: 'probe-off' }, { tMs: 120_000, kind: 'probe-on' }]);
    const tech = f.alarms.filter((a) => a.kind === 'technical');
    expect(tech.map((a) => [a.tMs, a.state, a.code, a.mdc])).toEqual([[60_000, 'active', 'MDC_EVT_SENSOR_DISCONN', 196916], [120_000, 'cleared', 'MDC_EVT_SENSOR_DISCONN', 196916]]);
    expect(tech[0]!.alarmId).toBe(tech[1]!.alarmId);
    const spo2 = series(steps, 'SPO2');
    expect(spo2.slice(60, 120).every((v) => v === null)).toBe(true);
    expect(spo2.slice(0, 60).every((v) => v !== null)).toBe(true);
    expect(series(steps, 'HR').slice(60, 120).every((v) => v !== null)).toBe(true);
    expect(new Set(f.samples.PLETH.slice(61 * 125, 119 * 125))).toEqual(new Set([0]));
  });

  it('monitor-reboot: silent for 20 s, then numbers its samples from 0 again with bootCount 2', () => {
    const steps = run('monitor-reboot', 1, 130_000, 40);
    const f = flat(steps);
    expect(f.events).toEqual([{ tMs: 90_000, kind: 'reboot-start' }, { tMs: 110_000, kind: 'reboot-end' }]);
    const silent = steps.filter((s) => s.fromMs >= 90_000 && s.toMs <= 110_000);
    expect(silent.length).toBeGreaterThan(400);
    for (const s of silent) {
      expect(s.online).toBe(false);
      expect(s.numerics.length + s.waveforms.length + s.alarms.length).toBe(0);
    }
    const ticks = f.numerics.map((n) => n.tMs);
    expect(ticks).not.toContain(100_000);
    expect(ticks).toContain(110_000);
    const after = steps.find((s) => s.fromMs === 110_000)!;
    expect(after.bootCount).toBe(2);
    expect(after.waveforms.find((w) => w.channel === 'ECG_II')).toMatchObject({ firstSampleIndex: 0, tMs: 110_000 });
    expect(steps.find((s) => s.fromMs === 80_000)!.bootCount).toBe(1);
  });

  it('speed compresses scenario time but not the sample rates', () => {
    const sc = createScenario({ scenario: 'sepsis', seed: 1, speed: 10 });
    const s = sc.advance(61_000);
    const hr = s.numerics.map((f) => f.numerics.find((n) => n.parameter === 'HR')!.value!);
    expect(hr[60]! - hr[0]!).toBeGreaterThan(30);
    expect(s.waveforms.filter((w) => w.channel === 'ECG_II').reduce((a, w) => a + w.samples.length, 0)).toBe(30_500);
    expect(() => createScenario({ scenario: 'stable', seed: 1, speed: 0 })).toThrow(RangeError);
  });
});
