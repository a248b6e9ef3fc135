import { describe, expect, it } from 'vitest';
import { parseRoute } from './route.js';

describe('parseRoute', () => {
  it('maps hashes to views', () => {
    expect(parseRoute('')).toEqual({ view: 'gateways' });
    expect(parseRoute('#/gateways')).toEqual({ view: 'gateways' });
    expect(parseRoute('#/ecg')).toEqual({ view: 'worklist' });
    expect(parseRoute('#/ecg/12%2F3')).toEqual({ view: 'record', id: '12/3' });
    expect(parseRoute('#/ecg/%E0%A4%A')).toEqual({ view: 'worklist' });
    expect(parseRoute('#/ambulances')).toEqual({ view: 'ambulances', id: null });
    expect(parseRoute('#/ambulances/amb%2D7')).toEqual({ view: 'ambulances', id: 'amb-7' });
    expect(parseRoute('#/ambulances/%E0%A4%A')).toEqual({ view: 'ambulances', id: null });
    expect(parseRoute('#/teleop')).toEqual({ view: 'teleop' });
  });
});
