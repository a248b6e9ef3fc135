import { describe, expect, it } from 'vitest';
import { asAuditEvents, asGatewayEcgView, asHubEcgView, asSamples, parseEcgLive, samplesDurationS } from './views.js';

describe('ECG view checks', () => {
  it('an old-blob hub record (no analysis fields) gets empty defaults, not a crash', () => {
    const v = asHubEcgView({ id: '7', gatewayId: 'clinic-1', recordId: 'WL01-1', receivedAt: 'x', status: 'in_reading', priority: 0, claimedBy: 'dr.li', byteSize: 10, contentType: 'c', corruptCode: null });
    expect(v).toMatchObject({ id: '7', status: 'in_reading', findings: [], leads: [], diagnosis: null, verdict: null, heartRateBpm: null });
    expect(asHubEcgView({ id: 7, status: 'pending' })?.id).toBe('7'); // the hub's row ids are numbers
    expect(asHubEcgView({ id: null, status: 'pending' })).toBeNull();
    expect(asHubEcgView({ id: '7' })).toBeNull();
  });

  it('keeps well-formed findings and a diagnosis; drops malformed parts', () => {
    const v = asGatewayEcgView({
      recordId: 'R1', state: 'reported', verdict: 'poor',
      findings: [{ code: 'STEMI', severity: 'critical', text: 'Inferior STEMI', lead: 'III' }, { nope: 1 }, 'x'],
      leadQuality: [{ lead: 'V1', score: 0.2, issues: ['noise', 3] }],
      progress: { totalBytes: 100, sentBytes: 50 },
      diagnosis: { readerName: 'Dr Li', signedAt: '2026-11-22T23:00:00Z', statements: ['Sinus rhythm'], critical: true, revision: 2 },
    });
    expect(v?.findings).toEqual([{ code: 'STEMI', severity: 'critical', text: 'Inferior STEMI', lead: 'III', startSample: 0, endSample: 0, origin: 'gateway' }]);
    expect(v?.leadQuality).toEqual([{ lead: 'V1', score: 0.2, issues: ['noise'] }]);
    expect(v?.progress).toEqual({ totalBytes: 100, sentBytes: 50, ackedBytes: 0 });
    expect(v?.diagnosis).toMatchObject({ readerName: 'Dr Li', critical: true, revision: 2, text: '' });
    expect(v?.verdict).toBe('poor');
  });

  it('normalises hub {name} and gateway {lead} sample answers', () => {
    expect(asSamples({ sampleRateHz: 500, leads: [{ name: 'II', uv: [1, 2] }, { lead: 'V1', uv: [3, 'x'] }] })).toEqual({
      sampleRateHz: 500,
      leads: [{ lead: 'II', uv: [1, 2] }, { lead: 'V1', uv: [3, Number.NaN] }],
    });
    expect(asSamples({ sampleRateHz: 0, leads: [] })).toBeNull();
    expect(samplesDurationS({ sampleRateHz: 500, leads: [{ lead: 'I', uv: new Array<number>(5000).fill(0) }] })).toBe(10);
  });

  it('parses only {type:"ecg"} live messages', () => {
    expect(parseEcgLive('{"type":"ecg","record":{"recordId":"R","state":"queued"}}', asGatewayEcgView)?.state).toBe('queued');
    expect(parseEcgLive('{"type":"status","status":{}}', asGatewayEcgView)).toBeNull();
    expect(parseEcgLive('not json', asGatewayEcgView)).toBeNull();
  });

  it('audit events', () => {
    expect(asAuditEvents({ events: [{ at: 't', actor: 'dr.li', action: 'claim' }, 3] })).toEqual([{ at: 't', actor: 'dr.li', action: 'claim', detail: null }]);
    expect(asAuditEvents(null)).toEqual([]);
  });
});

describe('asHubEcgView relay state', () => {
  it('keeps the diagnosis relay state the hub reports, and nothing it does not know', () => {
    expect(asHubEcgView({ id: 1, status: 'reported', relay: { state: 'deferred', revision: 2, at: '2026-12-06T05:00:00.000Z' } })?.relay)
      .toEqual({ state: 'deferred', revision: 2, at: '2026-12-06T05:00:00.000Z' });
    expect(asHubEcgView({ id: 1, status: 'reported', relay: { state: 'lost', revision: 2 } })?.relay).toBeNull();
    expect(asHubEcgView({ id: 1, status: 'pending' })?.relay).toBeNull();
  });
});
