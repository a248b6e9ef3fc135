// Hand-built data sets: undefined-length sequences and items in implicit and explicit VR, and every
// refusal with its code. Fuzz: random bytes and mutations of the shared files and of a small export;
// never a crash or hang, every rejection a DicomError with a TM_ERR_DICOM_* code; slowest printed.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { type EcgRecord, microvoltsPerCount } from '../record.js';
import { DicomError, DicomErrorCode } from './errors.js';
import { readDicomEcg } from './read.js';
import { exportDicomEcg } from './write.js';

const CODES = new Set<string>(Object.values(DicomErrorCode));
const slowest = { ms: 0, what: '' };

function codedOrOk(b: Uint8Array, what: string, opts = {}): string {
  const t0 = performance.now();
  try {
    readDicomEcg(b, 'fuzz', opts);
    return 'ok';
  } catch (err) {
    if (err instanceof DicomError && CODES.has(err.code)) return err.code;
    throw err;
  } finally {
    const ms = performance.now() - t0;
    if (ms > slowest.ms) Object.assign(slowest, { ms, what: `${what} (${b.length} bytes)` });
  }
}

/** A tiny little-endian data set builder; `explicit` chooses the VR encoding. */
function builder(explicit: boolean) {
  const u16 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff];
  const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  const tagBytes = (t: number): number[] => [...u16(t >>> 16), ...u16(t & 0xffff)];
  const pad = (v: number[], fill: number): number[] => (v.length % 2 === 0 ? v : [...v, fill]);
  const el = (t: number, vr: string, value: number[]): number[] => {
    if (!explicit) return [...tagBytes(t), ...u32(value.length), ...value];
    const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
    return [...tagBytes(t), vr.charCodeAt(0), vr.charCodeAt(1), ...(long ? [0, 0, ...u32(value.length)] : u16(value.length)), ...value];
  };
  const str = (t: number, vr: string, s: string): number[] => el(t, vr, pad([...Buffer.from(s, 'latin1')], 0x20));
  const us = (t: number, n: number): number[] => el(t, 'US', u16(n));
  const ul = (t: number, n: number): number[] => el(t, 'UL', u32(n));
  const ow = (t: number, values: number[]): number[] => el(t, 'OW', values.flatMap((v) => u16(v & 0xffff)));
  /** Sequence and items of undefined length, closed by delimiters (PS3.5 §7.5.2). */
  const sqU = (t: number, items: number[][]): number[] => [
    ...tagBytes(t), ...(explicit ? [0x53, 0x51, 0, 0] : []), ...u32(0xffffffff),
    ...items.flatMap((it) => [...tagBytes(0xfffee000), ...u32(0xffffffff), ...it, ...tagBytes(0xfffee00d), ...u32(0)]),
    ...tagBytes(0xfffee0dd), ...u32(0),
  ];
  return { el, str, us, ul, ow, sqU };
}

function tinyWaveform(explicit: boolean, samples = [10, -20, 30, -40, 50, -60], second: { label: string; leads: [number, string][] } | null = null): Uint8Array {
  const b = builder(explicit);
  const chan = (n: number, label: string): number[] => [
    ...b.str(0x003a0203, 'SH', label),
    ...b.sqU(0x003a0208, [[...b.str(0x00080100, 'SH', `5.6.3-9-${n}`), ...b.str(0x00080102, 'SH', 'SCPECG'), ...b.str(0x00080104, 'LO', label)]]),
    ...b.str(0x003a0210, 'DS', '5'),
    ...b.sqU(0x003a0211, [[...b.str(0x00080100, 'SH', 'uV')]]),
    ...b.str(0x003a0213, 'DS', '-10'),
  ];
  return new Uint8Array([
    ...b.str(0x00100010, 'PN', 'Doe^J'), ...b.str(0x0008002a, 'DT', '20260102030405.25'),
    ...b.sqU(0x54000100, [[
      ...b.us(0x003a0005, 2), ...b.ul(0x003a0010, 3), ...b.str(0x003a001a, 'DS', '250'), ...b.str(0x003a0020, 'SH', 'RHYTHM'),
      ...b.sqU(0x003a0200, [chan(1, 'Lead I'), chan(2, 'Lead II')]),
      ...b.us(0x54001004, 16), ...b.str(0x54001006, 'CS', 'SS'), ...b.ow(0x54001010, samples),
    ], ...(second === null ? [] : [[
      ...b.us(0x003a0005, second.leads.length), ...b.ul(0x003a0010, 3), ...b.str(0x003a001a, 'DS', '250'), ...b.str(0x003a0020, 'SH', second.label),
      ...b.sqU(0x003a0200, second.leads.map(([n, l]) => chan(n, l))),
      ...b.us(0x54001004, 16), ...b.str(0x54001006, 'CS', 'SS'), ...b.ow(0x54001010, Array.from({ length: 3 * second.leads.length }, (_, i) => 100 + i)),
    ]])]),
  ]);
}

