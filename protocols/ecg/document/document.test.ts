import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadWfdbRecord, recordBase } from '../../../gateway/ecg/wfdb-files.js';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { telemed } from '../../wire/proto.js';
import { sampleAnalysis } from '../analysis-summary.test.js';
import { type EcgChannel, type EcgRecord, INVALID_SAMPLE } from '../record.js';
import { decodeEcgDocument, encodeEcgDocument } from './index.js';

function channel(label: string, samples: Int32Array, extra: Partial<EcgChannel> = {}): EcgChannel {
  return {
    lead: null, label, samples, sampleRateHz: 500, gain: 200, baseline: 0, units: 'mV', adcResolution: 12, derived: false, ...extra,
  };
}

function record(leads: EcgChannel[], extra: Partial<EcgRecord> = {}): EcgRecord {
  return {
    id: 'r1', source: 'cart', sampleRateHz: 500, frames: leads[0]?.samples.length ?? 0, startTime: '2026-11-22T10:00:00Z',
    leads, otherSignals: [],
    patient: { id: 'P-77', name: 'Test Person', ageYears: 61, sex: 'F' },
    device: { model: 'Cart-18', serial: 'SN1', manufacturer: null },
    measurements: [{ name: 'QRS duration', value: 96, unit: 'ms', lead: null }, { name: 'ST', value: 0.15, unit: 'mV', lead: 'V2' }],
    statements: ['Sinus rhythm', 'Acute inferior MI'], notes: ['note 1'], ...extra,
  };
}

function sine(n: number, amp: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin(i / 20) + 3 * Math.sin(i * 1.7)));
}

const rejectsWithCode = (f: () => unknown): void => {
  try {
    f();
  } catch (err) {
    expect((err as { code?: unknown }).code).toBe('TM_ERR_ECG_DOCUMENT');
  }
};

describe('EcgDocument', () => {
  it('round-trips a record with invalid runs, mixed blocks, other signals and analysis exactly', () => {
    const ii = sine(5000, 800);
    ii.fill(INVALID_SAMPLE, 1000, 1500); // whole blocks and partial blocks
    ii[3000] = INVALID_SAMPLE;
    const extreme = Int32Array.from([2147483647, -2147483647, 0, 2147483647, INVALID_SAMPLE, -5, 2147483647]);
    const r = record([
      channel('II', ii, { lead: 'II', derived: true }),
      channel('aVR', sine(5000, -300), { lead: 'aVR', baseline: 1024 }),
      channel('odd', extreme, { sampleRateHz: 250, gain: 1 / 0.0049, units: 'uV' }),
    ], { otherSignals: [channel('ABP', sine(2500, 60), { sampleRateHz: 250, units: 'mmHg', gain: 10, adcResolution: 0 })] });
    const out = decodeEcgDocument(encodeEcgDocument(r, sampleAnalysis()));
    expect(out.record).toEqual(r);
    expect(out.analysis).toEqual(sampleAnalysis());
  });

  it('keeps unknowns unknown and an absent analysis absent', () => {
    const r = record([channel('I', new Int32Array(0), { lead: 'I' })], {
      startTime: null, patient: { id: null, name: null, ageYears: null, sex: 'U' },
      device: { model: null, serial: null, manufacturer: null }, measurements: [], statements: [], notes: [],
    });
    expect(decodeEcgDocument(encodeEcgDocument(r, null))).toEqual({ record: r, analysis: null });
  });

  it('round-trips arbitrary int32 channels (property)', () => {
    const sample = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: -2000, max: 2000 }) },
      { weight: 1, arbitrary: fc.integer({ min: -2147483647, max: 2147483647 }) },
      { weight: 1, arbitrary: fc.constant(INVALID_SAMPLE) },
    );
    // Runs make the predictor's job realistic; long INVALID runs exercise the all-invalid blocks.
    const run = fc.tuple(sample, fc.integer({ min: 1, max: 300 }), fc.integer({ min: -3, max: 3 })).map(([v, len, step]) =>
      Array.from({ length: len }, (_, i) => (v === INVALID_SAMPLE ? v : Math.max(-2147483647, Math.min(2147483647, v + i * step)))));
    const samples = fc.array(run, { maxLength: 12 }).map((runs) => Int32Array.from(runs.flat()));
    fc.assert(fc.property(fc.array(samples, { minLength: 1, maxLength: 4 }), fc.constantFrom(16, 64, 128, 1024), (chs, blockSize) => {
      const r = record(chs.map((s, i) => channel(`L${i}`, s)));
      expect(decodeEcgDocument(encodeEcgDocument(r, null, { blockSize })).record).toEqual(r);
    }), { numRuns: 200 });
  });

  it('compresses a real MIT-BIH minute below half of raw 16-bit and round-trips it', async () => {
    const { record: full } = await loadWfdbRecord(recordBase(sharedDataPath('wfdb-python-sample-data', '100.hea')));
    const r = { ...full, leads: full.leads.map((l) => ({ ...l, samples: l.samples.slice(0, 21600) })), frames: 21600 };
    const bytes = encodeEcgDocument(r, null);
    const raw = r.leads.length * 21600 * 2;
    expect(bytes.length / raw).toBeLessThan(0.5);
    expect(decodeEcgDocument(bytes).record).toEqual(r);
  });

  it('rejects a declared sample count over the limit without allocating it', () => {
    const bytes = telemed.v1.EcgDocument.encode({
      recordId: 'x', sampleRateHz: 500, leads: [{ lead: 'I', sampleRateHz: 500, sampleCount: 2 ** 31, encoding: 2, data: new Uint8Array(4) }],
    }).finish();
    expect(() => decodeEcgDocument(bytes)).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_DOCUMENT' }));
    const many = telemed.v1.EcgDocument.encode({
      recordId: 'x', sampleRateHz: 500,
      leads: Array.from({ length: 3 }, () => ({ lead: 'I', sampleRateHz: 500, sampleCount: 2 ** 24, encoding: 2, data: new Uint8Array(4) })),
    }).finish();
    expect(() => decodeEcgDocument(many)).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_DOCUMENT' }));
  });

  it('rejects a truncated lead stream, an unknown encoding and a bad lead code with TM_ERR_ECG_DOCUMENT', () => {
    const good = telemed.v1.EcgDocument.decode(encodeEcgDocument(record([channel('I', sine(1000, 500), { lead: 'I' })]), null));
    const lead = good.leads[0] ?? {};
    for (const patch of [
      { data: (lead.data ?? new Uint8Array()).subarray(0, 40) },
      { encoding: 7 },
      { lead: 'V13' },
      { sampleRateHz: 0 },
    ]) {
      const bad = telemed.v1.EcgDocument.encode({ ...good, leads: [{ ...lead, ...patch }] }).finish();
      expect(() => decodeEcgDocument(bad)).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_DOCUMENT' }));
    }
  });

  it('survives random bytes and mutated documents: returns or throws a coded error (fuzz)', () => {
    const valid = encodeEcgDocument(record([channel('II', sine(2000, 900), { lead: 'II' }), channel('V1', sine(2000, -200), { lead: 'V1' })]), sampleAnalysis());
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => { rejectsWithCode(() => decodeEcgDocument(bytes)); }), { numRuns: 2000 });
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat({ max: valid.length }),
      (edits, cut) => {
        const m = valid.slice(0, Math.max(1, cut));
        for (const [at, v] of edits) if (at < m.length) m[at] = v;
        rejectsWithCode(() => decodeEcgDocument(m));
      },
    ), { numRuns: 3000 });
  });
});
