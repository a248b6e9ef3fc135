// The detector's artefact rules. Each is checked where it matters, on real MIT-BIH records (it must
// remove false detections and lose no beat), and the interpolation check also on synthetic beats.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWfdbAnnotations, loadWfdbRecord } from '../../ecg/wfdb-files.js';
import { mulberry32 } from '../../../protocols/random.js';
import { isBeat } from '../../../protocols/ecg/wfdb/index.js';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { type QrsDetectorOptions, detectQrs } from './detector.js';
import { scoreBeats } from './ec57.js';
import { leadFeatures, outOfBandRatio } from './features.js';
import { dropInterpolatedArtefacts } from './interpolated.js';
import { regularBeats, syntheticEcg } from './synthetic.js';

/** Adds a Hann-windowed burst of white noise of about `rmsUv` centred on t (s). */
function addNoiseBurst(x: Int32Array, fs: number, t: number, widthS: number, rmsUv: number, seed: number): void {
  const rnd = mulberry32(seed);
  const n = Math.round(widthS * fs);
  const start = Math.round((t - widthS / 2) * fs);
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    const g = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
    if (start + i >= 0 && start + i < x.length) x[start + i] = (x[start + i] ?? 0) + Math.round(rmsUv * 2 * w * g);
  }
}

/** Adds a Hann-windowed sine burst (an oscillating electrode artefact) of `cycles` at `hz`, centred on t (s). */
function addSineBurst(x: Int32Array, fs: number, t: number, hz: number, cycles: number, amp: number): void {
  const n = Math.round((cycles / hz) * fs);
  const start = Math.round(t * fs - n / 2);
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    x[start + i] = (x[start + i] ?? 0) + Math.round(amp * w * Math.sin((2 * Math.PI * hz * i) / fs));
  }
}

const ref = (beats: readonly number[], fs: number): number[] => beats.map((t) => Math.round(t * fs));

describe('outOfBandRatio', () => {
  it('is far higher on white noise than on a QRS complex', () => {
    const fs = 360;
    const x = syntheticEcg({ sampleRateHz: fs, durationS: 4, beatTimesS: [1], noiseUv: 2, seed: 1 });
    addNoiseBurst(x, fs, 3, 0.2, 150, 7);
    const [l] = leadFeatures([x], fs);
    if (l === undefined) throw new Error('no lead');
    const h = Math.round(0.06 * fs);
    expect(outOfBandRatio(l, 3 * fs - h, 3 * fs + h)).toBeGreaterThan(20 * outOfBandRatio(l, fs - h, fs + h));
  });
});

describe('dropInterpolatedArtefacts', () => {
  const fs = 360;
  const lead = (beats: readonly number[], seed: number): Int32Array =>
    syntheticEcg({ sampleRateHz: fs, durationS: 60, beatTimesS: beats, noiseUv: 8, seed });

  it('drops oscillating bursts between regular beats, and the detector then reports no false beat', () => {
    const beats = regularBeats(60, 60);
    const a = lead(beats, 51);
    const b = syntheticEcg({ sampleRateHz: fs, durationS: 60, beatTimesS: beats, amplitudeUv: 700, noiseUv: 8, seed: 52 });
    const bursts = [12, 24, 36, 48];
    for (const t of bursts) {
      addSineBurst(a, fs, t, 9, 4, 900);
      addSineBurst(b, fs, t, 9, 4, 630);
    }
    const plain = scoreBeats(ref(beats, fs), detectQrs([a, b], fs, { rhythmCheck: false }).beats, fs);
    expect(plain.fp).toBe(bursts.length);
    const s = scoreBeats(ref(beats, fs), detectQrs([a, b], fs).beats, fs);
    expect({ fn: s.fn, fp: s.fp }).toEqual({ fn: 0, fp: 0 });
  });

  it('keeps beats in an irregular rhythm and interpolated beats shaped like the others', () => {
    // AF-like RR of 0.45..1.1 s: nothing is "interpolated in a regular rhythm".
    const rnd = mulberry32(5);
    const irregular: number[] = [];
    for (let t = 0.5; t < 59; t += 0.45 + 0.65 * rnd()) irregular.push(t);
    const p = ref(irregular, fs);
    expect(dropInterpolatedArtefacts(p, leadFeatures([lead(irregular, 41)], fs), fs)).toEqual(p);
    // A regular rhythm with a normally shaped beat squeezed in halfway, every eighth interval.
    const base = regularBeats(60, 60);
    const squeezed = [...base, ...base.filter((_, k) => k % 8 === 4).map((t) => t + 0.5)].sort((x, y) => x - y);
    const q = ref(squeezed, fs);
    expect(dropInterpolatedArtefacts(q, leadFeatures([lead(squeezed, 43)], fs), fs)).toEqual(q);
  });
});

