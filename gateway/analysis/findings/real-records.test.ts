// The findings on real MIT-BIH records (../shared/data): no critical finding on normal sinus
// rhythm, a VT run where the annotators marked one, pauses in 232's sinus arrest episodes.
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import type { EcgRecord } from '../../../protocols/ecg/record.js';
import { loadWfdbRecord } from '../../ecg/wfdb-files.js';
import { analyseEcgFindings } from './analyse.js';

function window(r: EcgRecord, startS: number, lengthS = 10): EcgRecord {
  const a = Math.round(startS * r.sampleRateHz), n = Math.round(lengthS * r.sampleRateHz);
  return { ...r, frames: n, leads: r.leads.map((l) => ({ ...l, samples: l.samples.slice(a, a + n) })) };
}

const load = async (...p: string[]): Promise<EcgRecord> => (await loadWfdbRecord(sharedDataPath(...p))).record;

describe('findings on MIT-BIH records', () => {
  it('record 100 (normal sinus): no critical finding and a sinus rate in the first 3 minutes', async () => {
    const r = await load('wfdb-python-sample-data', '100.hea');
    for (let s = 0; s < 180; s += 10) {
      const a = analyseEcgFindings(window(r, s));
      expect(a.findings.filter((f) => f.severity === 'critical'), `window at ${s} s`).toEqual([]);
      expect(a.heartRateBpm).toBeGreaterThan(60);
      expect(a.heartRateBpm).toBeLessThan(90);
      expect(a.priority).toBeLessThan(3);
    }
  });

  it('record 203: the annotated 4-beat VT at 640–650 s is a critical VT run', async () => {
    const r = await load('mitdb-shashanksrivas', '203.hea');
    const a = analyseEcgFindings(window(r, 640));
    expect(a.findings.find((f) => f.code === 'TM_ECG_VT_RUN')?.severity).toBe('critical');
    expect(a.priority).toBe(3);
  });

  it('record 232 (sinus bradycardia with long pauses): pauses found, no VT or STEMI in the first 5 minutes', async () => {
    const r = await load('mitdb-shashanksrivas', '232.hea');
    const codes = new Set<string>();
    for (let s = 0; s < 300; s += 10) for (const f of analyseEcgFindings(window(r, s)).findings) codes.add(f.code);
    expect(codes.has('TM_ECG_PAUSE') || codes.has('TM_ECG_ASYSTOLE')).toBe(true);
    expect(codes.has('TM_ECG_STEMI')).toBe(false);
    expect(codes.has('TM_ECG_VT_RUN')).toBe(false);
  });
});
