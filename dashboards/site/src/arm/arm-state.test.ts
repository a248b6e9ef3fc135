import { describe, expect, it } from 'vitest';
import { armMeaning, forceShare, parseArmMessage } from './arm-state.js';

const arm = { id: 'arm-1', link: 'streaming', state: 'active', leaseId: 'L1', operatorId: 'dr.chen', forceN: 6, forceCapN: 8, estopSources: [], lastReason: null, lastDecision: { what: 'jog', decision: 'accepted', reason: null } };

describe('arm panel state', () => {
  it('parses the /live arm message the gateway sends and ignores anything else', () => {
    expect(parseArmMessage(JSON.stringify({ type: 'arm', arm }))).toMatchObject({ id: 'arm-1', operatorId: 'dr.chen', forceN: 6, forceCapN: 8 });
    expect(parseArmMessage(JSON.stringify({ type: 'status', status: {} }))).toBeNull();
    expect(parseArmMessage('{"type":"arm","arm":{"id":"arm-1"}}')).toBeNull(); // no state / cap
    expect(parseArmMessage('{"type":"arm",')).toBeNull();
  });

  it('says who may clear what, and shows force against the cap clamped to the gauge', () => {
    expect(armMeaning('estopped')).toMatchObject({ tone: 'bad' });
    expect(armMeaning('estopped').text).toMatch(/cleared here/);
    expect(armMeaning('idle').tone).toBe('idle');
    const a = parseArmMessage(JSON.stringify({ type: 'arm', arm }))!;
    expect(forceShare(a)).toBeCloseTo(0.75);
    expect(forceShare({ ...a, forceN: 20 })).toBe(1);
    expect(forceShare({ ...a, forceN: null })).toBe(0);
  });
});
