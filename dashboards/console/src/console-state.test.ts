import { describe, expect, it } from 'vitest';
import type { GatewayView } from '../../shared/types.js';
import { applyHubMessage, EMPTY_CONSOLE, sortedGateways } from './console-state.js';

function gw(id: string, connected: boolean, siteKind: 'clinic' | 'ambulance' = 'clinic'): GatewayView {
  return { id, siteKind, siteName: id, connected, connectedAt: null, lastSeenAt: null, rttMs: null, clockOffsetMs: null, framesReceived: 0, latency: {} };
}

describe('applyHubMessage', () => {
  it('a snapshot replaces the gateway set; updates replace one gateway', () => {
    let s = applyHubMessage(EMPTY_CONSOLE, { type: 'gateway', gateway: gw('old', true) });
    s = applyHubMessage(s, { type: 'snapshot', gateways: [gw('a', true), gw('b', false)] });
    expect(Object.keys(s.gateways).sort()).toEqual(['a', 'b']);
    s = applyHubMessage(s, { type: 'gateway', gateway: gw('b', true) });
    expect(s.gateways['b']?.connected).toBe(true);
  });

  it('keeps only the latest vitals per gateway and counts alarms', () => {
    let s = EMPTY_CONSOLE;
    for (const value of [60, 61, 62]) {
      s = applyHubMessage(s, { type: 'vitals', gatewayId: 'a', streamId: 'v', captureTime: 0, numerics: [{ code: 'HR', label: 'HR', value, unit: 'bpm' }] });
    }
    expect(Object.keys(s.vitals)).toEqual(['a']);
    expect(s.vitals['a']?.numerics[0]?.value).toBe(62);
    s = applyHubMessage(applyHubMessage(s, { type: 'alarm', gatewayId: 'a' }), { type: 'alarm', gatewayId: 'a' });
    expect(s.alarms['a']).toBe(2);
    expect(EMPTY_CONSOLE.vitals).toEqual({});
  });
});

describe('sortedGateways', () => {
  it('puts connected first, ambulances before clinics, then by id', () => {
    const s = applyHubMessage(EMPTY_CONSOLE, {
      type: 'snapshot',
      gateways: [gw('c-2', true), gw('off', false, 'ambulance'), gw('c-1', true), gw('amb', true, 'ambulance')],
    });
    expect(sortedGateways(s).map((g) => g.id)).toEqual(['amb', 'c-1', 'c-2', 'off']);
  });
});
