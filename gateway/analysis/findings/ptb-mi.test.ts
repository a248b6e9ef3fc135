// A real myocardial infarction: PTB patient001, s0010_re (../shared/data/wfdb-python-sample-data),
// acute infero-lateral MI recorded on day 2, 1000 Hz, 12 leads + Frank. The ECG shows the evolving
// infarct (inferior and lateral T inversion, reciprocal ST depression in V1–V3) but the inferior ST
// elevation left is under 1 mm, so the STEMI criteria are not met and must not fire; the V1–V3
// depression is reported as the posterior hint. The ST criteria by sex are checked on levels.
import { describe, expect, it } from 'vitest';
import { channelMicrovolts } from '../../../protocols/ecg/record.js';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { loadWfdbRecord } from '../../ecg/wfdb-files.js';
import { analyseEcgFindings } from './analyse.js';
import { delineate, spatialVelocity } from './delineate.js';
import { stLevels, stemiCriteria, thresholdUv } from './st-segment.js';

describe('PTB s0010_re (acute infero-lateral MI, day 2)', () => {
  it('no STEMI call: inferior ST elevation at J+80 is under 1 mm; V1–V3 depression gives the posterior hint', async () => {
    const { record } = await loadWfdbRecord(sharedDataPath('wfdb-python-sample-data', 's0010_re.hea'));
    expect(record.sampleRateHz).toBe(1000);
    expect(record.patient.sex).toBe('F');
    const a = analyseEcgFindings(record);
    expect(a.heartRateBpm).toBeGreaterThan(75);
    expect(a.heartRateBpm).toBeLessThan(90);
    const codes = a.findings.map((f) => f.code);
    expect(codes).not.toContain('TM_ECG_STEMI');
    expect(a.findings.find((f) => f.code === 'TM_ECG_POSTERIOR_HINT')?.text).toMatch(/V2, V3/);

    // Why: the ST levels themselves (J+80 ms against the PR segment, median over the beats).
    const fs = record.sampleRateHz;
    const ecg = record.leads.filter((l) => l.lead !== null);
    const uv = ecg.map((l) => channelMicrovolts(l));
    const bounds = delineate(spatialVelocity(uv, fs, record.frames), a.beats, fs);
    const st = new Map(stLevels(new Map(ecg.map((l, k) => [l.lead ?? '', uv[k] ?? new Float64Array(0)])), bounds, fs, 60 / (a.heartRateBpm ?? 60)).map((l) => [l.lead, l.stUv]));
    for (const lead of ['II', 'III', 'aVF']) {
      expect(st.get(lead), lead).toBeGreaterThan(0);
      expect(st.get(lead), lead).toBeLessThan(100);
    }
    for (const lead of ['V5', 'V6']) expect(Math.abs(st.get(lead) ?? Infinity), lead).toBeLessThan(50);
    for (const lead of ['V1', 'V2', 'V3']) expect(st.get(lead), lead).toBeLessThan(-80);
  });
});

describe('STEMI thresholds in V2–V3 by sex and age (Fourth Universal Definition of MI)', () => {
  const levels = [{ lead: 'V2', stUv: 170 }, { lead: 'V3', stUv: 170 }, { lead: 'V4', stUv: 40 }];
  it('1.5 mm in women, 2 mm in men of 40 and over or when unknown, 2.5 mm in men under 40', () => {
    expect(stemiCriteria(levels, { sex: 'F', ageYears: 81 }).elevated).toEqual(['V2', 'V3']);
    expect(stemiCriteria(levels, { sex: 'M', ageYears: 55 }).elevated).toEqual([]);
    expect(stemiCriteria(levels, { sex: 'U', ageYears: null }).elevated).toEqual([]);
    expect(stemiCriteria(levels).elevated).toEqual([]);
    expect(thresholdUv('V2', { sex: 'M', ageYears: 35 })).toBe(250);
    expect(thresholdUv('V3', { sex: 'M', ageYears: null })).toBe(200);
    expect(thresholdUv('II', { sex: 'F', ageYears: 30 })).toBe(100);
  });
});
