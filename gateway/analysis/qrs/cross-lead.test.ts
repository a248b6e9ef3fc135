// The cross-lead check: a bump in one lead that a lead which showed the previous beat does not see
// at all, and that has the shape of no recent beat, is not a QRS complex.
import { describe, expect, it } from 'vitest';
import { detectQrs } from './detector.js';
import { scoreBeats } from './ec57.js';
import { BeatMemory, correlation } from './morphology.js';
import { leadFeatures } from './features.js';
import { regularBeats, syntheticEcg } from './synthetic.js';

/** Two leads that both show every beat; lead b also has a slow-ish monophasic artefact 0.45 s after every third beat. */
function twoLeads(fs: number): { a: Int32Array; b: Int32Array; beats: number[] } {
  const beats = regularBeats(60, 40);
  const a = syntheticEcg({ sampleRateHz: fs, durationS: 40, beatTimesS: beats, noiseUv: 8, seed: 1 });
  const b = syntheticEcg({ sampleRateHz: fs, durationS: 40, beatTimesS: beats, amplitudeUv: 700, noiseUv: 8, seed: 2 });
  beats.forEach((t, k) => {
    if (k % 3 !== 2) return;
    const c = (t + 0.45) * fs;
    const w = 0.03 * fs;
    for (let i = Math.floor(c - 5 * w); i < Math.ceil(c + 5 * w); i++) b[i] = (b[i] ?? 0) + Math.round(900 * Math.exp(-0.5 * ((i - c) / w) ** 2));
  });
  return { a, b, beats };
}

describe('cross-lead check', () => {
  it.each([360, 500])('rejects a one-lead artefact the other (live) lead does not show, at %i Hz', (fs) => {
    const { a, b, beats } = twoLeads(fs);
    const ref = beats.map((t) => Math.round(t * fs));
    const without = scoreBeats(ref, detectQrs([a, b], fs, { silentLeadLevel: 0 }).beats, fs);
    // The scenario must be hard for the plain detector, or this test proves nothing.
    expect(without.fp).toBeGreaterThan(0);
    const withCheck = scoreBeats(ref, detectQrs([a, b], fs).beats, fs);
    expect({ fn: withCheck.fn, fp: withCheck.fp }).toEqual({ fn: 0, fp: 0 });
  });

  it('keeps a premature beat that has the shape of earlier beats even when one lead misses it', () => {
    const fs = 360;
    const beats = regularBeats(60, 30);
    // Every fourth beat comes 300 ms early (an atrial premature beat) and is invisible in lead b.
    const early = beats.map((t, k) => (k % 4 === 3 ? t - 0.3 : t));
    const a = syntheticEcg({ sampleRateHz: fs, durationS: 30, beatTimesS: early, noiseUv: 8, seed: 3 });
    const b = syntheticEcg({ sampleRateHz: fs, durationS: 30, beatTimesS: early.filter((_, k) => k % 4 !== 3), amplitudeUv: 700, noiseUv: 8, seed: 4 });
    const s = scoreBeats(early.map((t) => Math.round(t * fs)), detectQrs([a, b], fs).beats, fs);
    expect({ fn: s.fn, fp: s.fp }).toEqual({ fn: 0, fp: 0 });
  });
});

describe('BeatMemory', () => {
  it('matches a stored beat shape and not a T wave', () => {
    const fs = 500;
    const x = syntheticEcg({ sampleRateHz: fs, durationS: 5, beatTimesS: [1, 2, 3, 4] });
    const mem = new BeatMemory(leadFeatures([x], fs), fs);
    expect(mem.bestCorrelation(500)).toBeNaN();
    mem.remember(1 * fs);
    mem.remember(2 * fs);
    expect(mem.size).toBe(2);
    expect(mem.bestCorrelation(3 * fs + 4)).toBeGreaterThan(0.95);
    expect(mem.bestCorrelation(Math.round(3.3 * fs))).toBeLessThan(0.6);
  });

  it('correlation is 1 for scaled copies, -1 for inverted, 0 for a constant', () => {
    const a = Float64Array.from([1, 3, 2, 5]);
    expect(correlation(a, a.map((v) => 2 * v + 1))).toBeCloseTo(1);
    expect(correlation(a, a.map((v) => -v))).toBeCloseTo(-1);
    expect(correlation(a, new Float64Array(4).fill(2))).toBe(0);
  });
});
