// Test-only SCP-ECG writer: builds small files section by section (EN 1064 layout, CRC-CCITT)
// so tests can exercise custom Huffman tables, table switching, differences, reference-beat
// subtraction and the header tags without an external encoder. Not used by the product.
import { crcCcitt } from './crc.js';
import { DEFAULT_TABLE, type HuffmanCode, type HuffmanTable } from './huffman.js';

/** Little-endian byte sink. */
export class Bytes {
  private readonly out: number[] = [];
  u8(v: number): this { this.out.push(v & 0xff); return this; }
  u16(v: number): this { return this.u8(v).u8(v >> 8); }
  u32(v: number): this { return this.u16(v & 0xffff).u16(Math.floor(v / 0x10000)); }
  raw(b: ArrayLike<number>): this { for (let i = 0; i < b.length; i++) this.u8(b[i] ?? 0); return this; }
  text(s: string): this { return this.raw(new TextEncoder().encode(s)).u8(0); }
  get length(): number { return this.out.length; }
  done(): Uint8Array { return Uint8Array.from(this.out); }
}

/** MSB-first bit sink (the order SCP Huffman data is read in). */
class Bits {
  private readonly bytes: number[] = [];
  private n = 0;
  put(value: number, count: number): void {
    for (let b = count - 1; b >= 0; b--) {
      if (this.n % 8 === 0) this.bytes.push(0);
      const bit = Math.floor(value / 2 ** b) % 2;
      const last = this.bytes.length - 1;
      this.bytes[last] = (this.bytes[last] ?? 0) | (bit << (7 - (this.n % 8)));
      this.n++;
    }
  }
  done(): Uint8Array { return Uint8Array.from(this.bytes); }
}

/** Encoder side of the differences: keeps the first 1 or 2 values, then 1st/2nd differences. */
export function applyDifferences(x: readonly number[], difference: 0 | 1 | 2): number[] {
  return x.map((v, i) => {
    if (difference === 0 || i < difference) return v;
    const a = x[i - 1] ?? 0;
    return difference === 1 ? v - a : v - 2 * a + (x[i - 2] ?? 0);
  });
}

function fits(c: HuffmanCode, v: number): boolean {
  if (c.mode !== 1) return false;
  const extra = c.totalBits - c.prefixBits;
  return extra === 0 ? c.baseValue === v : v >= -(2 ** (extra - 1)) && v < 2 ** (extra - 1);
}

/** Huffman-encodes values starting in table 1, emitting switch codes when another table fits. */
export function huffmanEncode(tables: readonly HuffmanTable[], values: readonly number[]): Uint8Array {
  const bits = new Bits();
  let t = 0;
  for (const v of values) {
    // Prefer an exact code in the current table, then a switch to a table with an exact code,
    // then an escape in the current table, then a switch to a table whose escape fits.
    const exact = (tb: HuffmanTable): HuffmanCode | undefined => tb.find((c) => c.mode === 1 && c.totalBits === c.prefixBits && c.baseValue === v);
    const any = (tb: HuffmanTable): HuffmanCode | undefined => exact(tb) ?? tb.find((c) => fits(c, v));
    const current = tables[t] ?? [];
    let code = exact(current);
    if (code === undefined) {
      const target = [tables.findIndex((tb) => exact(tb) !== undefined), any(current) !== undefined ? t : -1, tables.findIndex((tb) => any(tb) !== undefined)]
        .find((k) => k >= 0);
      if (target === undefined) throw new Error(`value ${v} cannot be encoded`);
      if (target !== t) {
        const sw = current.find((c) => c.mode === 0 && c.baseValue === target + 1);
        if (sw === undefined) throw new Error(`no switch from table ${t + 1} to ${target + 1}`);
        bits.put(sw.prefix, sw.prefixBits);
        t = target;
      }
      code = any(tables[t] ?? []);
    }
    if (code === undefined) throw new Error(`value ${v} cannot be encoded in table ${t + 1}`);
    bits.put(code.prefix, code.prefixBits);
    const extra = code.totalBits - code.prefixBits;
    if (extra > 0) bits.put(v < 0 ? v + 2 ** extra : v, extra);
  }
  return bits.done();
}

