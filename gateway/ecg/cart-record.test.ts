import { describe, expect, it } from 'vitest';
import { RecordAssembler } from '../../devices/ecg-cart/record-assembler.js';
import { CART_LEADS } from '../../protocols/ecg-cart/index.js';
import { decodeEcgDocument, encodeEcgDocument } from '../../protocols/ecg/document/index.js';
import { channelMicrovolts } from '../../protocols/ecg/record.js';
import { EcgModel } from '../../simulators/ecg-cart/ecg-model.js';
import { cartRecordToEcgRecord } from './cart-record.js';

function cartRecord(uvPerCount: number) {
  const model = new EcgModel({ seed: 3, uvPerCount });
  const a = new RecordAssembler('rec-1', 'PATIENT-9', 0, { sampleRateHz: 500, uvPerCount, leads: CART_LEADS });
  a.add(0, 1000, model.next(1000));
  return a.finish(1000, false);
}

describe('cartRecordToEcgRecord', () => {
  it('keeps counts exact, maps leads and derived flags, scales to µV', () => {
    const c = cartRecord(2.5);
    const r = cartRecordToEcgRecord(c, { startTime: '2026-11-22T23:00:00.000Z', device: { model: 'SIM-18', serial: 'S1' } });
    expect(r.leads.map((l) => l.lead)).toEqual([...CART_LEADS]);
    expect(r.leads.filter((l) => l.derived).map((l) => l.label)).toEqual(['III', 'aVR', 'aVL', 'aVF']);
    expect(Array.from(r.leads[1]?.samples ?? [])).toEqual(Array.from(c.samples[1] ?? []));
    const uv = channelMicrovolts(r.leads[1]!);
    expect(uv[10]).toBeCloseTo((c.samples[1]?.[10] ?? 0) * 2.5, 9);
    expect(r.patient.id).toBe('PATIENT-9');
    expect(r.frames).toBe(1000);
    expect(r.device.model).toBe('SIM-18');
    expect(decodeEcgDocument(encodeEcgDocument(r, null)).record).toEqual(r);
  });

  it('takes per-lead derived flags from the device info and notes an incomplete record', () => {
    const c = { ...cartRecord(1), complete: false, missingSamples: 40 };
    const r = cartRecordToEcgRecord(c, { leadInfo: CART_LEADS.map((name) => ({ name, derived: name === 'V9' })) });
    expect(r.leads.filter((l) => l.derived).map((l) => l.label)).toEqual(['V9']);
    expect(r.notes).toEqual(['40 samples missing (lost blocks)']);
  });
});
