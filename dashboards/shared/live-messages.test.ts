import { describe, expect, it } from 'vitest';
import { parseHubMessage, parseSiteMessage } from './live-messages.js';

const gw = { id: 'clinic-1', connected: true, siteKind: 'clinic', siteName: 'x', latency: {} };

describe('parseHubMessage', () => {
  it('accepts the documented messages', () => {
    expect(parseHubMessage(JSON.stringify({ type: 'snapshot', gateways: [gw, { id: 3 }] }))).toEqual({ type: 'snapshot', gateways: [gw] });
    expect(parseHubMessage(JSON.stringify({ type: 'gateway', gateway: gw }))).toEqual({ type: 'gateway', gateway: gw });
    const v = parseHubMessage(JSON.stringify({ type: 'vitals', gatewayId: 'g', streamId: 's', captureTime: null, numerics: [{ code: 'HR', label: 'HR', value: 60, unit: 'bpm' }, { code: 'bad' }] }));
    expect(v).toMatchObject({ type: 'vitals', gatewayId: 'g', numerics: [{ code: 'HR', value: 60 }] });
  });

  it('returns null for garbage instead of throwing', () => {
    for (const t of ['', 'nope', '[]', 'null', '{"type":"gateway"}', '{"type":"snapshot","gateways":{}}', '{"type":"other"}', '{"type":"vitals","gatewayId":1,"numerics":[]}']) {
      expect(parseHubMessage(t)).toBeNull();
    }
  });
});

describe('parseSiteMessage', () => {
  const status = { gatewayId: 'g', link: { state: 'ready' }, classes: {}, devices: [] };
  it('unwraps a status message and rejects others', () => {
    expect(parseSiteMessage(JSON.stringify({ type: 'status', status }))).toEqual(status);
    expect(parseSiteMessage(JSON.stringify({ type: 'status', status: { gatewayId: 'g' } }))).toBeNull();
    expect(parseSiteMessage(JSON.stringify({ type: 'other', status }))).toBeNull();
    expect(parseSiteMessage('{')).toBeNull();
  });
});
