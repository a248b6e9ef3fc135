// Hand-built SCP-ECG files (scp-test-writer.ts) for the paths Example.scp does not take: custom
// Huffman tables with table switching, 1st differences, no Huffman, reference-beat subtraction
// with different AVMs, non-simultaneous leads, header tags, statements and per-lead measurements.
import { describe, expect, it } from 'vitest';
import { INVALID_SAMPLE, channelMicrovolts, microvoltsPerCount } from '../record.js';
import { ScpErrorCode, readScpEcg, decodeScp } from './index.js';
import type { HuffmanCode } from './huffman.js';
import { Bytes, writeScp, type TestScp } from './scp-test-writer.js';
import { mulberry32 as rng } from '../../random.js';


/** An ECG-like trace in counts: slow wave, spikes every `period`, noise, occasional big steps. */
function trace(n: number, seed: number, period = 200): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const spike = i % period < 8 ? 600 * Math.sin((Math.PI * (i % period)) / 8) : 0;
    const step = r() < 0.01 ? 3000 : 0;
    return Math.round(80 * Math.sin(i / 40) + spike + 6 * (r() - 0.5) + step) | 0; // | 0: no -0
  });
}

const c = (bits: string, mode: number, baseValue: number, extra = 0): HuffmanCode =>
  ({ prefixBits: bits.length, totalBits: bits.length + extra, mode, baseValue, prefix: parseInt(bits, 2) });

/** Two tables: small values in table 1, ±5 in table 2, each able to switch to the other. */
const TABLES = [
  [c('0', 1, 0), c('10', 1, 1), c('110', 1, -1), c('1110', 0, 2), c('11110', 1, 0, 12), c('11111', 1, 0, 20)],
  [c('0', 1, 5), c('10', 1, -5), c('110', 0, 1), c('111', 1, 0, 16)],
];

const code = (f: () => unknown): string => {
  try { f(); } catch (err) { return (err as { code?: string }).code ?? String(err); }
  return 'none';
};

const base = (over: Partial<TestScp> = {}): TestScp => ({
  huffman: 'default',
  leads: [{ id: 1, start: 1, end: 600 }, { id: 2, start: 1, end: 600 }],
  flags: 0x14,
  rhythm: { avmNv: 5000, intervalUs: 4000, difference: 2, leads: [trace(600, 1), trace(600, 2)] },
  ...over,
});

