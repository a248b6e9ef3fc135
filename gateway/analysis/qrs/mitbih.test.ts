// The detector on real MIT-BIH records (the full evaluation is `npm run eval:qrs`).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWfdbAnnotations, loadWfdbRecord } from '../../ecg/wfdb-files.js';
import { isBeat } from '../../../protocols/ecg/wfdb/index.js';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { scoreBeats } from './ec57.js';
import { analyseRecordQrs } from './record-analysis.js';

describe('QRS detection on MIT-BIH', () => {
  it.each([
    ['wfdb-python-sample-data', '100'],
    ['mitdb-shashanksrivas', '119'],
    ['wfdb-c-checkpkg', 'data/100s'],
  ])('%s/%s: Se and +P above 99.5 %%', async (dir, rec) => {
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
