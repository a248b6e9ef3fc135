// Format sniffing and dispatch of the one import entry point.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadWfdbRecord } from '../../gateway/ecg/wfdb-files.js';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { type EcgFileAccess, EcgImportError, readEcgBytes, readEcgFile, recordIdFromName, sniffEcgFormat } from './import.js';

const io: EcgFileAccess = { readFile, loadWfdb: async (p) => (await loadWfdbRecord(p)).record };
const file = (folder: string, name: string): string => join(sharedDataPath(folder), name);

describe('sniffEcgFormat', () => {
  it.each([
    ['ecgtoolkit-examples', 'Example.xml', 'hl7-aecg'],
    ['ecg-kit-recordings', 'ecg_hl7.xml', 'hl7-aecg'],
    ['ecgtoolkit-examples', 'Example.dcm', 'dicom'],
    ['pydicom-waveform', 'waveform_ecg.dcm', 'dicom'],
    ['ecgtoolkit-examples', 'Example.scp', 'scp-ecg'],
    ['wfdb-python-sample-data', 's0010_re.hea', 'wfdb'],
    ['ecg-kit-recordings', '208.hea', 'wfdb'],
  ])('%s/%s is %s, by its bytes whatever the name', (folder, name, want) => {
    const bytes = readFileSync(file(folder, name));
    expect(sniffEcgFormat(bytes, name)).toBe(want);
    if (want !== 'wfdb') expect(sniffEcgFormat(bytes, 'upload.bin')).toBe(want);
  });

  it('a raw DICOM data set without preamble is still DICOM', () => {
    const bytes = readFileSync(file('pydicom-waveform', 'waveform_ecg.dcm'));
    // Skip the preamble, "DICM" and the group 0002 meta header: a raw explicit VR LE data set remains.
    let pos = 132;
    while (bytes.readUInt16LE(pos) === 0x0002) {
      const long = ['OB', 'OW', 'UN', 'UT', 'SQ'].includes(bytes.toString('latin1', pos + 4, pos + 6));
      pos += long ? 12 + bytes.readUInt32LE(pos + 8) : 8 + bytes.readUInt16LE(pos + 6);
    }
    const raw = bytes.subarray(pos);
    expect(sniffEcgFormat(raw)).toBe('dicom');
    expect(readEcgBytes(raw, 'raw').leads).toHaveLength(12);
  });

  it('random bytes, text and a WFDB data file are not ECG formats', () => {
    expect(sniffEcgFormat(new TextEncoder().encode('hello world\n'), 'x.txt')).toBeNull();
    expect(sniffEcgFormat(readFileSync(file('ecg-kit-recordings', '208.dat')), '208.dat')).toBeNull();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      try {
        readEcgBytes(b, 'fuzz.bin');
      } catch (err) {
        expect((err as { code?: unknown }).code).toMatch(/^TM_ERR_/);
      }
    }), { numRuns: 500 });
  });
});

describe('readEcgBytes / readEcgFile', () => {
  it('unknown bytes: TM_ERR_ECG_FORMAT; the id is the file stem', () => {
    expect(() => readEcgBytes(new Uint8Array(64), 'a/b/c.bin')).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_FORMAT' }) as EcgImportError);
    expect(recordIdFromName('/x/y/Example.dcm')).toBe('Example');
    expect(recordIdFromName('100')).toBe('100');
  });

  it('each format by path: aECG, DICOM, WFDB by .hea and by record path', async () => {
    expect((await readEcgFile(file('ecgtoolkit-examples', 'Example.xml'), io)).source).toBe('hl7-aecg');
    expect((await readEcgFile(file('pydicom-waveform', 'waveform_ecg.dcm'), io)).source).toBe('dicom');
    const hea = await readEcgFile(file('ecg-kit-recordings', '208.hea'), io);
    expect(hea).toMatchObject({ source: 'wfdb', id: '208', frames: 650000 });
    expect((await readEcgFile(join(sharedDataPath('ecg-kit-recordings'), '800'), io)).frames).toBe(230400);
    await expect(readEcgFile('/nonexistent/record', io)).rejects.toMatchObject({ code: 'TM_ERR_WFDB_MISSING_FILE' });
  });

  it('a WFDB header in memory reads with its data files given by name', () => {
    const hea = readFileSync(file('ecg-kit-recordings', '800.hea'));
    const dat = readFileSync(file('ecg-kit-recordings', '800.dat'));
    expect(readEcgBytes(hea, '800.hea', { wfdbFiles: new Map([['800.dat', dat]]) }).frames).toBe(230400);
    expect(() => readEcgBytes(hea, '800.hea')).toThrow(expect.objectContaining({ code: 'TM_ERR_WFDB_MISSING_FILE' }) as Error);
  });
});

describe('one ECG in three formats', () => {
  it('Example.scp, Example.xml and Example.dcm import to the same rhythm counts per lead (GROUND_TRUTH: identical across formats)', () => {
    const read = (name: string): Map<string | null, Int32Array> =>
      new Map(readEcgBytes(readFileSync(file('ecgtoolkit-examples', name)), name).leads.map((l) => [l.lead, l.samples] as const));
    const [scp, xml, dcm] = ['Example.scp', 'Example.xml', 'Example.dcm'].map(read);
    const bytes = (a: Int32Array | undefined): Buffer => (a === undefined ? Buffer.alloc(0) : Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    expect(scp?.size).toBe(12);
    for (const [lead, samples] of scp ?? []) {
      expect(samples.length).toBe(5000);
      expect(bytes(xml?.get(lead)).equals(bytes(samples)), String(lead)).toBe(true);
      expect(bytes(dcm?.get(lead)).equals(bytes(samples)), String(lead)).toBe(true);
    }
  });
});