describe('DICOM reader on hand-built data sets', () => {
  it.each([false, true])('undefined-length sequences and items (explicit VR: %s), raw data set without preamble', (explicit) => {
    const r = readDicomEcg(tinyWaveform(explicit), 'tiny');
    expect(r.sampleRateHz).toBe(250);
    expect(r.leads.map((l) => l.lead)).toEqual(['I', 'II']);
    expect(Array.from(r.leads[0]?.samples ?? [])).toEqual([10, 30, 50]);
    expect(Array.from(r.leads[1]?.samples ?? [])).toEqual([-20, -40, -60]);
    // physical = count × 5 µV + (−10 µV): baseline = 2 counts.
    expect(r.leads[0]).toMatchObject({ gain: 0.2, baseline: 2, units: 'uV' });
    expect(microvoltsPerCount(r.leads[0] ?? { gain: 0, units: '' })).toBe(5);
    expect(r.patient.name).toBe('Doe^J');
    expect(r.startTime).toBe('2026-01-02T03:04:05.25');
  });

  it('leads split over groups with the same label, rate and length are one record; another label is a note', () => {
    const split = readDicomEcg(tinyWaveform(true, undefined, { label: 'RHYTHM', leads: [[3, 'Lead V1'], [2, 'Lead II again']] }), 's');
    // Lead II repeated in the second group is not taken twice.
    expect(split.leads.map((l) => l.lead)).toEqual(['I', 'II', 'V1']);
    expect(Array.from(split.leads[2]?.samples ?? [])).toEqual([100, 102, 104]);
    const median = readDicomEcg(tinyWaveform(false, undefined, { label: 'MEDIAN BEAT', leads: [[3, 'Lead V1']] }), 'm');
    expect(median.leads.map((l) => l.lead)).toEqual(['I', 'II']);
    expect(median.notes.join(' ')).toMatch(/MEDIAN BEAT/);
  });

  it('every refusal carries its code', () => {
    const t = tinyWaveform(true);
    expect(codedOrOk(t.subarray(0, t.length - 8), 'no sequence delimiter')).toBe(DicomErrorCode.TRUNCATED);
    expect(codedOrOk(new Uint8Array(4), 'tiny')).toBe(DicomErrorCode.NOT_DICOM);
    expect(codedOrOk(new Uint8Array([...new Uint8Array(128), 0x44, 0x49, 0x43, 0x4d]), 'preamble only')).toBe(DicomErrorCode.NOT_DICOM);
    expect(codedOrOk(t, 'items', { maxItems: 1 })).toBe(DicomErrorCode.LIMIT);
    expect(codedOrOk(t, 'depth', { maxDepth: 2 })).toBe(DicomErrorCode.LIMIT);
    expect(codedOrOk(t, 'samples', { maxSamples: 5 })).toBe(DicomErrorCode.LIMIT);
    const b = builder(true);
    expect(codedOrOk(new Uint8Array(b.str(0x00100010, 'PN', 'Doe')), 'no waveform')).toBe(DicomErrorCode.WAVEFORM);
    const badVr = new Uint8Array(b.str(0x00100010, 'PN', 'Doe'));
    badVr[4] = 0x7a;
    expect(codedOrOk(new Uint8Array([...b.str(0x00080020, 'DA', '20260101'), ...badVr]), 'bad VR')).toBe(DicomErrorCode.SYNTAX);
    const long = new Uint8Array(b.str(0x00080020, 'DA', '20260101'));
    long[6] = 0xff;
    expect(codedOrOk(long, 'length past end')).toBe(DicomErrorCode.TRUNCATED);
    const deep = (n: number): number[] => (n === 0 ? b.str(0x00100010, 'PN', 'x') : b.sqU(0x00081110, [deep(n - 1)]));
    expect(codedOrOk(new Uint8Array(deep(40)), 'nesting bomb')).toBe(DicomErrorCode.LIMIT);
    const bits12 = Buffer.from(tinyWaveform(true));
    bits12.writeUInt16LE(12, bits12.indexOf(Buffer.from([0x00, 0x54, 0x04, 0x10])) + 8);
    expect(codedOrOk(bits12, '12-bit')).toBe(DicomErrorCode.WAVEFORM);
    expect(codedOrOk(tinyWaveform(true, [1, 2, 3]), 'short data')).toBe(DicomErrorCode.TRUNCATED);
  });
});

