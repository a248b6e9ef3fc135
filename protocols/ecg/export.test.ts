// import(export(r)) equals r for every format we write: counts, rate, lead codes and labels, µV per
// count, baseline, units, patient, device, start time, measurements and statements; on the shared
// records (WFDB, SCP-ECG, aECG, DICOM) and a synthetic 18-lead record.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWfdbRecord } from '../../gateway/ecg/wfdb-files.js';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { AecgError } from './aecg/errors.js';
import { parseDicom } from './dicom/parse.js';
import { SOP, T } from './dicom/tags.js';
import { decodeText } from './dicom/parse.js';
import { DicomError } from './dicom/errors.js';
import { type EcgExportFormat, exportEcg, sopClassFor } from './export.js';
import { readEcgBytes } from './import.js';
import { firstSampleDifference } from '../../test/conformance/ecg-compare.js';
import { CART_18_LEADS, type EcgRecord, INVALID_SAMPLE, isVoltageUnit, microvoltsPerCount } from './record.js';

/** Now on the local wall clock, read as if UTC (how a zone-less ISO time parses with a "Z"). */
function localNowMs(): number {
  return Date.now() - new Date().getTimezoneOffset() * 60_000;
}

function expectSameRecord(back: EcgRecord, r: EcgRecord): void {
  expect(back.sampleRateHz).toBe(r.leads[0]?.sampleRateHz);
  expect(back.frames).toBe(r.leads[0]?.samples.length);
  // DICOM's Content and Acquisition dates are type 1: a record without a start gets the export time.
  if (r.startTime === null && back.source === 'dicom') expect(Math.abs(Date.parse(`${back.startTime ?? ''}Z`) - localNowMs())).toBeLessThan(60_000);
  else expect(back.startTime).toBe(r.startTime);
  expect(back.leads.map((l) => l.lead)).toEqual(r.leads.map((l) => l.lead));
  expect(back.leads.map((l) => l.label)).toEqual(r.leads.map((l) => l.label));
  for (const [i, l] of r.leads.entries()) {
    const b = back.leads[i];
    expect(b?.samples.length, l.label).toBe(l.samples.length);
    // A loop, not toEqual: deep equality on 500 k-sample typed arrays takes seconds.
    // Counts above the baseline: DICOM writes them with a zero baseline.
    expect(b === undefined ? 0 : firstSampleDifference(b, l), l.label).toBe(-1);
    // aECG writes voltage leads in µV (as carts' aECG files do); DICOM keeps the source's unit.
    expect(isVoltageUnit(b?.units ?? '')).toBe(isVoltageUnit(l.units));
    // 1/(1/gain) may differ from gain in the last bit; physical values agree to 1e-12.
    expect(Math.abs(microvoltsPerCount(b ?? l) / microvoltsPerCount(l) - 1)).toBeLessThan(1e-12);
  }
  expect(back.patient).toEqual(r.patient);
  expect(back.device).toEqual(r.device);
  expect(back.measurements.map((m) => [m.name, m.value, m.unit, m.lead])).toEqual(r.measurements.map((m) => [m.name, m.value, m.unit, m.lead]));
  expect(back.statements).toEqual(r.statements);
}

/** A synthetic 18-lead cart record: 10 s at 500 Hz, 5 µV per count, a missing stretch on V9. */
function synthetic18(): EcgRecord {
  const n = 5000;
  return {
    id: 'synthetic', source: 'cart', sampleRateHz: 500, frames: n, startTime: '2026-11-22T23:40:05.250',
    leads: CART_18_LEADS.map((lead, k) => {
      const s = new Int32Array(n);
      for (let i = 0; i < n; i++) s[i] = Math.round(300 * Math.sin((2 * Math.PI * i * (k + 1)) / 500) + ((i * 7919 + k) % 13) - 6);
      if (lead === 'V9') s.fill(INVALID_SAMPLE, 100, 150);
      return { lead, label: lead, samples: s, sampleRateHz: 500, gain: 0.2, baseline: 0, units: 'uV', adcResolution: 16, derived: k >= 2 && k <= 5 };
    }),
    otherSignals: [],
    patient: { id: 'P-0042', name: 'Zhang & <Li>', ageYears: 67, sex: 'F' },
    device: { model: 'CART-18', serial: 'SN 001', manufacturer: 'Village Devices "Ltd"' },
    // Common names (as every reader produces them) and one name no table knows, passed through.
    measurements: [{ name: 'QRS duration', value: 92, unit: 'ms', lead: null }, { name: 'ventricular rate', value: 71.5, unit: 'bpm', lead: null },
      { name: 'ST elevation J+60 V2', value: 0.21, unit: 'mV', lead: null }],
    statements: ['Sinus rhythm', 'Inferior ST elevation — consider STEMI'],
    notes: [],
  };
}

const ext = (f: EcgExportFormat): string => (f === 'aecg' ? 'out.xml' : 'out.dcm');
const roundTrip = (r: EcgRecord, f: EcgExportFormat): EcgRecord => readEcgBytes(exportEcg(r, f), ext(f));