describe('SCP-ECG synthetic files', () => {
  it('custom Huffman tables with table switching and 1st differences round-trip exactly', () => {
    const x = [trace(700, 3), trace(700, 4), [0, 5, 0, 5, -5, 1, -1, 5, 5, 0, 123456, -123456, 0, 5]]
      .map((l) => l.concat(Array<number>(700 - l.length).fill(0)).slice(0, 700));
    const file = writeScp({
      huffman: TABLES,
      leads: [{ id: 3, start: 1, end: 700 }, { id: 4, start: 1, end: 700 }, { id: 5, start: 1, end: 700 }],
      flags: 0x1c,
      rhythm: { avmNv: 1000, intervalUs: 1000, difference: 1, leads: x },
    });
    const r = readScpEcg(file, 'custom');
    expect(r.sampleRateHz).toBe(1000);
    expect(r.leads.map((l) => l.lead)).toEqual(['V1', 'V2', 'V3']);
    r.leads.forEach((l, i) => expect(Array.from(l.samples)).toEqual(x[i]));
    expect(r.leads[0]?.gain).toBe(1); // 1000 nV per count = 1 µV
  });

  it('no Section 2 means raw 16-bit samples; 2nd differences with the default table', () => {
    const raw = readScpEcg(writeScp(base({ huffman: 'none', rhythm: { avmNv: 5000, intervalUs: 4000, difference: 0, leads: [trace(600, 5), trace(600, 6)] } })), 'raw');
    expect(Array.from(raw.leads[1]?.samples ?? [])).toEqual(trace(600, 6));
    const def = readScpEcg(writeScp(base()), 'def');
    expect(def.sampleRateHz).toBe(250);
    expect(Array.from(def.leads[0]?.samples ?? [])).toEqual(trace(600, 1));
  });

  it('adds the reference beat back in type-0 zones, rescaling different AVMs to their common divisor', () => {
    const n = 1000;
    const beat = [trace(100, 7, 50), trace(100, 8, 50)]; // in 3000 nV counts; rhythm in 1000 nV: common AVM 1000
    const x = [trace(n, 9), trace(n, 10)]; // wanted output in 1000 nV counts
    const complexes = [
      { type: 0, start: 1, fiducial: 20, end: 30 },
      { type: 0, start: 100, fiducial: 140, end: 180 },
      { type: 1, start: 300, fiducial: 330, end: 360 }, // another beat type: not subtracted
      { type: 0, start: 400, fiducial: 430, end: 470 },
      { type: 0, start: 960, fiducial: 980, end: 1000 }, // runs past the beat's end: only its overlap
    ];
    // Encoder side: residual = x - 3 × beat (3000/1000 nV) aligned on each zone's fiducial.
    const residual = x.map((lead, li) => lead.map((v, k) => {
      const s = k + 1;
      const z = complexes.find((q) => q.type === 0 && s >= q.start && s <= q.end);
      const j = z === undefined ? -1 : s - z.fiducial + 40 - 1;
      return v - 3 * (z !== undefined && j >= 0 && j < 100 ? beat[li]?.[j] ?? 0 : 0);
    }));
    expect(residual).not.toEqual(x); // the add-back has something to do
    const file = writeScp({
      huffman: TABLES,
      leads: [{ id: 61, start: 1, end: n }, { id: 62, start: 1, end: n }],
      flags: 0x15,
      qrs: { beatMs: 200, fiducial: 40, complexes },
      beat: { avmNv: 3000, intervalUs: 2000, difference: 1, leads: beat },
      rhythm: { avmNv: 1000, intervalUs: 2000, difference: 2, leads: residual },
    });
    const r = readScpEcg(file, 'refbeat');
    expect(r.leads.map((l) => l.label)).toEqual(['III', 'aVR']);
    r.leads.forEach((l, i) => expect(Array.from(l.samples)).toEqual(x[i]));
    expect(decodeScp(file).avmNv).toBe(1000);
  });

  it('reference beat and residual at AVMs 3000 and 2000 nV: physical values are kept exactly (common AVM 1000)', () => {
    const n = 300;
    const residual = [trace(n, 11), trace(n, 12)]; // 2000 nV per count
    const beat = [trace(60, 13, 30), trace(60, 14, 30)]; // 3000 nV per count
    const zone = { type: 0, start: 100, fiducial: 120, end: 150 };
    const file = writeScp({
      huffman: 'default',
      leads: [{ id: 1, start: 1, end: n }, { id: 2, start: 1, end: n }],
      flags: 0x15,
      qrs: { beatMs: 120, fiducial: 30, complexes: [zone] },
      beat: { avmNv: 3000, intervalUs: 2000, difference: 2, leads: beat },
      rhythm: { avmNv: 2000, intervalUs: 2000, difference: 1, leads: residual },
    });
    const r = readScpEcg(file, 'avm');
    r.leads.forEach((l, li) => {
      const uv = channelMicrovolts(l);
      for (let k = 0; k < n; k++) {
        const s = k + 1;
        const j = s - zone.fiducial + 30 - 1; // beat index aligned on the fiducials
        const inZone = s >= zone.start && s <= zone.end && j >= 0 && j < 60;
        const nv = (residual[li]?.[k] ?? 0) * 2000 + (inZone ? (beat[li]?.[j] ?? 0) * 3000 : 0);
        expect(uv[k]).toBeCloseTo(nv / 1000, 9);
      }
    });
    expect(microvoltsPerCount(r.leads[0] ?? { gain: 0, units: '' })).toBeCloseTo(1, 12);
  });

  it('refuses a residual at no whole 1-4 multiple of the beat interval and overlapping subtraction zones with codes', () => {
    const spec = (intervalUs: number, complexes: { type: number; start: number; fiducial: number; end: number }[]): TestScp => base({
      flags: 0x15,
      qrs: { beatMs: (25 * intervalUs) / 1000, fiducial: 10, complexes }, // 25 samples
      beat: { avmNv: 5000, intervalUs, difference: 0, leads: [trace(25, 1), trace(25, 2)] },
    });
    // Rhythm at 4000 µs over a beat at 3000 µs (×1.33) or 800 µs (×5): no decimation factor fits
    // (×2..4 are reconstructed, scp-bimodal.test.ts).
    expect(code(() => readScpEcg(writeScp(spec(3000, [])), 'x'))).toBe(ScpErrorCode.UNSUPPORTED);
    expect(code(() => readScpEcg(writeScp(spec(800, [])), 'x'))).toBe(ScpErrorCode.UNSUPPORTED);
    const overlap = [{ type: 0, start: 10, fiducial: 20, end: 30 }, { type: 0, start: 25, fiducial: 35, end: 40 }];
    expect(code(() => readScpEcg(writeScp(spec(4000, overlap)), 'x'))).toBe(ScpErrorCode.FORMAT);
    expect(code(() => readScpEcg(writeScp(spec(4000, [{ type: 0, start: 590, fiducial: 595, end: 601 }])), 'x'))).toBe(ScpErrorCode.FORMAT);
  });

  it('places non-simultaneous leads at their own sample numbers and marks derived leads', () => {
    const file = writeScp(base({
      leads: [{ id: 1, start: 1, end: 300 }, { id: 32, start: 301, end: 600 }],
      flags: 0x08,
      rhythm: { avmNv: 5000, intervalUs: 4000, difference: 1, leads: [trace(300, 1), trace(300, 2)] },
    }));
    const r = readScpEcg(file, 'groups');
    expect(r.frames).toBe(600);
    const [a, b] = r.leads;
    expect(Array.from(a?.samples.subarray(0, 300) ?? [])).toEqual(trace(300, 1));
    expect(a?.samples[300]).toBe(INVALID_SAMPLE);
    expect(b?.samples[299]).toBe(INVALID_SAMPLE);
    expect(Array.from(b?.samples.subarray(300) ?? [])).toEqual(trace(300, 2));
    expect(b?.label).toBe('dII');
    expect(b?.lead).toBe('II');
    expect(b?.derived).toBe(true);
  });

  it('reads header tags, statements (8 and 11) and per-lead measurements (10) of a v1.3 file', () => {
    const enc = (s: string): Uint8Array => new Bytes().text(s).done();
    const device = new Bytes().u16(1).u16(2).u16(3).u8(0).u8(17).raw(enc('AT-10')).u8(13).u8(0xa0).u8(0).u8(0).u8(50)
      .raw(new Uint8Array(16)).u8(4).raw(enc('1.0')).text('SN123').text('sys').text('impl').text('').done();
    const s8 = new Bytes().u8(1).u16(2024).u8(2).u8(29).u8(23).u8(59).u8(58).u8(2)
      .u8(1).u16(14).text('Sinus rhythm.').u8(2).u16(1).u8(0).done();
    const s11 = new Bytes().u8(0).u16(2024).u8(2).u8(29).u8(23).u8(59).u8(58).u8(1)
      .u8(1).u16(12).u8(3).raw(enc('SR')).u8(0x1e).text('Normal').done();
    const s10 = new Bytes().u16(2).u16(0).u16(1).u16(6).u16(100).u16(160).u16(29999).u16(200).u16(4).u16(0).u16(0).done(); // lead 200: no standard code, skipped
    const file = writeScp(base({
      version: 13,
      tags: [[0, enc('Doe')], [1, enc('Jane')], [2, enc('P-1')], [4, Uint8Array.of(30, 0, 2)], [8, Uint8Array.of(2)],
        [14, device], [25, Uint8Array.of(0xe8, 0x07, 2, 29)], [26, Uint8Array.of(23, 59, 58)], [34, Uint8Array.of(0xd4, 0xfe, 0, 0)]],
      extra: [[8, s8], [11, s11], [10, s10]],
    }));
    const r = readScpEcg(file, 'v13');
    // A last tag that claims more bytes than the section holds: the tags before it still count.
    const cutSection = new Bytes().u8(2).u16(4).text('P-2').u8(0).u16(50).raw(enc('Ro')).done();
    const cut = readScpEcg(writeScp(base({ extra: [[1, cutSection]] })), 'cut');
    expect(cut.patient.id).toBe('P-2');
    expect(cut.patient.name).toBeNull();
    expect(cut.notes).toContain('section 1: tag 0 runs past the section end, rest ignored');
    expect(r.notes[0]).toBe('SCP-ECG 1.3');
    expect(r.patient).toEqual({ id: 'P-1', name: 'Jane Doe', ageYears: 2, sex: 'F' });
    expect(r.device).toEqual({ model: 'AT-10', serial: 'SN123', manufacturer: 'Schiller' });
    expect(r.startTime).toBe('2024-02-29T23:59:58-05:00');
    expect(r.statements).toEqual(['Sinus rhythm.', 'SR; Normal']);
    expect(r.measurements).toEqual([
      { name: 'P duration', value: 100, unit: 'ms', lead: 'I' },
      { name: 'PR interval', value: 160, unit: 'ms', lead: 'I' },
    ]);
  });
});
