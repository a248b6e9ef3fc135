// EN 1064 §5.5 (Section 2, Huffman tables) and Annex C (the default table). Codes are read MSB
// first from each byte; a table's base code is stored with its bits reversed (first bit read = bit 0).
import { ByteReader } from './byte-reader.js';
import { ScpError, ScpErrorCode, formatError } from './errors.js';

/** One code structure of a table. */
export interface HuffmanCode {
  /** Bits of the prefix (the Huffman code proper), 1..32. */
  prefixBits: number;
  /** Prefix plus trailing bits; trailing bits carry the value itself as two's complement. */
  totalBits: number;
  /** 1 = the code yields a value; 0 = switch to table `baseValue` (1-based). */
  mode: number;
  baseValue: number;
  /** Prefix in reading order (first bit read is the most significant of `prefixBits`). */
  prefix: number;
}

export type HuffmanTable = readonly HuffmanCode[];

/** "19999" in Section 2 means: use the default table. */
export const DEFAULT_TABLE_MARKER = 19999;

/** Caps that keep a hostile Section 2 small. */
export const HUFFMAN_LIMITS = { maxTables: 64, maxCodesPerTable: 1024, maxPrefixBits: 32, maxValueBits: 32 } as const;

function code(bits: string, value: number, extra = 0): HuffmanCode {
  return { prefixBits: bits.length, totalBits: bits.length + extra, mode: 1, baseValue: value, prefix: parseInt(bits, 2) };
}

/** EN 1064 Annex C.2.7.4: 0 → "0", ±n → n ones, a zero, then 0 for + / 1 for -; escapes carry 8 or 16 raw bits. */
export const DEFAULT_TABLE: HuffmanTable = [
  code('0', 0),
  ...[1, 2, 3, 4, 5, 6, 7, 8].flatMap((n) => [code(`${'1'.repeat(n)}00`, n), code(`${'1'.repeat(n)}01`, -n)]),
  code('1111111110', 0, 8),
  code('1111111111', 0, 16),
];

function reverseBits(v: number, n: number): number {
  let r = 0;
  for (let i = 0; i < n; i++) r = r * 2 + (Math.floor(v / 2 ** i) % 2);
  return r;
}

/**
 * Section 2 body → tables. Returns null when the section selects the default table only.
 * Throws TM_ERR_SCP_FORMAT / TM_ERR_SCP_LIMIT on bad or oversized tables.
 */
export function parseHuffmanSection(body: Uint8Array): HuffmanTable[] {
  const r = new ByteReader(body, 'section 2');
  const count = r.u16('number of tables');
  if (count === DEFAULT_TABLE_MARKER) return [DEFAULT_TABLE];
  if (count === 0) throw formatError('section 2: zero Huffman tables');
  if (count > HUFFMAN_LIMITS.maxTables) throw new ScpError(ScpErrorCode.LIMIT, `section 2: ${count} tables, limit ${HUFFMAN_LIMITS.maxTables}`);
  const tables: HuffmanTable[] = [];
  for (let t = 0; t < count; t++) {
    const n = r.u16('number of codes');
    if (n === 0) throw formatError(`section 2: table ${t + 1} has no codes`);
    if (n > HUFFMAN_LIMITS.maxCodesPerTable) throw new ScpError(ScpErrorCode.LIMIT, `section 2: table ${t + 1} has ${n} codes`);
    const codes: HuffmanCode[] = [];
    for (let c = 0; c < n; c++) {
      const prefixBits = r.u8('prefix bits');
      const totalBits = r.u8('total bits');
      const mode = r.u8('table mode switch');
      const baseValue = r.i16('base value');
      const baseCode = r.u32('base code');
      if (prefixBits < 1 || prefixBits > HUFFMAN_LIMITS.maxPrefixBits || totalBits < prefixBits) {
        throw formatError(`section 2: table ${t + 1} code ${c + 1}: prefix ${prefixBits} bits, total ${totalBits}`);
      }
      if (totalBits - prefixBits > HUFFMAN_LIMITS.maxValueBits) throw new ScpError(ScpErrorCode.LIMIT, `section 2: code carries ${totalBits - prefixBits} value bits`);
      if (mode !== 0 && mode !== 1) throw formatError(`section 2: table mode switch ${mode}`);
      if (mode === 0 && (baseValue < 1 || baseValue > count)) throw formatError(`section 2: switch to missing table ${baseValue}`);
      codes.push({ prefixBits, totalBits, mode, baseValue, prefix: reverseBits(baseCode, prefixBits) });
    }
    tables.push(codes);
  }
  return tables;
}

/** A table as a binary tree: node k has children child[2k], child[2k+1] (-1 none), leaf[k] = code index or -1. */
interface Tree {
  child: Int32Array;
  leaf: Int32Array;
  codes: HuffmanTable;
  /** Next LUT_BITS bits → (code index + 1) | (prefix length << 16); 0 = longer code, walk the tree. */
  lut: Int32Array;
}

