import { describe, expect, it } from 'vitest';
import { ECG_RECORD_STATES, isAhead, nextEcgState, type EcgRecordEvent, type EcgRecordState } from './record-state.js';

const EVENTS: EcgRecordEvent[] = ['send', 'discard', 'submitted', 'all-acked', 'hub-received', 'hub-in-reading', 'hub-diagnosis', 'hub-rejected'];

describe('ECG record state machine', () => {
  it('walks the happy path preview → queued → sending → delivered → in-reading → reported', () => {
    let s: EcgRecordState = 'preview';
    for (const e of ['send', 'submitted', 'all-acked', 'hub-in-reading', 'hub-diagnosis'] as const) s = nextEcgState(s, e) ?? s;
    expect(s).toBe('reported');
  });

  it('allows exactly the listed transitions', () => {
    const allowed: string[] = [];
    for (const s of ECG_RECORD_STATES) for (const e of EVENTS) { const n = nextEcgState(s, e); if (n !== null) allowed.push(`${s} -${e}-> ${n}`); }
    expect(allowed.sort()).toEqual([
      'delivered -hub-diagnosis-> reported', 'delivered -hub-in-reading-> in-reading', 'delivered -hub-rejected-> rejected',
      'in-reading -hub-diagnosis-> reported', 'in-reading -hub-rejected-> rejected',
      'preview -discard-> discarded', 'preview -send-> queued',
      'queued -all-acked-> delivered', 'queued -hub-diagnosis-> reported', 'queued -hub-in-reading-> in-reading',
      'queued -hub-received-> delivered', 'queued -hub-rejected-> rejected', 'queued -submitted-> sending',
      'reported -hub-diagnosis-> reported',
      'sending -all-acked-> delivered', 'sending -hub-diagnosis-> reported', 'sending -hub-in-reading-> in-reading',
      'sending -hub-received-> delivered', 'sending -hub-rejected-> rejected',
    ].sort());
  });

  it('never moves a record backwards on a late hub message', () => {
    for (const s of ECG_RECORD_STATES) {
      for (const e of ['hub-received', 'hub-in-reading', 'all-acked'] as const) {
        const n = nextEcgState(s, e);
        if (n !== null) expect(isAhead(n, s)).toBe(true);
      }
    }
    expect(nextEcgState('reported', 'hub-in-reading')).toBeNull();
    expect(nextEcgState('in-reading', 'hub-received')).toBeNull();
    expect(nextEcgState('discarded', 'send')).toBeNull();
  });
});
