// Hostile input: every rejection is a ScpError with a TM_ERR_SCP_* code, nothing crashes or hangs.
// A seeded mutation loop over Example.scp and a small synthetic file (CRCs re-computed on most
// mutants so the decoder is reached, not just the CRC check), plus random bytes.
// SCP_FUZZ_SCALE=10 runs ten times as many inputs (the figures in the README come from that).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { ScpError, ScpErrorCode, crcCcitt, isScpEcg, readScpEcg, type ScpReadOptions } from './index.js';
import type { HuffmanCode } from './huffman.js';
import { decimateBimodal, fixCrcs, writeScp } from './scp-test-writer.js';
import { mulberry32 as rng } from '../../random.js';

const CODES = new Set<string>(Object.values(ScpErrorCode));
const SCALE = Number(process.env.SCP_FUZZ_SCALE ?? '1');


/** Section offsets of a well-formed file (from Section 0), to aim mutations at headers. */
function sectionOffsets(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [6];
  for (let p = 22; p + 10 <= 6 + dv.getUint32(10, true); p += 10) {
    if (dv.getUint32(p + 2, true) > 0) out.push(dv.getUint32(p + 6, true) - 1);
  }
  return out;
}

const EXTREMES = [0, 1, 0xff, 0x7f, 0x80, 0xfe];

function mutate(src: Uint8Array, offsets: number[], r: () => number): Uint8Array {
  let b = Uint8Array.from(src);
  const kind = Math.floor(r() * 6);
  const at = (): number => (r() < 0.6 ? (offsets[Math.floor(r() * offsets.length)] ?? 0) + Math.floor(r() * 48) : Math.floor(r() * b.length)) % b.length;
  if (kind <= 2) {
    for (let k = 0; k < 1 + kind * 3; k++) b[at()] = r() < 0.5 ? Math.floor(r() * 256) : EXTREMES[Math.floor(r() * EXTREMES.length)] ?? 0;
  } else if (kind === 3) {
    b = b.subarray(0, Math.floor(r() * b.length));
  } else if (kind === 4) {
    const p = at();
    b = Uint8Array.from([...b.subarray(0, p), ...Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256)), ...b.subarray(p)]);
  } else {
    const p = at();
    b = Uint8Array.from([...b.subarray(0, p), ...b.subarray(p + 1 + Math.floor(r() * 8))]);
  }
  if (r() < 0.8) fixCrcs(b);
  return b;
}

/** `lossy`: accepted inputs whose rhythm was reconstructed (bimodal / decimated / resampled beat). */
interface FuzzStats { runs: number; accepted: number; lossy: number; codes: Record<string, number>; slowestMs: number }

function fuzz(inputs: () => Uint8Array, runs: number): FuzzStats {
  const stats: FuzzStats = { runs, accepted: 0, lossy: 0, codes: {}, slowestMs: 0 };
  for (let i = 0; i < runs; i++) {
    const b = inputs();
    const options: ScpReadOptions = { acceptBadCrc: i % 3 === 0 };
    const t0 = performance.now();
    try {
      isScpEcg(b);
      const rec = readScpEcg(b, 'fuzz', options);
      stats.accepted++;
      if (rec.notes.some((n) => n.startsWith('lossy:'))) stats.lossy++;
    } catch (err) {
      if (!(err instanceof ScpError) || !CODES.has(err.code)) throw err;
      stats.codes[err.code] = (stats.codes[err.code] ?? 0) + 1;
    }
    stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t0);
  }
  return stats;
}

/** Generous bound for one input on a loaded 2-core box; a hang or quadratic path blows far past it. */
const SLOWEST_MS = 2000;

/** A Huffman code (SCP Section 2 table row) from its prefix bits. */
const code = (bits: string, mode: number, baseValue: number, extra = 0): HuffmanCode =>
  ({ prefixBits: bits.length, totalBits: bits.length + extra, mode, baseValue, prefix: parseInt(bits, 2) });

/** Two custom tables with a switch code (mode 0) in each, so decoding changes table mid-stream. */
const SWITCHING_TABLES: HuffmanCode[][] = [
  [code('0', 1, 0), code('10', 1, 1), code('110', 1, -1), code('1110', 0, 2), code('1111', 1, 0, 16)],
  [code('0', 1, 2), code('10', 1, -2), code('110', 0, 1), code('111', 1, 0, 16)],
];

