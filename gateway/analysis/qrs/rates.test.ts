// The detector is designed from the sample rate at run time; the same PTB record (15 leads,
// 1000 Hz) taken down to 500 and 250 Hz must give the same beats as at its native rate.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWfdbRecord } from '../../ecg/wfdb-files.js';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { scoreBeats } from './ec57.js';
import { analyseRecordQrs } from './record-analysis.js';
import { detectQrs } from './detector.js';

describe('QRS detection across sample rates on a 1000 Hz record', () => {
  it.each([2, 4])('PTB s0010_re at 1000 Hz and decimated by %i: the same beats (±150 ms), a plausible rate', async (k) => {
    const { record } = await loadWfdbRecord(join(sharedDataPath('wfdb-python-sample-data'), 's0010_re'));
    const native = analyseRecordQrs(record);
    expect(native.sampleRateHz).toBe(1000);
    expect(native.leadLabels).toHaveLength(15);
    // 38.4 s of sinus rhythm at about 80/min.
    expect(native.beats.length).toBeGreaterThan(45);
    expect(native.beats.length).toBeLessThan(60);
    // Plain decimation (every k-th sample): the QRS band stays far below the new Nyquist rate.
    const leads = record.leads.map((l) => Int32Array.from({ length: Math.floor(l.samples.length / k) }, (_, i) => l.samples[i * k] ?? 0));
    const low = detectQrs(leads, 1000 / k).beats.map((b) => b * k);
    expect(scoreBeats(native.beats, low, 1000)).toMatchObject({ fn: 0, fp: 0 });
    // The fiducial is about the same point of each complex at every rate (within 25 ms; at 250 Hz
    // two beats move by ~18 ms where two deflections nearly tie): picking the R wave in one lead and
    // the S wave in another, as a per-beat best-lead choice did, moves it by 40-60 ms.
    expect(scoreBeats(native.beats, low, 1000, 0.025)).toMatchObject({ fn: 0, fp: 0 });
  });
});
