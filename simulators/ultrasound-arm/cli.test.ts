import { describe, expect, it } from 'vitest';
import { parseFault } from './cli.js';

describe('telemed sim ultrasound-arm --fault', () => {
  it('parses kinds, times, durations and the spike force, with defaults', () => {
    expect(parseFault('stall@5')).toEqual({ kind: 'stall', atS: 5, ms: 1000, n: 60 });
    expect(parseFault('spike@2.5:200:35')).toEqual({ kind: 'spike', atS: 2.5, ms: 200, n: 35 });
    expect(parseFault('link@8:1500')).toMatchObject({ kind: 'link', ms: 1500 });
    expect(parseFault('estop@1')).toMatchObject({ kind: 'estop', ms: 2000 });
  });
  it('refuses anything else', () => {
    expect(() => parseFault('fire@1')).toThrow(/bad --fault/);
    expect(() => parseFault('stall')).toThrow(/bad --fault/);
  });
});