/**
 * Encoder side of bimodal compression (EN 1064 §5.9.2), for a lead spanning full-rate sample
 * numbers start..start+x.length-1: inside the protected areas every sample is kept; each stretch
 * outside them keeps the rounded mean of every whole group of `factor` samples, then its last
 * (length % factor) samples unchanged. The same layout the reader's decimation.ts expects.
 */
export function decimateBimodal(x: readonly number[], start: number, areas: readonly { start: number; end: number }[], factor: number): number[] {
  const out: number[] = [];
  const end = start + x.length - 1;
  const sorted = [...areas].sort((a, b) => a.start - b.start);
  const outside = (from: number, to: number): void => {
    let s = from;
    for (; s + factor - 1 <= to; s += factor) {
      let sum = 0;
      for (let k = 0; k < factor; k++) sum += x[s + k - start] ?? 0;
      out.push(Math.round(sum / factor));
    }
    for (; s <= to; s++) out.push(x[s - start] ?? 0);
  };
  let next = start;
  for (const a of sorted) {
    if (a.end < start || a.start > end) continue;
    const from = Math.max(a.start, start);
    const to = Math.min(a.end, end);
    if (from > next) outside(next, from - 1);
    for (let s = from; s <= to; s++) out.push(x[s - start] ?? 0);
    next = to + 1;
  }
  if (next <= end) outside(next, end);
  return out;
}

function reverseBits(v: number, n: number): number {
  let r = 0;
  for (let i = 0; i < n; i++) r = r * 2 + (Math.floor(v / 2 ** i) % 2);
  return r;
}

export interface TestSampleSection {
  avmNv: number;
  intervalUs: number;
  difference: 0 | 1 | 2;
  bimodal?: boolean;
  /** Values to store per lead (residuals when the reference beat is subtracted). */
  leads: number[][];
}

export interface TestScp {
  version?: number;
  /** Section 1 tags as [tag, value bytes]; the terminator is added. */
  tags?: [number, Uint8Array][];
  /** 'none' omits Section 2 (raw 16-bit samples); 'default' writes 19999. */
  huffman: 'none' | 'default' | HuffmanTable[];
  leads: { id: number; start: number; end: number }[];
  flags: number;
  /**
   * Section 4. `protectedAreas` follow the complexes (default: each complex's start..end; `null`
   * writes none, as a file without bimodal compression may).
   */
  qrs?: {
    beatMs: number; fiducial: number; complexes: { type: number; start: number; fiducial: number; end: number }[];
    protectedAreas?: { start: number; end: number }[] | null;
  };
  beat?: TestSampleSection;
  rhythm?: TestSampleSection;
  /** Raw section bodies to add (e.g. 7, 8, 10, 11). */
  extra?: [number, Uint8Array][];
}

function encodeLeads(s: TestSampleSection, huffman: TestScp['huffman'], tableSection: boolean): Uint8Array {
  const tables = huffman === 'none' ? null : huffman === 'default' ? [DEFAULT_TABLE] : huffman;
  const data = s.leads.map((x) => {
    const d = applyDifferences(x, s.difference);
    if (tables === null) {
      const b = new Bytes();
      for (const v of d) b.u16(v & 0xffff);
      return b.done();
    }
    return huffmanEncode(tables, d);
  });
  const b = new Bytes().u16(s.avmNv).u16(s.intervalUs).u8(s.difference).u8(tableSection && s.bimodal === true ? 1 : 0);
  for (const d of data) b.u16(d.length);
  for (const d of data) b.raw(d);
  return b.done();
}