/** Bits looked up at once; codes up to this length (all of the default table) take one step. */
const LUT_BITS = 10;

function buildTree(codes: HuffmanTable, which: number): Tree {
  const maxNodes = 1 + codes.reduce((s, c) => s + c.prefixBits, 0);
  const child = new Int32Array(maxNodes * 2).fill(-1);
  const leaf = new Int32Array(maxNodes).fill(-1);
  let used = 1;
  codes.forEach((c, idx) => {
    let node = 0;
    for (let b = c.prefixBits - 1; b >= 0; b--) {
      if (leaf[node] !== -1) throw formatError(`section 2: table ${which} is not prefix-free`);
      const bit = Math.floor(c.prefix / 2 ** b) % 2;
      let next = child[node * 2 + bit] ?? -1;
      if (next === -1) {
        next = used++;
        child[node * 2 + bit] = next;
      }
      node = next;
    }
    if (leaf[node] !== -1 || (child[node * 2] ?? -1) !== -1 || (child[node * 2 + 1] ?? -1) !== -1) {
      throw formatError(`section 2: table ${which} is not prefix-free`);
    }
    leaf[node] = idx;
  });
  const lut = new Int32Array(1 << LUT_BITS);
  codes.forEach((c, idx) => {
    if (c.prefixBits > LUT_BITS) return;
    const free = LUT_BITS - c.prefixBits;
    const first = c.prefix * (1 << free);
    lut.fill((idx + 1) | (c.prefixBits << 16), first, first + (1 << free));
  });
  return { child, leaf, codes, lut };
}

/** Decoder for one set of tables; reusable across leads (each lead restarts at table 1). */
export class HuffmanDecoder {
  private readonly trees: Tree[];
  constructor(tables: readonly HuffmanTable[]) {
    this.trees = tables.map((t, i) => buildTree(t, i + 1));
  }

  /** Decodes exactly `n` values from `data`; trailing padding bits are ignored. */
  decode(data: Uint8Array, n: number, what: string): Int32Array {
    const out = new Int32Array(n);
    const totalBits = data.length * 8;
    let pos = 0;
    let tree: Tree | undefined = this.trees[0];
    if (tree === undefined) throw formatError('no Huffman table');
    const ends = (): ScpError => new ScpError(ScpErrorCode.HUFFMAN, `${what}: data ends inside a code`);
    // Hot loop (≈70k samples per 10 s 12-lead record): bits are read inline, MSB first.
    for (let i = 0; i < n;) {
      if (pos >= totalBits) throw new ScpError(ScpErrorCode.HUFFMAN, `${what}: data ends after ${i} of ${n} samples`);
      const { child, leaf, codes, lut }: Tree = tree;
      // Fast path: peek LUT_BITS bits (zero-padded past the end) and look the code up.
      const at = pos >>> 3;
      const word = ((data[at] ?? 0) << 16) | ((data[at + 1] ?? 0) << 8) | (data[at + 2] ?? 0);
      const hit = lut[(word >>> (24 - LUT_BITS - (pos & 7))) & ((1 << LUT_BITS) - 1)] ?? 0;
      let idx = -1;
      if (hit !== 0) {
        pos += hit >>> 16;
        if (pos > totalBits) throw ends(); // the match used padding bits
        idx = (hit & 0xffff) - 1;
      }
      let node = 0;
      while (idx === -1) {
        if (pos >= totalBits) throw ends();
        const b = ((data[pos >>> 3] ?? 0) >>> (7 - (pos & 7))) & 1;
        pos++;
        node = child[node * 2 + b] ?? -1;
        if (node === -1) throw new ScpError(ScpErrorCode.HUFFMAN, `${what}: no code matches at bit ${pos} (sample ${i})`);
        idx = leaf[node] ?? -1;
      }
      const c: HuffmanCode | undefined = codes[idx];
      if (c === undefined) throw formatError('Huffman tree corrupt');
      if (c.mode === 0) {
        // Annex C: a switch code changes the table for the following codes and yields no sample.
        tree = this.trees[c.baseValue - 1] ?? tree;
        continue;
      }
      const extra = c.totalBits - c.prefixBits;
      if (extra === 0) {
        out[i++] = c.baseValue;
        continue;
      }
      if (pos + extra > totalBits) throw ends();
      let v = 0;
      for (let k = 0; k < extra; k++, pos++) v = v * 2 + (((data[pos >>> 3] ?? 0) >>> (7 - (pos & 7))) & 1);
      out[i++] = v >= 2 ** (extra - 1) ? v - 2 ** extra : v; // two's complement of `extra` bits
    }
    return out;
  }
}
