import { describe, expect, it } from 'vitest';
import { CART_18_LEADS, type EcgChannel, type EcgRecord, INVALID_SAMPLE, unknownDevice, unknownPatient } from '../../../protocols/ecg/record.js';
import { regularBeats, syntheticEcg } from '../qrs/synthetic.js';
import { analyseEcgFindings } from './analyse.js';
import { simulatedRecord } from './sim-record.js';

const codes = (r: EcgRecord): string[] => analyseEcgFindings(r).findings.map((f) => f.code);

function synthetic(leadSamples: (k: number) => Int32Array, fs = 500): EcgRecord {
  const leads: EcgChannel[] = CART_18_LEADS.map((lead, k) => ({
    lead, label: lead, samples: leadSamples(k), sampleRateHz: fs, gain: 1, baseline: 0, units: 'uV', adcResolution: 16, derived: false,
  }));
  return {
    id: 'syn', source: 'synthetic', sampleRateHz: fs, frames: leads[0]?.samples.length ?? 0, startTime: null, leads, otherSignals: [],
    patient: unknownPatient(), device: unknownDevice(), measurements: [], statements: [], notes: [],
  };
}

describe('analyseEcgFindings on the cart simulator', () => {
  it.each([1, 2, 3])('normal sinus (seed %i): routine, good, ~72/min, no clinical finding', (seed) => {
    const a = analyseEcgFindings(simulatedRecord({ seed }));
    expect(a.findings).toEqual([]);
    expect(a.priority).toBe(0);
    expect(a.verdict).toBe('good');
    expect(a.heartRateBpm).toBeGreaterThan(65);
    expect(a.heartRateBpm).toBeLessThan(80);
    expect(a.beats.length).toBeGreaterThanOrEqual(11);
  });

  it.each([1, 2, 3])('inferior-posterior STEMI (seed %i): critical, II/III/aVF and V7–V9 elevated', (seed) => {
    const a = analyseEcgFindings(simulatedRecord({ seed, rhythm: 'stemi' }));
    const stemi = a.findings.find((f) => f.code === 'TM_ECG_STEMI');
    expect(stemi?.severity).toBe('critical');
    for (const lead of ['II', 'III', 'aVF']) expect(stemi?.text).toContain(lead);
    expect(stemi?.text).toMatch(/V[789]/);
    expect(a.priority).toBe(3);
  });

  it('AF is irregular; sinus at 140/min is a tachycardia but not VT', () => {
    expect(codes(simulatedRecord({ seed: 4, rhythm: 'af' }))).toContain('TM_ECG_IRREGULAR');
    const fast = codes(simulatedRecord({ seed: 4, hrBpm: 140 }));
    expect(fast).toContain('TM_ECG_TACHY');
    expect(fast).not.toContain('TM_ECG_VT_RUN');
    expect(codes(simulatedRecord({ seed: 4, hrBpm: 40 }))).toContain('TM_ECG_BRADY');
  });

  it('a disconnected V3 is reported per lead and makes the verdict poor', () => {
    const a = analyseEcgFindings(simulatedRecord({ seed: 5, leadOff: 1 << 8 }));
    expect(a.findings.map((f) => [f.code, f.lead])).toEqual([['TM_ECG_LEAD_OFF', 'V3']]);
    expect(a.leadQuality.find((q) => q.lead === 'V3')).toEqual({ lead: 'V3', score: 0, issues: ['lead-off'] });
    expect(a.verdict).toBe('poor');
    expect(a.priority).toBe(1);
  });

  it('heavy muscle noise is flagged noisy', () => {
    const a = analyseEcgFindings(simulatedRecord({ seed: 6, muscleMv: 0.08 }));
    expect(a.findings.filter((f) => f.code === 'TM_ECG_NOISY').length).toBeGreaterThan(9);
    expect(a.verdict).not.toBe('good');
  });
});