describe('dropInterpolatedArtefacts and fast runs', () => {
  it('keeps a salvo of wide beats of a new shape in a regular rhythm (a VT run is not an artefact)', () => {
    const fs = 500;
    const sinus = regularBeats(70, 10).filter((t) => t < 4 || t > 6.2);
    const run = [4.3, 4.675, 5.05, 5.425];
    const mk = (amp: number, seed: number): Int32Array => {
      const n = syntheticEcg({ sampleRateHz: fs, durationS: 10, beatTimesS: sinus, amplitudeUv: amp, noiseUv: 10, seed });
      const v = syntheticEcg({ sampleRateHz: fs, durationS: 10, beatTimesS: run, amplitudeUv: -2 * amp, widthScale: 2, seed: seed + 1 });
      return n.map((x, i) => x + (v[i] ?? 0));
    };
    const leads = [mk(1000, 1), mk(-600, 3)];
    const all = ref([...sinus, ...run].sort((a, b) => a - b), fs);
    expect(dropInterpolatedArtefacts(all, leadFeatures(leads, fs), fs)).toEqual(all);
    const s = scoreBeats(all, detectQrs(leads, fs).beats, fs);
    expect({ fn: s.fn, fp: s.fp }).toEqual({ fn: 0, fp: 0 });
  });
});

describe('artefact rules on MIT-BIH', () => {
  // Each rule switched off alone: it must account for false detections on these records and cost no beat.
  it.each<[string, string, Partial<QrsDetectorOptions>]>([
    ['232', 'search-back noise-floor test (long sinus pauses)', { searchBackNoise: Infinity }],
    ['108', 'rough-artefact test', { roughArtefact: Infinity }],
    ['105', 'interpolation check (noisy sinus rhythm)', { rhythmCheck: false }],
  ])('record %s: the %s removes false beats and no true one', async (rec, _what, off) => {
    const path = join(sharedDataPath('mitdb-shashanksrivas'), rec);
    const { record } = await loadWfdbRecord(path);
    const leads = record.leads.map((l) => l.samples);
    const reference = (await loadWfdbAnnotations(path)).filter(isBeat).map((a) => a.sample);
    const without = scoreBeats(reference, detectQrs(leads, record.sampleRateHz, off).beats, record.sampleRateHz);
    const withRule = scoreBeats(reference, detectQrs(leads, record.sampleRateHz).beats, record.sampleRateHz);
    expect(withRule.fp).toBeLessThan(without.fp);
    expect(withRule.fn).toBeLessThanOrEqual(without.fn);
  });
});

describe('rate-corrected T-wave window on MIT-BIH', () => {
  it('record 203 (AF, VT, multiform PVCs): finds beats the fixed 360 ms window lost, with no more false ones', async () => {
    const path = join(sharedDataPath('mitdb-shashanksrivas'), '203');
    const { record } = await loadWfdbRecord(path);
    const leads = record.leads.map((l) => l.samples);
    const reference = (await loadWfdbAnnotations(path)).filter(isBeat).map((a) => a.sample);
    const fixed = scoreBeats(reference, detectQrs(leads, record.sampleRateHz, { tWaveShapeMatch: Infinity }).beats, record.sampleRateHz);
    const s = scoreBeats(reference, detectQrs(leads, record.sampleRateHz).beats, record.sampleRateHz);
    expect(s.fn).toBeLessThan(fixed.fn - 5);
    expect(s.fp).toBeLessThanOrEqual(fixed.fp);
  });
});