const SOURCES: [string, () => Promise<EcgRecord>][] = [
  ['WFDB s0010_re (15 leads, 1000 Hz, mV)', async () => (await loadWfdbRecord(join(sharedDataPath('wfdb-python-sample-data'), 's0010_re'))).record],
  ['WFDB 100s (MLII/V5, baseline 1024)', async () => (await loadWfdbRecord(join(sharedDataPath('wfdb-c-checkpkg', 'data'), '100s'))).record],
  ['SCP-ECG Example.scp', () => Promise.resolve(readEcgBytes(readFileSync(sharedDataPath('ecgtoolkit-examples', 'Example.scp')), 'Example.scp'))],
  ['aECG Example.xml', () => Promise.resolve(readEcgBytes(readFileSync(sharedDataPath('ecgtoolkit-examples', 'Example.xml')), 'Example.xml'))],
  ['DICOM Example.dcm (implicit VR)', () => Promise.resolve(readEcgBytes(readFileSync(sharedDataPath('ecgtoolkit-examples', 'Example.dcm')), 'Example.dcm'))],
  ['DICOM waveform_ecg.dcm', () => Promise.resolve(readEcgBytes(readFileSync(sharedDataPath('pydicom-waveform', 'waveform_ecg.dcm')), 'waveform_ecg.dcm'))],
  ['synthetic 18-lead', () => Promise.resolve(synthetic18())],
];

describe('import(export(r)) equals r', () => {
  for (const f of ['aecg', 'dicom'] as const) {
    it.each(SOURCES)(`${f}: %s`, async (_name, load) => {
      const r = await load();
      expectSameRecord(roundTrip(r, f), r);
    });
  }

  it('DICOM SOP class: 12-lead for the 12 standard leads ≤ 16 s at 200–1000 Hz, General ECG to 24 channels, Ambulatory below 200 Hz, else refused', async () => {
    const sop = (r: EcgRecord): string => decodeText(parseDicom(exportEcg(r, 'dicom')).dataset.get(T.SOPClassUID)?.value ?? new Uint8Array());
    const twelve = readEcgBytes(readFileSync(sharedDataPath('pydicom-waveform', 'waveform_ecg.dcm')), 'w.dcm');
    expect(sop(twelve)).toBe(SOP.twelveLeadEcg);
    expect(sopClassFor(synthetic18())).toBe(SOP.generalEcg);
    expect(sop(synthetic18())).toBe(SOP.generalEcg);
    const wfdb = (await loadWfdbRecord(join(sharedDataPath('wfdb-c-checkpkg', 'data'), '100s'))).record;
    expect(sop(wfdb)).toBe(SOP.generalEcg);
    const at = (fs: number, n: number): EcgRecord => ({ ...synthetic18(), leads: synthetic18().leads.slice(0, n).map((l) => ({ ...l, sampleRateHz: fs })) });
    expect(sop(at(125, 12))).toBe(SOP.ambulatoryEcg);
    expect(sop(at(50, 2))).toBe(SOP.ambulatoryEcg);
    // Ambulatory ECG holds at most 12 channels, General ECG at most 24 (PS3.3 A.34); 40 Hz fits neither.
    expect(() => sopClassFor(at(125, 13))).toThrow(expect.objectContaining({ code: 'TM_ERR_DICOM_EXPORT' }));
    expect(() => sopClassFor(at(40, 2))).toThrow(expect.objectContaining({ code: 'TM_ERR_DICOM_EXPORT' }));
    expect(() => sopClassFor({ ...synthetic18(), leads: [...synthetic18().leads, ...synthetic18().leads] })).toThrow(expect.objectContaining({ code: 'TM_ERR_DICOM_EXPORT' }));
  });

  it('records that do not fit are refused with coded errors', () => {
    const r = synthetic18();
    const mixed = { ...r, leads: r.leads.map((l, i) => (i === 0 ? { ...l, sampleRateHz: 250 } : l)) };
    expect(() => exportEcg(mixed, 'aecg')).toThrow(AecgError);
    expect(() => exportEcg(mixed, 'dicom')).toThrow(expect.objectContaining({ code: 'TM_ERR_DICOM_EXPORT' }) as DicomError);
    const wide = { ...r, leads: r.leads.map((l, i) => (i === 0 ? { ...l, samples: Int32Array.of(...l.samples.subarray(0, 4999), 40000) } : l)) };
    expect(() => exportEcg(wide, 'dicom')).toThrow(expect.objectContaining({ code: 'TM_ERR_DICOM_EXPORT' }) as DicomError);
    // aECG digits are plain integers: the wide count survives there.
    expect(roundTrip(wide, 'aecg').leads[0]?.samples[4999]).toBe(40000);
    expect(() => exportEcg({ ...r, leads: [] }, 'dicom')).toThrow(DicomError);
  });
});