describe('analyseEcgFindings on synthetic rhythms', () => {
  it('a run of wide complexes at 170/min is a VT run; the same beats narrow are not', () => {
    const beats = regularBeats(170, 10);
    const make = (widthScale: number): EcgRecord => synthetic((k) => syntheticEcg({
      sampleRateHz: 500, durationS: 10, beatTimesS: beats, widthScale, amplitudeUv: (k % 3 === 0 ? -1 : 1) * (600 + 40 * k), noiseUv: 8, seed: k + 1,
    }));
    const vt = analyseEcgFindings(make(4));
    expect(vt.findings.find((f) => f.code === 'TM_ECG_VT_RUN')?.severity).toBe('critical');
    expect(vt.priority).toBe(3);
    expect(codes(make(1))).not.toContain('TM_ECG_VT_RUN');
  });

  it('4 s without a beat is asystole; a 2.5 s gap is a pause', () => {
    const withGap = (gapS: number): EcgRecord => {
      const beats = [...regularBeats(75, 3), ...regularBeats(75, 10, 3 + gapS)];
      return synthetic((k) => syntheticEcg({ sampleRateHz: 500, durationS: 10, beatTimesS: beats, amplitudeUv: 700 + 30 * k, noiseUv: 8, seed: k + 1 }));
    };
    expect(codes(withGap(4.2))).toContain('TM_ECG_ASYSTOLE');
    const pause = codes(withGap(2.3));
    expect(pause).toContain('TM_ECG_PAUSE');
    expect(pause).not.toContain('TM_ECG_ASYSTOLE');
  });

  it('keeps at most 10 findings per code and lead, then one saying how many more', () => {
    // 120 s with a 2.4 s pause after every third beat: 23 pauses.
    const beats: number[] = [];
    for (let t = 0.5; t < 119; ) { for (let k = 0; k < 3; k++) { beats.push(t); t += 0.8; } t += 1.6; }
    const r = synthetic((k) => syntheticEcg({ sampleRateHz: 500, durationS: 120, beatTimesS: beats, amplitudeUv: 700 + 30 * k, noiseUv: 8, seed: k + 1 }));
    const pauses = analyseEcgFindings(r).findings.filter((f) => f.code === 'TM_ECG_PAUSE');
    expect(pauses).toHaveLength(11);
    expect(pauses[10]?.text).toMatch(/^\d+ more like: pause of 2\.\d s$/);
  });

  it('flat lines on every lead are asystole, not lead-off; invalid samples are lead-off', () => {
    const flat = analyseEcgFindings(synthetic((k) => syntheticEcg({ sampleRateHz: 500, durationS: 10, beatTimesS: [], noiseUv: 4, seed: k + 1 })));
    expect(flat.findings.find((f) => f.code === 'TM_ECG_ASYSTOLE')?.severity).toBe('critical');
    const off = analyseEcgFindings(synthetic(() => new Int32Array(5000).fill(INVALID_SAMPLE)));
    expect(off.findings.every((f) => f.code === 'TM_ECG_LEAD_OFF')).toBe(true);
    expect(off.beats).toEqual([]);
  });

  it('clipping at the rail is flagged', () => {
    const beats = regularBeats(70, 10);
    const a = analyseEcgFindings(synthetic((k) => {
      const x = syntheticEcg({ sampleRateHz: 500, durationS: 10, beatTimesS: beats, amplitudeUv: 2500, noiseUv: 5, seed: k + 1 });
      return k === 1 ? x.map((v) => Math.min(v, 1200)) : x;
    }));
    expect(a.findings.filter((f) => f.code === 'TM_ECG_CLIPPED').map((f) => f.lead)).toEqual(['II']);
  });

  it('cart statements naming STEMI/VT/asystole are critical with origin cart; negated ones are not', () => {
    const r = { ...simulatedRecord({ seed: 7 }), statements: ['Sinus rhythm', 'Acute inferior MI', 'No ventricular tachycardia'] };
    const a = analyseEcgFindings(r);
    expect(a.findings.map((f) => [f.code, f.origin, f.severity])).toEqual([['TM_ECG_STEMI', 'cart', 'critical']]);
    expect(a.priority).toBe(3);
  });
});
