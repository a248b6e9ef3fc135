import { describe, expect, it } from 'vitest';
import { scoreBeats } from './ec57.js';
import { analyseRhythm } from './rhythm.js';

describe('analyseRhythm', () => {
  it('reports rate, regularity and pauses', () => {
    const fs = 100;
    const beats = [0, 100, 200, 300, 400, 650, 750]; // 60 bpm with one 2.5 s pause
    const r = analyseRhythm(beats, fs);
    expect(r.heartRateBpm).toBe(60);
    expect(r.maxRrS).toBe(2.5);
    expect(r.pauses).toEqual([{ startSample: 400, durationS: 2.5 }]);
    expect(analyseRhythm([0, 100, 200, 300, 400], fs).irregular).toBe(false);
    expect(analyseRhythm([0, 50, 180, 230, 400, 460, 600], fs).irregular).toBe(true);
  });

  it('handles fewer than two beats', () => {
    expect(analyseRhythm([5], 250)).toMatchObject({ beatCount: 1, heartRateBpm: null, irregular: false, pauses: [] });
  });
});

describe('scoreBeats (EC57 bxb-style matching)', () => {
  it('matches within ±150 ms, each beat at most once, closest first', () => {
    const fs = 100;
    // ref 100 matched by 110; ref 200 unmatched (216 is 16 samples = 160 ms away); 216 is an FP; 300 exact.
    expect(scoreBeats([100, 200, 300], [110, 216, 300], fs)).toMatchObject({ tp: 2, fn: 1, fp: 1 });
    // Two detections near one beat: one TP, one FP.
    expect(scoreBeats([100], [95, 105], fs)).toMatchObject({ tp: 1, fn: 0, fp: 1 });
    // The closer pair wins: 130 belongs to ref 125, so ref 100 is matched by 90.
    expect(scoreBeats([100, 125], [90, 130], fs)).toMatchObject({ tp: 2, fn: 0, fp: 0 });
    const s = scoreBeats([0, 100, 200, 300], [0, 100, 200, 300, 400], fs, 0.15, 150);
    expect(s).toMatchObject({ tp: 2, fn: 0, fp: 1 });
    expect(s.se).toBe(100);
    expect(s.ppv).toBeCloseTo(66.667, 2);
  });
});