function smallExport(): Uint8Array {
  const lead = (k: number): EcgRecord['leads'][number] => ({
    lead: k === 0 ? 'I' : 'V1', label: k === 0 ? 'I' : 'V1', samples: Int32Array.from({ length: 30 }, (_, i) => (i * (k + 5)) % 23 - 11),
    sampleRateHz: 500, gain: 0.2, baseline: 0, units: 'uV', adcResolution: 16, derived: false,
  });
  return exportDicomEcg({
    id: 's', source: 'cart', sampleRateHz: 500, frames: 30, startTime: '2026-01-02T03:04:05', leads: [lead(0), lead(1)], otherSignals: [],
    patient: { id: 'p', name: 'n', ageYears: 50, sex: 'M' }, device: { model: 'm', serial: 's', manufacturer: 'x' },
    measurements: [{ name: 'QRS', value: 90, unit: 'ms', lead: null }], statements: ['ok'], notes: [],
  });
}

describe('DICOM reader under fuzz', () => {
  it('random bytes, with and without a Part 10 preamble, never crash', () => {
    const dicm = Uint8Array.from([...new Uint8Array(128), 0x44, 0x49, 0x43, 0x4d]);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
      codedOrOk(b, 'random');
      codedOrOk(new Uint8Array([...dicm, ...b]), 'random after DICM');
      codedOrOk(new Uint8Array([0x08, 0x00, 0x16, 0x00, ...b]), 'random after a tag');
    }), { numRuns: 2000 });
  });

  it('mutations of a small export and of the hand-built undefined-length set never crash', () => {
    for (const base of [smallExport(), tinyWaveform(false), tinyWaveform(true)]) {
      expect(codedOrOk(base, 'base')).toBe('ok');
      fc.assert(fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(base.length),
        (flips, cut) => {
          const m = base.slice();
          for (const [at, v] of flips) m[at] = v;
          codedOrOk(m, 'flipped small');
          codedOrOk(m.subarray(0, cut), 'cut small');
        }), { numRuns: 1500 });
    }
  });

  it('mutations of the shared DICOM files never crash; slowest input printed', () => {
    for (const [folder, name] of [['ecgtoolkit-examples', 'Example.dcm'], ['pydicom-waveform', 'waveform_ecg.dcm']] as const) {
      const base = new Uint8Array(readFileSync(sharedDataPath(folder, name)));
      // Structure lives before the waveform data: flips aim at the first 8 KiB, cuts anywhere.
      fc.assert(fc.property(fc.nat(8191), fc.integer({ min: 0, max: 255 }), fc.nat(base.length), (at, v, cut) => {
        const m = base.slice();
        m[at] = v;
        codedOrOk(m, `${name} byte ${at}=${v}`);
        codedOrOk(m.subarray(0, cut), `${name} byte ${at}=${v}, cut at ${cut}`);
      }), { numRuns: 150 });
    }
    console.log(`DICOM fuzz: slowest input ${slowest.ms.toFixed(1)} ms: ${slowest.what}`);
    expect(slowest.ms).toBeLessThan(3000);
  });
});