/** Builds a complete SCP-ECG file with correct file and section CRCs. */
export function writeScp(spec: TestScp): Uint8Array {
  const version = spec.version ?? 20;
  const bodies = new Map<number, Uint8Array>();
  if (spec.tags !== undefined) {
    const b = new Bytes();
    for (const [tag, v] of spec.tags) b.u8(tag).u16(v.length).raw(v);
    bodies.set(1, b.u8(255).u16(0).done());
  }
  if (spec.huffman === 'default') bodies.set(2, new Bytes().u16(19999).done());
  else if (spec.huffman !== 'none') {
    const b = new Bytes().u16(spec.huffman.length);
    for (const t of spec.huffman) {
      b.u16(t.length);
      for (const c of t) b.u8(c.prefixBits).u8(c.totalBits).u8(c.mode).u16(c.baseValue & 0xffff).u32(reverseBits(c.prefix, c.prefixBits));
    }
    bodies.set(2, b.done());
  }
  const s3 = new Bytes().u8(spec.leads.length).u8(spec.flags);
  for (const l of spec.leads) s3.u32(l.start).u32(l.end).u8(l.id);
  bodies.set(3, s3.done());
  if (spec.qrs !== undefined) {
    const b = new Bytes().u16(spec.qrs.beatMs).u16(spec.qrs.fiducial).u16(spec.qrs.complexes.length);
    for (const q of spec.qrs.complexes) b.u16(q.type).u32(q.start).u32(q.fiducial).u32(q.end);
    const areas = spec.qrs.protectedAreas === undefined ? spec.qrs.complexes : spec.qrs.protectedAreas;
    for (const q of areas ?? []) b.u32(q.start).u32(q.end);
    bodies.set(4, b.done());
  }
  if (spec.beat !== undefined) bodies.set(5, encodeLeads(spec.beat, spec.huffman, false));
  if (spec.rhythm !== undefined) bodies.set(6, encodeLeads(spec.rhythm, spec.huffman, true));
  for (const [id, body] of spec.extra ?? []) bodies.set(id, body);

  const ids = [...bodies.keys()].sort((a, b) => a - b);
  const pointerIds = [...new Set([...Array.from({ length: 12 }, (_, i) => i), ...ids])].sort((a, b) => a - b);
  const s0len = 16 + pointerIds.length * 10;
  const sections: Uint8Array[] = [];
  let offset = 6 + s0len;
  const where = new Map<number, [number, number]>([[0, [s0len, 7]]]);
  for (const id of ids) {
    const body = bodies.get(id) ?? new Uint8Array();
    const sec = section(id, body, version);
    where.set(id, [sec.length, offset + 1]);
    sections.push(sec);
    offset += sec.length;
  }
  const s0 = new Bytes();
  for (const id of pointerIds) {
    const [len, index] = where.get(id) ?? [0, 0];
    s0.u16(id).u32(len).u32(index);
  }
  const all = new Bytes().u16(0).u32(offset).raw(section(0, s0.done(), version));
  for (const s of sections) all.raw(s);
  const file = all.done();
  const crc = crcCcitt(file, 2);
  file[0] = crc & 0xff;
  file[1] = crc >> 8;
  return file;
}

function section(id: number, body: Uint8Array, version: number): Uint8Array {
  const b = new Bytes().u16(0).u16(id).u32(16 + body.length).u8(version).u8(version);
  if (id === 0) b.raw(new TextEncoder().encode('SCPECG'));
  else b.raw([0, 0, 0, 0, 0, 0]);
  const s = b.raw(body).done();
  const crc = crcCcitt(s, 2);
  s[0] = crc & 0xff;
  s[1] = crc >> 8;
  return s;
}

/** Recomputes every section CRC and the file CRC in place (for fuzzing past the CRC check). */
export function fixCrcs(file: Uint8Array): void {
  const u32 = (at: number): number => ((file[at] ?? 0) | ((file[at + 1] ?? 0) << 8) | ((file[at + 2] ?? 0) << 16)) + (file[at + 3] ?? 0) * 0x1000000;
  const len0 = u32(10);
  for (let p = 22; p + 10 <= 6 + len0 && p + 10 <= file.length; p += 10) {
    const len = u32(p + 2);
    const at = u32(p + 6) - 1;
    if (len >= 16 && at >= 6 && at + len <= file.length) {
      const crc = crcCcitt(file, at + 2, at + len);
      file[at] = crc & 0xff;
      file[at + 1] = crc >> 8;
    }
  }
  if (6 + len0 <= file.length && len0 >= 16) {
    const crc = crcCcitt(file, 8, 6 + len0);
    file[6] = crc & 0xff;
    file[7] = crc >> 8;
  }
  const end = Math.min(u32(2), file.length);
  const crc = crcCcitt(file, 2, Math.max(2, end));
  file[0] = crc & 0xff;
  file[1] = crc >> 8;
}
