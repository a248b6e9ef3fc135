// The detector on real MIT-BIH records (the full evaluation is `npm run eval:qrs`).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWfdbAnnotations, loadWfdbRecord } from '../../ecg/wfdb-files.js';
import { isBeat } from '../../../protocols/ecg/wfdb/index.js';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { scoreBeats } from './ec57.js';
import { analyseRecordQrs } from './record-analysis.js';
import { detectQrs } from './detector.js';

describe('QRS detection on MIT-BIH', () => {
  it.each([
    ['wfdb-python-sample-data', '100'],
    ['mitdb-shashanksrivas', '119'],
    ['wfdb-c-checkpkg', 'data/100s'],
  ])('%s/%s: Se and +P above 99.5 percent', async (dir, rec) => {
    const path = join(sharedDataPath(dir), rec);
    const { record } = await loadWfdbRecord(path);
    const ref = (await loadWfdbAnnotations(path)).filter(isBeat).map((a) => a.sample);
    const res = analyseRecordQrs(record);
    expect(res.leadLabels.length).toBe(2);
    const s = scoreBeats(ref, res.beats, res.sampleRateHz);
    expect(s.se).toBeGreaterThan(99.5);
    expect(s.ppv).toBeGreaterThan(99.5);
  });
});

describe('QRS detection at other sample rates', () => {
  it('SVDB 800 at its native 128 Hz: Se and +P above 99.5 %', async () => {
    const path = join(sharedDataPath('ecg-kit-recordings'), '800');
    const { record } = await loadWfdbRecord(path);
    const ref = (await loadWfdbAnnotations(path)).filter(isBeat).map((a) => a.sample);
    const s = scoreBeats(ref, analyseRecordQrs(record).beats, 128);
    expect(s.se).toBeGreaterThan(99.5);
    expect(s.ppv).toBeGreaterThan(99.5);
  });

  it.each([128, 250, 500, 1000])('MIT-BIH 100 (first 10 min) resampled to %i Hz: every beat, no extras', async (fs) => {
    const path = join(sharedDataPath('wfdb-python-sample-data'), '100');
    const { record } = await loadWfdbRecord(path);
    const end = 600 * 360;
    const ref = (await loadWfdbAnnotations(path)).filter(isBeat).map((a) => a.sample).filter((p) => p < end - 54);
    const k = 360 / fs;
    // Linear interpolation is enough to move the QRS energy to another rate.
    const leads = record.leads.map((l) => {
      const out = new Int32Array(Math.floor(end / k));
      for (let i = 0; i < out.length; i++) {
        const t = i * k;
        const j = Math.floor(t);
        out[i] = Math.round((l.samples[j] ?? 0) * (1 - (t - j)) + (l.samples[j + 1] ?? 0) * (t - j));
      }
      return out;
    });
    const beats = detectQrs(leads, fs).beats.map((b) => Math.round(b * k)).filter((p) => p < end - 54);
    expect(scoreBeats(ref, beats, 360)).toMatchObject({ fn: 0, fp: 0 });
  });
});
