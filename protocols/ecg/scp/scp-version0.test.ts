// A real cart's SCP-ECG file of protocol version 0 (WFDB checkpkg's test.scp, a Burdick of the AAMI
// SCP-1999 era) imports: leads sample-exact against parsescp's test.dat, Section 7 read per edition
// (no fields of later editions), implausible values dropped with a note (issue 13, defect 1).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { readEcgBytes, sniffEcgFormat } from '../import.js';
import { crcCcitt } from './crc.js';
import { parseGlobalMeasurements } from './measurements.js';
import { decodeScp, isScpEcg, readScpEcg } from './index.js';

const input = (): Uint8Array => new Uint8Array(readFileSync(sharedDataPath('wfdb-c-checkpkg', 'checkpkg', 'input', 'test.scp')));

/** parsescp's output: 12 signals, format 16, interleaved, in test.hea's order. */
function parsescpLeads(): Map<string, Int16Array> {
  const dir = sharedDataPath('wfdb-c-checkpkg', 'checkpkg', 'expected');
  const names = readFileSync(`${dir}/test.hea`, 'latin1').split('\n').slice(1, 13).map((l) => l.trim().split(/\s+/).pop() ?? '');
  const dat = readFileSync(`${dir}/test.dat`);
  const n = dat.length / 2 / names.length;
  return new Map(names.map((name, k) => {
    const s = new Int16Array(n);
    for (let i = 0; i < n; i++) s[i] = dat.readInt16LE((i * names.length + k) * 2);
    return [name, s] as const;
  }));
}

describe('SCP-ECG protocol version 0 (test.scp, Burdick cart)', () => {
  it('is sniffed as SCP-ECG and imported by the import entry point', () => {
    const bytes = input();
    expect(bytes[6 + 9]).toBe(0); // Section 0 says protocol version 0
    expect(isScpEcg(bytes)).toBe(true);
    expect(sniffEcgFormat(bytes, 'test.scp')).toBe('scp-ecg');
    const r = readEcgBytes(bytes, 'test.scp');
    expect(r.source).toBe('scp-ecg');
    expect(r.notes[0]).toMatch(/^SCP-ECG 0 \(pre-standard, read as 1\.x/);
    // The file's CRCs are good: no "accepted bad CRC" warning.
    expect(r.notes.some((n) => n.includes('CRC'))).toBe(false);
  });

  it('decodes the 8 stored leads like parsescp: exact inside the QRS zones, its 3-point smoothing outside', () => {
    const bytes = input();
    const r = readScpEcg(bytes, 'test');
    const zones = (decodeScp(bytes).qrs?.qrs ?? []).filter((z) => z.type === 0).map((z) => [z.start - 1, z.end - 1] as const);
    expect(zones).toHaveLength(4);
    const inZone = (i: number): boolean => zones.some(([a, b]) => i >= a && i <= b);
    const ref = parsescpLeads();
    expect(r.sampleRateHz).toBe(500);
    expect(r.leads.map((l) => l.lead)).toEqual(['I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
    // parsescp smooths the residual outside the reference-beat zones (3-point mean, rounded away
    // from zero): a post-filter of its own, so outside them ours are the file's counts and equal
    // its output once smoothed the same way, except next to the zone borders (≤ 12 samples a lead).
    const away = (x: number): number => (x < 0 ? -Math.ceil(-x) : Math.ceil(x));
    for (const l of r.leads) {
      const want = ref.get(l.label) ?? new Int16Array();
      const x = l.samples;
      expect(x.length, l.label).toBe(want.length);
      expect(1 / l.gain, l.label).toBeCloseTo(5, 12); // µV per count = 1000 / (200 counts/mV)
      let inside = 0, insideBad = 0, outsideBad = 0;
      for (let i = 1; i < x.length - 1; i++) {
        const w = want[i] ?? 0;
        if (inZone(i)) { inside++; if (x[i] !== w) insideBad++; continue; }
        const near = inZone(i - 1) || inZone(i + 1);
        const smoothed = near ? (x[i] ?? 0) : away(((x[i - 1] ?? 0) + (x[i] ?? 0) + (x[i + 1] ?? 0)) / 3);
        if (smoothed !== w) outsideBad++;
      }
      expect(inside).toBeGreaterThan(1300);
      expect(insideBad, `${l.label}: samples inside the QRS zones that differ`).toBe(0);
      expect(outsideBad, `${l.label}: smoothed samples outside that differ`).toBeLessThanOrEqual(12);
    }
    expect(r.startTime).toBe('2004-01-01T02:13:18');
    expect(r.patient).toMatchObject({ ageYears: 49, sex: 'M' });
  });

  it('Section 7: the global measurements test.des lists, and no rates or QTc from bytes a 1.x-layout file does not define', () => {
    const r = readScpEcg(input(), 'test');
    const global = Object.fromEntries(r.measurements.filter((m) => m.lead === null).map((m) => [m.name, m.value]));
    // test.des: RR 869; P onset 40, P end 188, QRS onset 210, QRS end 314, T end 656; axes -18, -41, 118.
    expect(global).toEqual({
      'RR interval': 869, 'P duration': 188 - 40, 'PR interval': 210 - 40, 'QRS duration': 314 - 210,
      'QT interval': 656 - 210, 'P axis': -18, 'QRS axis': -41, 'T axis': 118,
    });
    expect(r.statements).toContain('Long QTc interval');
  });

  it('an edition-2 Section 7 keeps its rates; an implausible value is dropped with a note', () => {
    // 1 block, 0 spikes, RR 800, PP 800, one 16-byte block, 0 QRS, rate 75, atrial 75, QTc 40 000.
    const b = new Uint8Array(2 + 4 + 16 + 2 + 6);
    const v = new DataView(b.buffer);
    b[0] = 1;
    v.setUint16(2, 800, true); v.setUint16(4, 800, true);
    for (let i = 0; i < 8; i++) v.setUint16(6 + 2 * i, 29999, true);
    v.setUint16(24, 75, true); v.setUint16(26, 75, true); v.setUint16(28, 40000, true);
    const v2 = parseGlobalMeasurements(b, 20);
    expect(v2.measurements.map((m) => [m.name, m.value])).toEqual([['RR interval', 800], ['PP interval', 800], ['ventricular rate', 75], ['atrial rate', 75]]);
    expect(v2.notes).toEqual(['section 7: QTc interval 40000 ms is outside 100..1000 ms; not shown']);
    // The same bytes in a 1.x file: the section ends after the QRS types; nothing read past them.
    expect(parseGlobalMeasurements(b, 13).measurements.map((m) => m.name)).toEqual(['RR interval', 'PP interval']);
  });

  it('a version-0 look-alike without Section 0 pointing at itself is not sniffed as SCP-ECG', () => {
    const b = input();
    b[22] = 5; // Section 0's first pointer names section 5 instead of itself
    b.set([crcCcitt(b, 2, b.length) & 0xff, crcCcitt(b, 2, b.length) >> 8], 0);
    expect(isScpEcg(b)).toBe(false);
  });
});