describe('SCP-ECG reader under fuzz', () => {
  it('mutated Example.scp: no crash, no hang, every rejection coded', () => {
    const src = new Uint8Array(readFileSync(sharedDataPath('ecgtoolkit-examples', 'Example.scp')));
    const offsets = sectionOffsets(src);
    const r = rng(20261122);
    const stats = fuzz(() => mutate(src, offsets, r), 800 * SCALE);
    console.log(JSON.stringify({ fuzz: 'Example.scp', ...stats }));
    expect(stats.slowestMs).toBeLessThan(SLOWEST_MS);
    // The loop reaches past the CRC check into structure and sample decoding.
    expect(stats.codes[ScpErrorCode.FORMAT]).toBeGreaterThan(0);
    expect(stats.codes[ScpErrorCode.HUFFMAN]).toBeGreaterThan(0);
    expect(stats.accepted).toBeGreaterThan(0);
  }, 120_000 * SCALE);

  it('mutated synthetic file (custom Huffman tables with switching, reference-beat subtraction) and random bytes', () => {
    const n = 400;
    const wave = (k: number): number[] => Array.from({ length: n }, (_, i) => Math.round(50 * Math.sin(i / (9 + k))));
    const src = writeScp({
      huffman: SWITCHING_TABLES,
      leads: [{ id: 1, start: 1, end: n }, { id: 2, start: 1, end: n }],
      flags: 0x15,
      tags: [[0, Uint8Array.of(65, 0)], [25, Uint8Array.of(0xe8, 0x07, 1, 2)], [26, Uint8Array.of(1, 2, 3)]],
      qrs: { beatMs: 80, fiducial: 10, complexes: [{ type: 0, start: 50, fiducial: 60, end: 70 }, { type: 0, start: 250, fiducial: 260, end: 270 }] },
      beat: { avmNv: 5000, intervalUs: 4000, difference: 1, leads: [wave(1).slice(0, 20), wave(2).slice(0, 20)] },
      rhythm: { avmNv: 2500, intervalUs: 4000, difference: 2, leads: [wave(3), wave(4)] },
    });
    expect(readScpEcg(src, 'src').frames).toBe(n);
    const offsets = sectionOffsets(src);
    const r = rng(7);
    const stats = fuzz(() => mutate(src, offsets, r), 15_000 * SCALE);
    console.log(JSON.stringify({ fuzz: 'synthetic', ...stats }));
    expect(stats.slowestMs).toBeLessThan(SLOWEST_MS);
    expect(stats.codes[ScpErrorCode.HUFFMAN]).toBeGreaterThan(0);

    const random = fuzz(() => {
      const b = Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256));
      // Half of them get a plausible file header and Section 0 id so the walk gets further.
      if (r() < 0.5 && b.length > 22) {
        new DataView(b.buffer).setUint32(2, b.length, true);
        b[8] = 0;
        b[9] = 0;
        fixCrcs(b);
      }
      return b;
    }, 3000 * SCALE);
    console.log(JSON.stringify({ fuzz: 'random', ...random }));
    expect(random.slowestMs).toBeLessThan(SLOWEST_MS);
  }, 120_000 * SCALE);
});

describe('SCP-ECG bimodal reader under fuzz', () => {
  it('mutated bimodal file (decimation 4 outside protected areas, reference-beat subtraction, custom tables)', () => {
    const n = 800;
    const wave = (k: number): number[] => Array.from({ length: n }, (_, i) => Math.round(60 * Math.sin(i / (11 + k)) + (i % 300 < 12 ? 400 : 0)));
    const complexes = [{ type: 0, start: 150, fiducial: 170, end: 230 }, { type: 0, start: 450, fiducial: 470, end: 530 }, { type: 1, start: 700, fiducial: 720, end: 760 }];
    const areas = [{ start: 160, end: 185 }, { start: 460, end: 485 }, { start: 712, end: 730 }];
    const src = writeScp({
      huffman: SWITCHING_TABLES,
      leads: [{ id: 1, start: 1, end: n }, { id: 2, start: 1, end: n }],
      flags: 0x15,
      qrs: { beatMs: 160, fiducial: 21, complexes, protectedAreas: areas },
      beat: { avmNv: 5000, intervalUs: 2000, difference: 1, leads: [wave(1).slice(0, 80), wave(2).slice(0, 80)] },
      rhythm: { avmNv: 2500, intervalUs: 8000, difference: 2, bimodal: true, leads: [wave(3), wave(4)].map((l) => decimateBimodal(l, 1, areas, 4)) },
    });
    const ok = readScpEcg(src, 'src');
    expect(ok.frames).toBe(n);
    expect(ok.notes.some((x) => x.startsWith('lossy: bimodal'))).toBe(true);
    const offsets = sectionOffsets(src);
    const r = rng(1064);
    const stats = fuzz(() => mutate(src, offsets, r), 10_000 * SCALE);
    console.log(JSON.stringify({ fuzz: 'bimodal', ...stats }));
    expect(stats.slowestMs).toBeLessThan(SLOWEST_MS);
    // The mutants reach the reconstruction (some decode through it) and its rejections.
    expect(stats.lossy).toBeGreaterThan(0);
    expect(stats.codes[ScpErrorCode.FORMAT]).toBeGreaterThan(0);
    expect(stats.codes[ScpErrorCode.HUFFMAN]).toBeGreaterThan(0);
    expect(stats.codes[ScpErrorCode.UNSUPPORTED]).toBeGreaterThan(0);
  }, 120_000 * SCALE);
});

