import { describe, expect, it } from 'vitest';
import { telemed } from '../wire/proto.js';
import { type EcgAnalysisSummary, analysisFromProto, analysisToProto } from './analysis-summary.js';

export function sampleAnalysis(): EcgAnalysisSummary {
  return {
    heartRateBpm: 72.5, irregular: true, pauses: 1, beats: [120, 480, 845],
    findings: [
      { code: 'TM_ECG_STEMI', severity: 'critical', text: 'ST elevation II, III, aVF', lead: null, startSample: 0, endSample: 5000, origin: 'gateway' },
      { code: 'TM_ECG_LEAD_OFF', severity: 'abnormal', text: 'V3 off', lead: 'V3', startSample: 10, endSample: 20, origin: 'cart' },
    ],
    leadQuality: [{ lead: 'I', score: 0.875, issues: [] }, { lead: 'V3', score: 0, issues: ['lead-off'] }],
    verdict: 'acceptable', priority: 3, analyserVersion: 'test-1',
  };
}

function viaWire(a: EcgAnalysisSummary): EcgAnalysisSummary {
  const bytes = telemed.v1.EcgAnalysis.encode(analysisToProto(a)).finish();
  return analysisFromProto(telemed.v1.EcgAnalysis.decode(bytes));
}

describe('EcgAnalysisSummary <-> EcgAnalysis', () => {
  it('round-trips through protobuf bytes', () => {
    expect(viaWire(sampleAnalysis())).toEqual(sampleAnalysis());
  });

  it('keeps a null heart rate (no beats) as null', () => {
    const a = { ...sampleAnalysis(), heartRateBpm: null, beats: [], priority: 0 as const, verdict: 'poor' as const };
    expect(viaWire(a)).toEqual(a);
  });

  it('rejects values outside the contract with TM_ERR_ECG_DOCUMENT', () => {
    for (const bad of [
      { qualityVerdict: 'great' },
      { qualityVerdict: 'good', priority: 7 },
      { qualityVerdict: 'good', findings: [{ code: 'X', severity: 9, origin: 'gateway' }] },
      { qualityVerdict: 'good', findings: [{ code: 'X', severity: 1, origin: 'someone' }] },
      { qualityVerdict: 'good', leadQuality: [{ lead: 'I', score: 3 }] },
    ]) {
      expect(() => analysisFromProto(bad)).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_DOCUMENT' }));
    }
  });
});
