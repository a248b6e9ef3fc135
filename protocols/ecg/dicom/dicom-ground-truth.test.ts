// The DICOM waveform reader against the independent decoder dumps in GROUND_TRUTH.txt: the RHYTHM
// multiplex group's counts (first five of channels 0-2, the sum of every channel), channel order and
// codes, sensitivity, patient/device/time and the annotations the text lists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { microvoltsPerCount } from '../record.js';
import { DicomError } from './errors.js';
import { parseDicom } from './parse.js';
import { readDicomEcg } from './read.js';

interface Dump { sop: string; ts: string; fs: number; nch: number; ns: number; channels: { code: string; meaning: string; sens: number; unit: string }[]; first5: number[][]; sums: number[]; fields: Map<string, string> }

/** Parses the "## <file> <sop> … TS <ts>" dump and its "MG n RHYTHM" group. */
function dump(folder: string, file: string): Dump {
  const text = readFileSync(join(sharedDataPath(folder), 'GROUND_TRUTH.txt'), 'utf8');
  const start = text.indexOf(`## ${folder}/${file} `);
  expect(start, `dump of ${file}`).toBeGreaterThanOrEqual(0);
  const section = text.slice(start).split('\n## ')[0] ?? '';
  const head = /^## \S+ (\S+) .* TS (\S+)/.exec(section);
  const rhythm = section.slice(section.indexOf('RHYTHM fs')).split(/\n\s+MG \d/)[0] ?? '';
  const mg = /RHYTHM fs (\d+) nch (\d+) ns (\d+)/.exec(rhythm);
  const channels = [...rhythm.matchAll(/\('([^']+)', '([^']+)', '([\d.]+)', '(\w+)'/g)].map((m) => ({ code: m[1] ?? '', meaning: m[2] ?? '', sens: Number(m[3]), unit: m[4] ?? '' }));
  const raw = /raw first5 per ch: \[(.*)\] shape .* sum per ch \[([^\]]*)\]/.exec(rhythm);
  const first5 = [...(raw?.[1] ?? '').matchAll(/\[([^\]]*)\]/g)].map((m) => (m[1] ?? '').split(',').map(Number));
  const fields = new Map([...section.matchAll(/^ {3}(\w+) '([^']*)'$/gm)].map((m) => [m[1] ?? '', m[2] ?? ''] as const));
  return {
    sop: head?.[1] ?? '', ts: head?.[2] ?? '', fs: Number(mg?.[1]), nch: Number(mg?.[2]), ns: Number(mg?.[3]),
    channels, first5, sums: (raw?.[2] ?? '').split(',').map(Number), fields,
  };
}

const FILES = [['ecgtoolkit-examples', 'Example.dcm'], ['pydicom-waveform', 'waveform_ecg.dcm']] as const;

describe('DICOM waveform reader against GROUND_TRUTH.txt', () => {
  it.each(FILES)('%s/%s: the RHYTHM group sample-exact, channel by channel', (folder, file) => {
    const d = dump(folder, file);
    const bytes = readFileSync(join(sharedDataPath(folder), file));
    expect(parseDicom(bytes).transferSyntax).toBe(d.ts);
    const r = readDicomEcg(bytes, 'x');
    expect(r.sampleRateHz).toBe(d.fs);
    expect(r.frames).toBe(d.ns);
    expect(r.leads).toHaveLength(d.nch);
    expect(r.leads.map((l) => l.label)).toEqual(d.channels.map((c) => c.meaning));
    for (const [i, l] of r.leads.entries()) {
      expect(l.samples.length).toBe(d.ns);
      expect(l.samples.reduce((a, b) => a + b, 0), l.label).toBe(d.sums[i]);
      expect(l.units).toBe(d.channels[i]?.unit);
      expect(microvoltsPerCount(l)).toBe(d.channels[i]?.sens);
    }
    for (const [i, want] of d.first5.entries()) expect(Array.from(r.leads[i]?.samples.subarray(0, 5) ?? [])).toEqual(want);
    expect(r.leads.map((l) => l.lead)).toEqual(['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
    expect(r.patient.id).toBe(d.fields.get('PatientID'));
    expect(r.patient.name).toBe(d.fields.get('PatientName'));
    expect(r.patient.sex).toBe(d.fields.get('PatientSex'));
    expect(r.device.manufacturer).toBe(d.fields.get('Manufacturer'));
    expect(r.device.model).toBe(d.fields.get('ManufacturerModelName'));
    expect(r.startTime?.replace(/[-T:]/g, '')).toBe(d.fields.get('AcquisitionDateTime'));
    expect(r.notes.join(' ')).toMatch(/MEDIAN BEAT/);
  });

  it('waveform_ecg.dcm: measurements and statements from the WaveformAnnotationSequence', () => {
    const r = readDicomEcg(readFileSync(join(sharedDataPath('pydicom-waveform'), 'waveform_ecg.dcm')), 'x');
    expect(r.statements).toEqual(['RITMO SINUSALE', 'ECG NORMALE']);
    const m = new Map(r.measurements.map((x) => [x.name, `${x.value} ${x.unit}`]));
    expect(m.get('RR interval')).toBe('982 ms');
    expect(m.get('QRS duration')).toBe('75 ms');
    expect(m.get('QRS axis')).toBe('52 deg');
    // Born 1971-01-23, acquired 2013-01-25: two days past the 42nd birthday.
    expect(r.patient.ageYears).toBe(42);
  });

  it('Example.dcm (implicit VR): PR 148 ms, QTc 443 ms, axes in degrees; padding value 0 is not taken as "missing"', () => {
    const r = readDicomEcg(readFileSync(join(sharedDataPath('ecgtoolkit-examples'), 'Example.dcm')), 'x');
    const m = new Map(r.measurements.map((x) => [x.name, `${x.value} ${x.unit}`]));
    expect(m.get('PR interval')).toBe('148 ms');
    expect(m.get('QTc interval')).toBe('443 ms');
    // GROUND_TRUTH: the file labels the axes "ms", a quirk of its writer; they are degrees.
    expect(m.get('QRS axis')).toBe('-61 deg');
    expect(r.leads[4]?.samples[4]).toBe(0);
  });

  it('explicit VR big endian is refused with TM_ERR_DICOM_TRANSFER_SYNTAX', () => {
    const bytes = new Uint8Array(readFileSync(join(sharedDataPath('pydicom-waveform'), 'waveform_ecg.dcm')));
    const ts = Buffer.from(bytes).indexOf('1.2.840.10008.1.2.1');
    expect(ts).toBeGreaterThan(132);
    bytes[ts + 18] = 0x32; // "…1.2.1" → "…1.2.2": same length, big endian
    expect(() => readDicomEcg(bytes, 'x')).toThrow(expect.objectContaining({ code: 'TM_ERR_DICOM_TRANSFER_SYNTAX' }) as DicomError);
  });
});
