import { describe, expect, it } from 'vitest';
import { judgeCutTrial, judgeSpikeTrial, percentiles, quantile, seededRandom, summariseCuts, summariseSpikes, type CutTrial, type SpikeTrial } from './judge.js';

const trial = (over: Partial<CutTrial> = {}): CutTrial => ({
  trial: 0, cutAtMs: 1000, joggingAtCut: true, cutOffsetMs: 200, holdAtMs: 1085, restoreAtMs: 1300, resumeAtMs: 1330,
  motionAfterCut: [{ atMs: 1001, marker: 'drive' }, { atMs: 1330, marker: 'fresh' }, { atMs: 1370, marker: 'fresh' }],
  ...over,
});

describe('bench:teleop-cut judging', () => {
  it('the seeded RNG repeats for a seed and differs between seeds, in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(seededRandom(8)()).not.toBe(xs[0]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // Roughly uniform: each tenth gets 100 ± 40 of 1000.
    for (let d = 0; d < 10; d++) expect(Math.abs(xs.filter((x) => Math.floor(x * 10) === d).length - 100)).toBeLessThan(40);
  });

  it('quantiles are nearest-rank (a measured value, never interpolated)', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(v, 0.5)).toBe(50);
    expect(quantile(v, 0.99)).toBe(99);
    expect(quantile(v, 1)).toBe(100);
    expect(quantile([3, 1, 2], 0.95)).toBe(3);
    expect(quantile([], 0.5)).toBeNull();
    expect(percentiles([5])).toEqual({ n: 1, p50: 5, p95: 5, p99: 5, max: 5 });
  });

  it('a hold within the bound, nothing stale after it and a fresh resume passes; the frame in flight at the cut is counted, not failed', () => {
    const v = judgeCutTrial(trial(), 110);
    expect(v).toMatchObject({ passed: true, holdLatencyMs: 85, inFlightAtCut: 1, staleExecuted: [], resumed: true, why: null });
  });

  it('fails a late hold, a missing hold, a stale or outage command after the hold, a fresh-marked frame before the restore, and no resume', () => {
    expect(judgeCutTrial(trial({ holdAtMs: 1110.001 }), 110).why).toMatch(/hold 110\.0 ms after the cut > 110 ms/);
    expect(judgeCutTrial(trial({ holdAtMs: 1110 }), 110).passed).toBe(true);
    expect(judgeCutTrial(trial({ holdAtMs: null }), 110).why).toMatch(/no hold/);
    const stale = judgeCutTrial(trial({ motionAfterCut: [{ atMs: 1310, marker: 'drive' }, { atMs: 1311, marker: 'outage' }, { atMs: 1330, marker: 'fresh' }] }), 110);
    expect(stale.passed).toBe(false);
    expect(stale.staleExecuted.map((m) => m.marker)).toEqual(['drive', 'outage']);
    expect(judgeCutTrial(trial({ motionAfterCut: [{ atMs: 1200, marker: 'fresh' }] }), 110).staleExecuted).toHaveLength(1);
    expect(judgeCutTrial(trial({ motionAfterCut: [{ atMs: 1400, marker: 'other' }] }), 110).passed).toBe(false);
    expect(judgeCutTrial(trial({ resumeAtMs: null }), 110).why).toMatch(/no fresh command resumed/);
  });

  it('the summary meets the target only with every trial passed and enough trials, and lists failures first among the worst', () => {
    // Holds 60-79 ms three times each, 80-99 ms twice: the 50th of 100 is 76.
    const ok = Array.from({ length: 100 }, (_, i) => trial({ trial: i, holdAtMs: 1000 + 60 + (i % 40) }));
    const s = summariseCuts(ok, 110, 100);
    expect(s).toMatchObject({ trials: 100, passed: 100, met: true, staleExecuted: 0 });
    expect(s.holdLatencyMs).toMatchObject({ n: 100, p50: 76, max: 99 });
    expect(s.resumeAfterRestoreMs.max).toBe(30);
    expect(summariseCuts(ok.slice(0, 99), 110, 100).met).toBe(false);
    const oneLate = ok.map((t, i) => (i === 42 ? { ...t, holdAtMs: 1111 } : t));
    const bad = summariseCuts(oneLate, 110, 100);
    expect(bad).toMatchObject({ passed: 99, met: false });
    expect(bad.worst[0]?.trial).toBe(42);
    expect(bad.failures.map((f) => f.trial)).toEqual([42]);
    // A trial where the arm was not jogging at the cut is void: listed, not judged, not a pass.
    const withVoid = [...ok.slice(0, 99), trial({ trial: 99, joggingAtCut: false, holdAtMs: null })];
    const sv = summariseCuts(withVoid, 110, 100);
    expect(sv).toMatchObject({ trials: 99, passed: 99, met: false });
    expect(sv.void.map((x) => [x.trial, x.passed])).toEqual([[99, false]]);
    expect(judgeCutTrial(trial({ joggingAtCut: false }), 110).why).toMatch(/^void/);
    // Where the time went: cut → the supervisor's trip, trip → the Hold at the arm.
    const diag = summariseCuts([trial({ gatewayHoldAtMs: 1080 })], 110, 1).diagnosis;
    expect([diag.cutToGatewayTripMs.max, diag.gatewayTripToArmMs.max]).toEqual([80, 5]);
  });

  it('a spike passes when the retract comes within one period of the first over-cap sample and the hold within one of the first contact-free sample', () => {
    const t: SpikeTrial = {
      trial: 0, injectedAtMs: 0, firstOverCapSampleAtMs: 6, retractAtMs: 8, contactFreeSampleAtMs: 146, holdAtMs: 150, retractedUp: true, forceBeforeN: 3,
    };
    expect(judgeSpikeTrial(t, 10)).toMatchObject({ passed: true, retractReactionMs: 2, holdReactionMs: 4, retractPeriods: 0.8, holdPeriods: 15 });
    expect(judgeSpikeTrial({ ...t, retractAtMs: 16.5 }, 10).why).toMatch(/retract 10\.5 ms/);
    expect(judgeSpikeTrial({ ...t, holdAtMs: 157 }, 10).why).toMatch(/hold 11 ms/);
    expect(judgeSpikeTrial({ ...t, retractedUp: false }, 10).passed).toBe(false);
    expect(judgeSpikeTrial({ ...t, forceBeforeN: 0 }, 10).why).toMatch(/not in contact/);
    expect(judgeSpikeTrial({ ...t, retractAtMs: null, holdAtMs: null }, 10).why).toMatch(/no retract.*no hold/);
    expect(summariseSpikes([t, { ...t, trial: 1 }], 10, 2)).toMatchObject({ trials: 2, passed: 2, met: true });
    expect(summariseSpikes([t], 10, 2).met).toBe(false);
  });
});
