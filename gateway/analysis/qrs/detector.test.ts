import { describe, expect, it } from 'vitest';
import { INVALID_SAMPLE } from '../../../protocols/ecg/record.js';
import { detectQrs } from './detector.js';
import { scoreBeats } from './ec57.js';
import { mulberry32 } from '../../../protocols/random.js';
import { regularBeats, syntheticEcg } from './synthetic.js';

const RATES = [128, 250, 360, 500, 1000];

/** Every true beat found within 50 ms and nothing else. */
function expectExact(beatTimes: readonly number[], found: readonly number[], fs: number): void {
  const ref = beatTimes.map((t) => Math.round(t * fs));
  const s = scoreBeats(ref, found, fs, 0.05);
  expect({ fn: s.fn, fp: s.fp }).toEqual({ fn: 0, fp: 0 });
}

describe('detectQrs on synthetic ECGs', () => {
  it.each(RATES)('finds every beat of a clean 72 bpm rhythm at %i Hz, within 50 ms', (fs) => {
    const beats = regularBeats(72, 20);
    const x = syntheticEcg({ sampleRateHz: fs, durationS: 20, beatTimesS: beats });
    expectExact(beats, detectQrs([x], fs).beats, fs);
  });

  it.each(RATES)('copes with baseline wander, mains and muscle noise at %i Hz', (fs) => {
    const beats = regularBeats(95, 30);
    const x = syntheticEcg({ sampleRateHz: fs, durationS: 30, beatTimesS: beats, noiseUv: 60, wanderUv: 400, mainsUv: 100, seed: fs });
    expectExact(beats, detectQrs([x], fs).beats, fs);
  });

  it('follows an irregular rhythm (AF-like RR between 0.4 and 1.2 s) and tachycardia at 180 bpm', () => {
    const fs = 360;
    const rnd = mulberry32(7);
    const irregular: number[] = [];
    for (let t = 0.5; t < 60; t += 0.4 + 0.8 * rnd()) irregular.push(t);
    expectExact(irregular, detectQrs([syntheticEcg({ sampleRateHz: fs, durationS: 60.5, beatTimesS: irregular })], fs).beats, fs);
    const fast = regularBeats(180, 20);
    expectExact(fast, detectQrs([syntheticEcg({ sampleRateHz: fs, durationS: 20, beatTimesS: fast })], fs).beats, fs);
  });

  it('does not invent beats in a 4 s pause and finds the beats after it', () => {
    const fs = 250;
    const beats = [...regularBeats(60, 10), 14, 15, 16, 17, 18];
    const x = syntheticEcg({ sampleRateHz: fs, durationS: 19, beatTimesS: beats, noiseUv: 15 });
    expectExact(beats, detectQrs([x], fs).beats, fs);
  });

  it('takes beats of changing amplitude (small beats after big ones)', () => {
    const fs = 500;
    const beats = regularBeats(70, 30);
    const big = syntheticEcg({ sampleRateHz: fs, durationS: 15, beatTimesS: beats.filter((t) => t < 15), amplitudeUv: 2000 });
    const small = syntheticEcg({ sampleRateHz: fs, durationS: 30, beatTimesS: beats.filter((t) => t >= 15), amplitudeUv: 500 });
    const x = small.map((v, i) => v + (big[i] ?? 0));
    expectExact(beats, detectQrs([x], fs).beats, fs);
  });

  it('fuses leads: a lead that carries only noise does not add beats, a flat lead is left out', () => {
    const fs = 360;
    const beats = regularBeats(75, 30);
    const good = syntheticEcg({ sampleRateHz: fs, durationS: 30, beatTimesS: beats, noiseUv: 10 });
    const noisy = syntheticEcg({ sampleRateHz: fs, durationS: 30, beatTimesS: [], noiseUv: 300, seed: 3 });
    const flat = new Int32Array(good.length).fill(1024);
    const det = detectQrs([good, noisy, flat], fs);
    expectExact(beats, det.beats, fs);
    expect(det.leadsUsed).toEqual([0, 1]);
  });

  it('survives a lead-off stretch of invalid samples in one of two leads', () => {
    const fs = 360;
    const beats = regularBeats(66, 30);
    const a = syntheticEcg({ sampleRateHz: fs, durationS: 30, beatTimesS: beats });
    const b = syntheticEcg({ sampleRateHz: fs, durationS: 30, beatTimesS: beats, amplitudeUv: -600 });
    b.fill(INVALID_SAMPLE, 10 * fs, 20 * fs);
    expectExact(beats, detectQrs([a, b], fs).beats, fs);
  });

  it('detects wide (ventricular-like) complexes', () => {
    const fs = 250;
    const beats = regularBeats(50, 30);
    const x = syntheticEcg({ sampleRateHz: fs, durationS: 30, beatTimesS: beats, widthScale: 3, amplitudeUv: 1500 });
    expectExact(beats, detectQrs([x], fs).beats, fs);
  });

  it('returns no beats for silence, empty input or no leads, and honours an aborted signal', () => {
    expect(detectQrs([new Int32Array(5000)], 500).beats).toEqual([]);
    expect(detectQrs([new Int32Array(0)], 500).beats).toEqual([]);
    expect(detectQrs([], 500).beats).toEqual([]);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    expect(() => detectQrs([new Int32Array(10)], 500, {}, ac.signal)).toThrow('stop');
  });
});
