// Issue 13's conformance suite: every shared ECG record a format can hold is exported to HL7 aECG
// and DICOM; each file passes the format's independent validator (xmllint with the HL7 schema,
// dciodvfy with only the accepted warnings), imports back equal to the source sample for sample,
// and every DICOM file is read by pydicom to the same physical values within 1e-9 relative.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EcgExportFormat, exportEcg, exportExtension } from '../../protocols/ecg/export.js';
import { readEcgBytes } from '../../protocols/ecg/import.js';
import { type EcgRecord, INVALID_SAMPLE, isVoltageUnit, microvoltsPerCount } from '../../protocols/ecg/record.js';
import { firstSampleDifference } from './ecg-compare.js';
import { type EcgSource, ecgSources, loadSource } from './ecg-sources.js';
import { type PydicomRead, dciodvfy, pydicomRead, xmllintSchema } from './ecg-validators.js';

const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'telemed-ecg-conformance-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Records a format cannot hold, with the coded refusal expected; every other pair must export.
 * DICOM ECG samples are 16-bit (SS): the 24- and 32-bit test signals of binformats/flacformats do not fit.
 */
const CANNOT_HOLD: Readonly<Record<string, Partial<Record<EcgExportFormat, RegExp>>>> = {
  'wfdb-python-sample-data/binformats': { dicom: /^lead sig 8, fmt 24: count -8388599 does not fit 16-bit SS$/ },
  'wfdb-python-sample-data/flacformats': { dicom: /^lead sig 2, fmt 524: count -8388605 does not fit 16-bit SS$/ },
};

interface Case { src: EcgSource; record: EcgRecord; files: Partial<Record<EcgExportFormat, string>> }
const cases: Case[] = [];
const sources = ecgSources();

beforeAll(async () => {
  for (const [i, src] of sources.entries()) {
    const record = await loadSource(src);
    const files: Case['files'] = {};
    for (const format of ['aecg', 'dicom'] as const) {
      const refusal = CANNOT_HOLD[src.name]?.[format];
      if (refusal !== undefined) {
        expect(() => exportEcg(record, format), `${src.name} → ${format}`).toThrow(refusal);
        continue;
      }
      const path = join(tmp, `${i}${exportExtension(format)}`);
      writeFileSync(path, exportEcg(record, format));
      files[format] = path;
    }
    cases.push({ src, record, files });
  }
}, 120_000);

const byName = (name: string): Case => {
  const c = cases.find((k) => k.src.name === name);
  if (c === undefined) throw new Error(`${name} was not loaded`);
  return c;
};

function expectSameRecord(back: EcgRecord, src: EcgRecord, format: EcgExportFormat): void {
  expect(back.sampleRateHz).toBe(src.leads[0]?.sampleRateHz);
  expect(back.frames).toBe(src.leads[0]?.samples.length);
  if (format === 'aecg' || src.startTime !== null) expect(back.startTime).toBe(src.startTime);
  expect(back.leads.map((l) => [l.lead, l.label])).toEqual(src.leads.map((l) => [l.lead, l.label]));
  for (const [k, l] of src.leads.entries()) {
    const b = back.leads[k];
    if (b === undefined) throw new Error(`lead ${k} lost`);
    expect(firstSampleDifference(b, l), `${l.label}: first differing sample`).toBe(-1);
    expect(isVoltageUnit(b.units)).toBe(isVoltageUnit(l.units));
    expect(Math.abs(microvoltsPerCount(b) / microvoltsPerCount(l) - 1), `${l.label}: µV per count`).toBeLessThan(1e-12);
  }
}

describe('ECG exports of every shared record pass their validators and import back sample for sample', () => {
  it.each(sources.map((s) => [s.name]))('%s', async (name) => {
    const c = byName(name);
    const wrote = Object.keys(c.files).length;
    expect(wrote + Object.keys(CANNOT_HOLD[name] ?? {}).length).toBe(2);
    const aecg = c.files.aecg;
    if (aecg !== undefined) {
      const v = await xmllintSchema(aecg);
      expect(v.valid, v.output).toBe(true);
      const { readFile } = await import('node:fs/promises');
      const bytes = new Uint8Array(await readFile(aecg));
      // Missing samples are gaps between sequence sets, never the internal marker as a value.
      expect(Buffer.from(bytes).includes(String(INVALID_SAMPLE))).toBe(false);
      expectSameRecord(readEcgBytes(bytes, aecg), c.record, 'aecg');
    }
    const dicom = c.files.dicom;
    if (dicom !== undefined) {
      const v = await dciodvfy(dicom);
      expect(v.errors).toEqual([]);
      expect(v.unaccepted).toEqual([]);
      const { readFile } = await import('node:fs/promises');
      expectSameRecord(readEcgBytes(new Uint8Array(await readFile(dicom)), dicom), c.record, 'dicom');
    }
  });
});

