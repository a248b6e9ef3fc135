import { describe, expect, it } from 'vitest';
import type { HubEcgView } from '../../../shared/types.js';
import { EMPTY_WORKLIST, isCritical, MAX_RECORDS, replaceWorklist, upsertRecord, worklistSections } from './worklist-state.js';

function rec(id: string, status: HubEcgView['status'], priority: number, minute: number, extra: Partial<HubEcgView> = {}): HubEcgView {
  return {
    id, gatewayId: 'clinic-1', recordId: `R-${id}`, receivedAt: new Date(Date.UTC(2026, 10, 22, 10, minute)).toISOString(), status, priority,
    claimedBy: null, byteSize: 1, contentType: 'x', corruptCode: null, heartRateBpm: 70, verdict: 'good', findings: [], leadQuality: [],
    durationS: 10, sampleRateHz: 500, leads: [], statements: [], diagnosis: null, relay: null, ...extra,
  };
}

describe('worklist state', () => {
  it('sections in reading order: priority first, then oldest; reported newest first', () => {
    const w = replaceWorklist([rec('a', 'pending', 0, 1), rec('b', 'pending', 3, 5), rec('c', 'pending', 3, 2), rec('d', 'in_reading', 1, 0), rec('e', 'reported', 0, 3), rec('f', 'reported', 0, 9)]);
    const s = worklistSections(w);
    expect(s.pending.map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(s.inReading.map((r) => r.id)).toEqual(['d']);
    expect(s.reported.map((r) => r.id)).toEqual(['f', 'e']);
  });

  it('a live update moves a record between sections', () => {
    let w = upsertRecord(EMPTY_WORKLIST, rec('a', 'pending', 0, 1));
    w = upsertRecord(w, rec('a', 'in_reading', 0, 1, { claimedBy: 'dr.li' }));
    expect(worklistSections(w).pending).toEqual([]);
    expect(worklistSections(w).inReading[0]?.claimedBy).toBe('dr.li');
  });

  it('is bounded: the oldest reported records go first, unread work is kept', () => {
    let w = EMPTY_WORKLIST;
    for (let i = 0; i < MAX_RECORDS; i++) w = upsertRecord(w, rec(`r${i}`, 'reported', 0, i % 60));
    w = upsertRecord(w, rec('new', 'pending', 0, 0));
    expect(Object.keys(w)).toHaveLength(MAX_RECORDS);
    expect(w['new']).toBeDefined();
    expect(w['r0']).toBeUndefined();
  });

  it('critical: a critical finding, top priority or a critical diagnosis', () => {
    expect(isCritical(rec('a', 'pending', 0, 0))).toBe(false);
    expect(isCritical(rec('a', 'pending', 3, 0))).toBe(true);
    expect(isCritical(rec('a', 'pending', 1, 0, { findings: [{ code: 'X', severity: 'critical', text: 'STEMI', lead: 'III', startSample: 0, endSample: 0, origin: 'cart' }] }))).toBe(true);
  });
});
