import { describe, expect, it } from 'vitest';
import { CART_LEADS } from '../../protocols/ecg-cart/index.js';
import { type EcgChannel, type EcgRecord, INVALID_SAMPLE, type StandardLead, unknownDevice, unknownPatient } from '../../protocols/ecg/record.js';
import { RecordReplay, resampleLinear } from './record-replay.js';

function channel(lead: StandardLead, samples: number[], o: Partial<EcgChannel> = {}): EcgChannel {
  return {
    lead, label: lead, samples: Int32Array.from(samples), sampleRateHz: 500, gain: 200, baseline: 0, units: 'mV', adcResolution: 12, derived: false, ...o,
  };
}

function record(leads: EcgChannel[]): EcgRecord {
  return {
    id: 'r', source: 'wfdb', sampleRateHz: leads[0]?.sampleRateHz ?? 500, frames: leads[0]?.samples.length ?? 0, startTime: null,
    leads, otherSignals: [], patient: unknownPatient(), device: unknownDevice(), measurements: [], statements: [], notes: [],
  };
}

const at = (block: Int16Array, lead: string, n: number): number[] => {
  const l = CART_LEADS.indexOf(lead as (typeof CART_LEADS)[number]);
  return Array.from(block.subarray(l * n, (l + 1) * n));
};

describe('resampleLinear', () => {
  it('copies at equal rates, keeps a ramp exact at 360 → 500 Hz, and takes every other sample at 1000 → 500 Hz', () => {
    const x = Float64Array.from({ length: 361 }, (_, i) => 5 * i);
    expect(Array.from(resampleLinear(x, 500, 500))).toEqual(Array.from(x));
    const up = resampleLinear(x, 360, 500);
    expect(up.length).toBe(501); // 1 s of input (361 samples span exactly 1 s) → 501 output samples
    up.forEach((v, i) => expect(v).toBeCloseTo((5 * i * 360) / 500, 9));
    expect(Array.from(resampleLinear(x, 1000, 500))).toEqual(Array.from(x).filter((_, i) => i % 2 === 0));
    expect(resampleLinear(new Float64Array(0), 360, 500)).toHaveLength(0);
  });
});

describe('RecordReplay', () => {
  it('maps leads by code, derives the Goldberger leads from I and II, marks the rest off', () => {
    const I = [10, 20, -30, 41];
    const II = [5, -15, 60, 7];
    const r = new RecordReplay(record([channel('I', I), channel('II', II, { baseline: 3 }), channel('V2', [1, 2, 3, 4])]));
    expect(r.uvPerCount).toBe(5);
    expect([...r.derivedLeads].sort()).toEqual(['III', 'aVF', 'aVL', 'aVR']);
    const off = CART_LEADS.filter((_, l) => (r.leadOffBitmap >>> l) & 1);
    expect(off).toEqual(['V1', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V3R', 'V4R', 'V5R']);
    const b = r.next(4);
    const ii = II.map((v) => v - 3);
    expect(at(b, 'I', 4)).toEqual(I);
    expect(at(b, 'II', 4)).toEqual(ii);
    expect(at(b, 'III', 4)).toEqual(ii.map((v, i) => v - (I[i] ?? 0)));
    expect(at(b, 'aVR', 4)).toEqual(ii.map((v, i) => Math.round(-((I[i] ?? 0) + v) / 2)));
    expect(at(b, 'aVL', 4)).toEqual(ii.map((v, i) => Math.round((I[i] ?? 0) - v / 2)));
    expect(at(b, 'aVF', 4)).toEqual(ii.map((v, i) => Math.round(v - (I[i] ?? 0) / 2)));
    expect(at(b, 'V2', 4)).toEqual([1, 2, 3, 4]);
    expect(at(b, 'V1', 4)).toEqual([0, 0, 0, 0]);
    expect(r.origins[CART_LEADS.indexOf('II')]).toEqual({ kind: 'record', label: 'II' });
  });

  it('MLII stands for II; I is derived from II and III; invalid samples are sent as 0', () => {
    const r = new RecordReplay(record([channel('MLII', [100, INVALID_SAMPLE, 300]), channel('III', [40, 50, 60])]));
    const b = r.next(3);
    expect(at(b, 'II', 3)).toEqual([100, 0, 300]);
    expect(at(b, 'I', 3)).toEqual([60, -50, 240]);
    expect(r.derivedLeads.has('I')).toBe(true);
    expect(r.derivedLeads.has('III')).toBe(false);
  });

  it('mixed gains are rescaled to 1 µV per count', () => {
    const r = new RecordReplay(record([channel('V1', [10, -10]), channel('V2', [10, -10], { gain: 1000 })]));
    expect(r.uvPerCount).toBe(1);
    const b = r.next(2);
    expect(at(b, 'V1', 2)).toEqual([50, -50]);
    expect(at(b, 'V2', 2)).toEqual([10, -10]);
  });

  it('runs out at the end, or loops; a rewind restarts the index, not the position', () => {
    const once = new RecordReplay(record([channel('V1', [1, 2, 3])]));
    expect(once.available()).toBe(3);
    expect(at(once.next(2), 'V1', 2)).toEqual([1, 2]);
    expect(once.available()).toBe(1);
    expect(at(once.next(1), 'V1', 1)).toEqual([3]);
    expect(once.available()).toBe(0);
    const looped = new RecordReplay(record([channel('V1', [1, 2, 3])]), { loop: true });
    expect(looped.available()).toBe(Number.POSITIVE_INFINITY);
    expect(at(looped.next(7), 'V1', 7)).toEqual([1, 2, 3, 1, 2, 3, 1]);
    expect(looped.sampleIndex).toBe(7);
    looped.rewindIndex();
    expect(looped.sampleIndex).toBe(0);
    expect(at(looped.next(1), 'V1', 1)).toEqual([2]);
    expect(new RecordReplay(record([])).available()).toBe(0);
  });

  it('a lead the host sets off reads 0; a lead the record lacks stays off', () => {
    const r = new RecordReplay(record([channel('V1', [1, 2]), channel('V2', [3, 4])]));
    const v1 = 1 << CART_LEADS.indexOf('V1');
    r.setLeadOff(v1);
    expect(at(r.next(1), 'V1', 1)).toEqual([0]);
    expect((r.leadOffBitmap >>> CART_LEADS.indexOf('V6')) & 1).toBe(1);
    r.setLeadOff(0);
    expect(at(r.next(1), 'V1', 1)).toEqual([2]);
  });
});