describe('pydicom reads every DICOM export to the source physical values', () => {
  it('within 1e-9 relative, sample for sample, on every record DICOM can hold', async () => {
    const withDicom = cases.filter((c) => c.files.dicom !== undefined);
    const reads = await pydicomRead(withDicom.map((c) => c.files.dicom ?? ''), join(here, 'pydicom-physical.py'), tmp);
    expect(reads).toHaveLength(withDicom.length);
    let compared = 0;
    withDicom.forEach((c, f) => {
      const read = reads[f] as PydicomRead;
      const leads = c.record.leads;
      expect(read.channels, c.src.name).toBe(leads.length);
      expect(read.samples, c.src.name).toBe(c.record.leads[0]?.samples.length);
      expect(read.samplingFrequency, c.src.name).toBe(leads[0]?.sampleRateHz);
      for (const [k, l] of leads.entries()) {
        const uv = microvoltsPerCount(l);
        expect(read.units[k]).toBe('uV');
        let worst = 0;
        for (let i = 0; i < l.samples.length; i++) {
          const s = l.samples[i] ?? INVALID_SAMPLE;
          if (s === INVALID_SAMPLE) continue;
          const want = (s - l.baseline) * uv;
          const got = read.values[k * read.samples + i] ?? Number.NaN;
          // Relative to the value, or to one count where the value is 0.
          worst = Math.max(worst, Math.abs(got - want) / Math.max(Math.abs(want), uv));
          compared++;
        }
        expect(worst, `${c.src.name} ${l.label}`).toBeLessThan(1e-9);
      }
    });
    expect(compared).toBeGreaterThan(1_000_000);
  }, 60_000);
});

describe('the cases issue 13 names', () => {
  it('record 800: both channels labelled "ECG" survive both round trips', async () => {
    const c = byName('ecg-kit-recordings/800');
    expect(c.record.leads.map((l) => l.label)).toEqual(['ECG', 'ECG']);
    const { readFile } = await import('node:fs/promises');
    for (const f of ['aecg', 'dicom'] as const) {
      const path = c.files[f] ?? '';
      const back = readEcgBytes(new Uint8Array(await readFile(path)), path);
      expect(back.leads.map((l) => l.label), f).toEqual(['ECG', 'ECG']);
      c.record.leads.forEach((l, k) => expect(firstSampleDifference(back.leads[k] ?? l, l), `${f} lead ${k}`).toBe(-1));
    }
  });

  it('records below 200 Hz are Ambulatory ECG, the 12 standard leads ≤ 16 s are 12-lead, the rest General', async () => {
    expect((await dciodvfy(byName('wfdb-python-sample-data/3000003_0003').files.dicom ?? '')).iod).toBe('AmbulatoryECG');
    expect((await dciodvfy(byName('ecg-kit-recordings/800').files.dicom ?? '')).iod).toBe('AmbulatoryECG');
    expect((await dciodvfy(byName('ecgtoolkit-examples/Example.scp').files.dicom ?? '')).iod).toBe('TwelveLeadECG');
    expect((await dciodvfy(byName('wfdb-python-sample-data/s0010_re').files.dicom ?? '')).iod).toBe('GeneralECG');
  });

  it('237s (a gap with no lead at all, then two segments) keeps its length, start and gap through aECG', async () => {
    const c = byName('wfdb-c-checkpkg/checkpkg/input/237s');
    expect(c.record.frames).toBe(7000);
    expect(c.record.startTime).toBe('1995-07-20T22:00:06');
    expect(c.record.leads[0]?.samples[0]).toBe(INVALID_SAMPLE);
    const { readFile } = await import('node:fs/promises');
    const path = c.files.aecg ?? '';
    const back = readEcgBytes(new Uint8Array(await readFile(path)), path);
    // aECG holds the leads only, at their own 500 Hz: 4 samples per 125 Hz frame.
    expect([back.frames, back.sampleRateHz, back.startTime]).toEqual([28000, 500, '1995-07-20T22:00:06']);
    c.record.leads.forEach((l, k) => expect(firstSampleDifference(back.leads[k] ?? l, l), l.label).toBe(-1));
  });
});
