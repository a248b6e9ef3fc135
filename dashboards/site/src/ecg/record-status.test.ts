import { describe, expect, it } from 'vitest';
import type { GatewayEcgView } from '../../../shared/types.js';
import { statusView } from './record-status.js';
import { defaultSelection, EMPTY_RECORDS, MAX_RECORDS, sortedRecords, upsertSiteRecord } from './site-ecg-state.js';

function gwRec(id: string, state: GatewayEcgView['state'], minute = 0, extra: Partial<GatewayEcgView> = {}): GatewayEcgView {
  return {
    recordId: id, deviceId: 'cart-1', source: 'cart', acquiredAt: new Date(Date.UTC(2026, 10, 22, 9, minute)).toISOString(), durationS: 10, sampleRateHz: 500,
    leads: [], heartRateBpm: 72, verdict: 'good', leadQuality: [], findings: [], priority: 0, critical: false, state,
    progress: { totalBytes: 0, sentBytes: 0, ackedBytes: 0 }, readerName: null, diagnosis: null, updatedAt: '', error: null, ...extra,
  };
}

describe('statusView', () => {
  it('follows the record: queued, sending with progress, delivered, in reading by X, reported', () => {
    expect(statusView(gwRec('a', 'queued'))).toMatchObject({ label: 'Queued', progress: 0 });
    const s = statusView(gwRec('a', 'sending', 0, { progress: { totalBytes: 1000, sentBytes: 456, ackedBytes: 300 } }));
    expect(s).toMatchObject({ label: 'Sending', progress: 0.456, detail: '45 % sent' });
    expect(statusView(gwRec('a', 'delivered')).tone).toBe('ok');
    expect(statusView(gwRec('a', 'in-reading', 0, { readerName: 'Dr Li' })).detail).toBe('Being read by Dr Li.');
    const dx = { diagnosisId: 'd', readerName: 'Dr Li', statements: [], text: '', signedAt: '', critical: true, revision: 1, signatureAlg: '', signature: '' };
    expect(statusView(gwRec('a', 'reported', 0, { diagnosis: dx }))).toMatchObject({ label: 'Reported: CRITICAL', tone: 'bad' });
    expect(statusView(gwRec('a', 'reported', 0, { diagnosis: { ...dx, verification: 'unverified' } }))).toMatchObject({ label: 'Reported: UNVERIFIED', tone: 'bad' });
    expect(statusView(gwRec('a', 'rejected', 0, { error: { code: 'TM_ERR_ECG_HASH_MISMATCH', message: '' } })).detail).toContain('TM_ERR_ECG_HASH_MISMATCH');
  });

  it('a zero-size or over-reported progress stays within 0..1', () => {
    expect(statusView(gwRec('a', 'sending')).progress).toBe(0);
    expect(statusView(gwRec('a', 'sending', 0, { progress: { totalBytes: 10, sentBytes: 20, ackedBytes: 0 } })).progress).toBe(1);
  });
});

describe('site records', () => {
  it('newest first; default selection skips discarded records', () => {
    let s = upsertSiteRecord(EMPTY_RECORDS, gwRec('old', 'reported', 1));
    s = upsertSiteRecord(s, gwRec('new', 'discarded', 5));
    s = upsertSiteRecord(s, gwRec('mid', 'preview', 3));
    expect(sortedRecords(s).map((r) => r.recordId)).toEqual(['new', 'mid', 'old']);
    expect(defaultSelection(s)).toBe('mid');
    expect(defaultSelection(EMPTY_RECORDS)).toBeNull();
  });

  it('is bounded; records on their way are kept', () => {
    let s = upsertSiteRecord(EMPTY_RECORDS, gwRec('sending', 'sending', 0));
    for (let i = 0; i < MAX_RECORDS + 5; i++) s = upsertSiteRecord(s, gwRec(`r${i}`, i % 2 === 0 ? 'discarded' : 'reported', 1));
    expect(Object.keys(s)).toHaveLength(MAX_RECORDS);
    expect(s['sending']).toBeDefined();
    expect(Object.values(s).filter((r) => r.state === 'discarded').length).toBeLessThan((MAX_RECORDS + 5) / 2);
  });
});