describe('SCP-ECG rejections carry stable codes', () => {
  const code = (f: () => unknown): string => {
    try { f(); } catch (err) { return err instanceof ScpError ? err.code : `uncoded: ${String(err)}`; }
    return 'none';
  };
  const example = (): Uint8Array => new Uint8Array(readFileSync(sharedDataPath('ecgtoolkit-examples', 'Example.scp')));

  it('CRC: file and section; acceptBadCrc keeps the samples and notes the mismatch', () => {
    const b = example();
    b[0] = (b[0] ?? 0) ^ 1;
    expect(code(() => readScpEcg(b, 'x'))).toBe(ScpErrorCode.CRC);
    const r = readScpEcg(b, 'x', { acceptBadCrc: true });
    expect(r.notes.some((n) => n.startsWith('accepted bad CRC: file'))).toBe(true);
    expect(r.leads[0]?.samples[4]).toBe(-3);
    const s = example();
    s[0x152] = (s[0x152] ?? 0) ^ 0x10; // section 3 (at 0x148) header reserved bytes: only CRCs notice
    fixFileCrcOnly(s);
    expect(code(() => readScpEcg(s, 'x'))).toBe(ScpErrorCode.CRC);
  });

  it('a broken reference beat does not cost the rhythm when it was not subtracted', () => {
    const b = example();
    b[0x1ec] = 0; // section 5 AVM = 0
    b[0x1ed] = 0;
    fixCrcs(b);
    const r = readScpEcg(b, 'x');
    expect(r.notes).toContain('reference beat (sections 4/5) not decoded: TM_ERR_SCP_FORMAT');
    expect(Array.from(r.leads[0]?.samples.subarray(0, 5) ?? [])).toEqual([-2, -2, -2, -2, -3]);
  });

  it('FORMAT, UNSUPPORTED, LIMIT, HUFFMAN', () => {
    expect(code(() => readScpEcg(new Uint8Array(10), 'x'))).toBe(ScpErrorCode.FORMAT);
    const truncated = example().subarray(0, 30000);
    expect(isScpEcg(truncated)).toBe(true); // so the import names the real problem
    expect(code(() => readScpEcg(truncated, 'x'))).toBe(ScpErrorCode.FORMAT);
    expect(isScpEcg(new TextEncoder().encode('<?xml version="1.0"?><AnnotatedECG/>'))).toBe(false);
    const v = example();
    v[6 + 9] = 99; // section 0 protocol version
    fixCrcs(v);
    expect(code(() => readScpEcg(v, 'x'))).toBe(ScpErrorCode.UNSUPPORTED);
    const bimodal = example();
    bimodal[3818 + 16 + 5] = 1; // section 6 bimodal flag, rhythm at the beat's 2000 µs: nothing decimated
    fixCrcs(bimodal);
    expect(Array.from(readScpEcg(bimodal, 'x').leads[0]?.samples.subarray(0, 5) ?? [])).toEqual([-2, -2, -2, -2, -3]);
    new DataView(bimodal.buffer).setUint16(3818 + 16 + 2, 10_000, true); // section 6 at 5 × the beat's interval
    fixCrcs(bimodal);
    expect(code(() => readScpEcg(bimodal, 'x'))).toBe(ScpErrorCode.UNSUPPORTED);
    expect(code(() => readScpEcg(example(), 'x', { maxSamplesPerLead: 4999 }))).toBe(ScpErrorCode.LIMIT);
    expect(code(() => readScpEcg(example(), 'x', { maxLeads: 11 }))).toBe(ScpErrorCode.LIMIT);
    expect(code(() => readScpEcg(example(), 'x', { maxTotalSamples: 59_999 }))).toBe(ScpErrorCode.LIMIT);
    const h = example();
    h.fill(0xff, 3818 + 16 + 6 + 24, 3818 + 16 + 6 + 24 + 40); // lead I: escape codes run past its data
    fixCrcs(h);
    expect(code(() => readScpEcg(h, 'x'))).toBe(ScpErrorCode.HUFFMAN);
    const noRhythm = writeScp({ huffman: 'default', leads: [{ id: 1, start: 1, end: 10 }], flags: 0 });
    expect(code(() => readScpEcg(noRhythm, 'x'))).toBe(ScpErrorCode.UNSUPPORTED);
    const longTerm = writeScp({ version: 29, huffman: 'default', leads: [{ id: 1, start: 1, end: 10 }], flags: 0, extra: [[12, new Uint8Array(8)]] });
    expect(() => readScpEcg(longTerm, 'x')).toThrow(/section 12/);
    const notPrefixFree = writeScp({
      huffman: [[{ prefixBits: 1, totalBits: 1, mode: 1, baseValue: 0, prefix: 0 }, { prefixBits: 2, totalBits: 2, mode: 1, baseValue: 1, prefix: 0 }]],
      leads: [{ id: 1, start: 1, end: 1 }], flags: 0,
    });
    expect(code(() => readScpEcg(notPrefixFree, 'x'))).toBe(ScpErrorCode.FORMAT);
  });
});

/** Re-computes only the file CRC, so a section CRC mismatch is what remains. */
function fixFileCrcOnly(b: Uint8Array): void {
  const crc = crcCcitt(b, 2);
  b[0] = crc & 0xff;
  b[1] = crc >> 8;
}
