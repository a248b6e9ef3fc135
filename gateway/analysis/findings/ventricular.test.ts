// Ventricular beats by shape against the dominant beat, and VT runs built on them.
import { describe, expect, it } from 'vitest';
import { CART_18_LEADS, type EcgChannel, type EcgRecord, unknownDevice, unknownPatient } from '../../../protocols/ecg/record.js';
import { regularBeats, syntheticEcg } from '../qrs/synthetic.js';
import { analyseEcgFindings } from './analyse.js';
import { ventricularBeats } from './ventricular.js';

const FS = 500;

/** One lead: conducted beats at `normal`, ventricular ones (wide, opposite polarity) at `ectopic`. */
function lead(normal: readonly number[], ectopic: readonly number[], amp: number, seed: number, durationS = 10): Int32Array {
  const n = syntheticEcg({ sampleRateHz: FS, durationS, beatTimesS: normal, amplitudeUv: amp, noiseUv: 10, seed });
  const v = syntheticEcg({ sampleRateHz: FS, durationS, beatTimesS: ectopic, amplitudeUv: -1.3 * amp, widthScale: 2.5, seed: seed + 100 });
  return n.map((x, i) => x + (v[i] ?? 0));
}

function record(normal: readonly number[], ectopic: readonly number[]): EcgRecord {
  const leads: EcgChannel[] = CART_18_LEADS.map((l, k) => ({
    lead: l, label: l, samples: lead(normal, ectopic, (k % 3 === 0 ? -1 : 1) * (500 + 40 * k), k + 1),
    sampleRateHz: FS, gain: 1, baseline: 0, units: 'uV', adcResolution: 16, derived: false,
  }));
  return {
    id: 'vt', source: 'synthetic', sampleRateHz: FS, frames: leads[0]?.samples.length ?? 0, startTime: null, leads, otherSignals: [],
    patient: unknownPatient(), device: unknownDevice(), measurements: [], statements: [], notes: [],
  };
}

const toUv = (x: Int32Array): Float64Array => Float64Array.from(x);
const samples = (t: readonly number[]): number[] => t.map((s) => Math.round(s * FS));

describe('ventricularBeats', () => {
  it('flags premature beats of another shape and no conducted beat', () => {
    const all = regularBeats(75, 10);
    const ectopic = all.filter((_, k) => k % 4 === 2).map((t) => t - 0.25);
    const normal = all.filter((_, k) => k % 4 !== 2);
    const beats = [...normal, ...ectopic].sort((a, b) => a - b);
    const leads = [toUv(lead(normal, ectopic, 1000, 1)), toUv(lead(normal, ectopic, -700, 2))];
    const v = ventricularBeats(leads, samples(beats), FS);
    expect(beats.filter((_, i) => v[i])).toEqual(ectopic);
  });

  it('in bigeminy (as many ectopic as conducted beats) the dominant beat is the on-time one', () => {
    const normal = regularBeats(50, 10);
    const ectopic = normal.slice(0, -1).map((t) => t + 0.5);
    const beats = [...normal, ...ectopic].sort((a, b) => a - b);
    const leads = [toUv(lead(normal, ectopic, 1000, 3)), toUv(lead(normal, ectopic, 800, 4))];
    const v = ventricularBeats(leads, samples(beats), FS);
    expect(beats.filter((_, i) => v[i])).toEqual(ectopic);
  });
});

describe('VT runs from ventricular beats', () => {
  it('a run of 4 ventricular beats at 160/min is a critical VT run; the same beats isolated are not', () => {
    const sinus = regularBeats(70, 10);
    // Sinus beats before 4 s and after 7 s; a 4-beat run at 375 ms from 4.3 s between.
    const run = [4.3, 4.675, 5.05, 5.425];
    const withRun = analyseEcgFindings(record(sinus.filter((t) => t < 4 || t > 6.2), run));
    const vt = withRun.findings.find((f) => f.code === 'TM_ECG_VT_RUN');
    expect(vt?.severity).toBe('critical');
    expect(vt?.text).toMatch(/^ventricular tachycardia: 4 beats at 1[56]\d\/min/);
    expect(withRun.priority).toBe(3);
    // The same shapes as isolated premature beats, each followed by a pause.
    const all = regularBeats(70, 10);
    const isolated = all.filter((_, k) => k % 3 === 1).map((t) => t - 0.3);
    const pvcs = analyseEcgFindings(record(all.filter((_, k) => k % 3 !== 1), isolated));
    expect(pvcs.findings.map((f) => f.code)).not.toContain('TM_ECG_VT_RUN');
  });
});
