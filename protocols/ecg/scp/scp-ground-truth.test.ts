// Example.scp (ECGToolkit) against /work/shared/data/ecgtoolkit-examples/GROUND_TRUTH.txt: the
// rhythm counts, lead order, rate, scale, header fields and the median beat (equal to the aECG's).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { microvoltsPerCount } from '../record.js';
import { decodeScp, isScpEcg, readScpEcg } from './index.js';

const bytes = (): Uint8Array => new Uint8Array(readFileSync(sharedDataPath('ecgtoolkit-examples', 'Example.scp')));

// lead: first five counts, sum of 5000 counts (GROUND_TRUTH.txt, Section 3 order).
const RHYTHM: [string, number[], number][] = [
  ['I', [-2, -2, -2, -2, -3], -4921], ['II', [-7, -7, -7, -7, -7], -4084],
  ['V1', [43, 43, 43, 43, 43], -2299], ['V2', [55, 53, 51, 49, 47], -2648],
  ['V3', [40, 40, 40, 40, 39], -3119], ['V4', [28, 28, 28, 28, 28], -2499],
  ['V5', [23, 23, 23, 23, 22], -3009], ['V6', [-9, -7, -5, -3, -1], -1762],
  ['III', [-5, -5, -5, -5, -4], 837], ['aVR', [4, 4, 4, 4, 5], 4432],
  ['aVL', [1, 1, 1, 1, 0], -2721], ['aVF', [-6, -6, -6, -6, -5], -1570],
];

// Median beat per lead in the same order (GROUND_TRUTH.txt, aECG sequenceSet 1: 599 samples).
const MEDIAN: [number[], number][] = [
  [[4, 4, 2, 3, 4], 6753], [[52, 50, 49, 49, 48], 16761], [[18, 16, 16, 16, 15], -4657],
  [[54, 53, 51, 49, 48], 9279], [[25, 25, 24, 21, 22], 6447], [[-18, -17, -18, -19, -18], 1595],
  [[2, 1, 2, 4, 6], 5079], [[20, 20, 19, 15, 13], 8329], [[48, 46, 47, 46, 44], 10008],
  [[-28, -27, -25, -26, -26], -11639], [[-22, -21, -22, -21, -20], -1568], [[50, 48, 48, 47, 46], 13262],
];

const sum = (a: Int32Array): number => a.reduce((s, v) => s + v, 0);

describe('SCP-ECG Example.scp (ECGToolkit) is decoded sample-exactly', () => {
  it('is recognised, and other formats are not', () => {
    expect(isScpEcg(bytes())).toBe(true);
    expect(isScpEcg(new Uint8Array(readFileSync(sharedDataPath('ecgtoolkit-examples', 'Example.dcm'))))).toBe(false);
    expect(isScpEcg(new Uint8Array(readFileSync(sharedDataPath('ecgtoolkit-examples', 'Example.xml'))))).toBe(false);
  });

  it('rhythm: 12 leads in Section 3 order, first five counts and 5000-sample sums', () => {
    const r = readScpEcg(bytes(), 'Example');
    expect(r.source).toBe('scp-ecg');
    expect(r.sampleRateHz).toBe(500);
    expect(r.frames).toBe(5000);
    expect(r.leads.map((l) => l.lead)).toEqual(RHYTHM.map(([lead]) => lead));
    r.leads.forEach((ch, i) => {
      const [, first, total] = RHYTHM[i] ?? ['', [], 0];
      expect(ch.samples.length).toBe(5000);
      expect(Array.from(ch.samples.subarray(0, 5))).toEqual(first);
      expect(sum(ch.samples)).toBe(total);
      expect(microvoltsPerCount(ch)).toBeCloseTo(2.5, 12);
      expect(ch.baseline).toBe(0);
      expect(ch.derived).toBe(false);
    });
  });

  it('header: patient, device, acquisition time, version', () => {
    const r = readScpEcg(bytes(), 'Example');
    // Age from the birth date (1953-05-08) at the acquisition date: the file has no age tag.
    expect(r.patient).toEqual({ id: 'SBJ-123', name: 'Clark', ageYears: 49, sex: 'M' });
    expect(r.device.model).toBe('ELI250');
    expect(r.device.manufacturer).toBe('ECGConversion');
    expect(r.startTime).toBe('2002-11-22T09:10:00');
    expect(r.notes).toContain('SCP-ECG 2.0');
  });

  it('global measurements of Section 7 match the DICOM annotations', () => {
    const m = new Map(readScpEcg(bytes(), 'Example').measurements.map((x) => [x.name, x.value]));
    expect(m.get('PR interval')).toBe(148);
    expect(m.get('QRS duration')).toBe(120);
    expect(m.get('QT interval')).toBe(420);
    expect(m.get('QTc interval')).toBe(443);
    expect(m.get('P axis')).toBe(44);
    expect(m.get('QRS axis')).toBe(-61);
    expect(m.get('T axis')).toBe(86);
    expect(m.has('RR interval')).toBe(false); // 29999 = not computed
  });

  it('reference beat (Section 5) equals the aECG median beat; sections and CRCs as listed', () => {
    const d = decodeScp(bytes());
    expect([...d.container.sections.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(d.container.warnings).toEqual([]);
    expect(d.leadTable.referenceBeatSubtracted).toBe(false);
    expect(d.leadTable.simultaneousCount).toBe(12);
    const beat = d.referenceBeat;
    expect(beat?.avmNv).toBe(2500);
    expect(beat?.intervalUs).toBe(2000);
    expect(beat?.leads.length).toBe(12);
    beat?.leads.forEach((l, i) => {
      const [first, total] = MEDIAN[i] ?? [[], 0];
      expect(l.length).toBe(599);
      expect(Array.from(l.subarray(0, 5))).toEqual(first);
      expect(sum(l)).toBe(total);
    });
  });
});
