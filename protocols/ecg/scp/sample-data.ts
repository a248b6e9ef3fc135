// EN 1064 §5.8 (Section 5, reference beats) and §5.9 (Section 6, rhythm data): a small header,
// one 16-bit byte count per lead, then each lead's compressed bytes back to back.
import { ByteReader } from './byte-reader.js';
import { ScpError, ScpErrorCode, formatError } from './errors.js';
import type { HuffmanDecoder } from './huffman.js';

/** How the sample values were differenced before entropy coding. */
export type ScpDifference = 0 | 1 | 2;

export interface ScpSampleSection {
  /** Amplitude value multiplier: nanovolts per count. */
  avmNv: number;
  /** Sample time interval, microseconds. */
  intervalUs: number;
  difference: ScpDifference;
  /** Section 6 only: bimodal compression used (decimated outside protected areas). */
  bimodal: boolean;
  /** Compressed bytes of each lead, in Section 3 order. */
  leadData: Uint8Array[];
}

/** Parses the header and slices per-lead data of Section 5 or 6 for `leadCount` leads. */
export function parseSampleSection(body: Uint8Array, leadCount: number, what: string): ScpSampleSection {
  const r = new ByteReader(body, what);
  const avmNv = r.u16('AVM');
  const intervalUs = r.u16('sample interval');
  const difference = r.u8('difference encoding');
  const flag = r.u8('bimodal/reserved');
  if (avmNv === 0) throw formatError(`${what}: AVM is 0`);
  if (intervalUs === 0) throw formatError(`${what}: sample interval is 0`);
  if (difference !== 0 && difference !== 1 && difference !== 2) throw formatError(`${what}: difference encoding ${difference}`);
  const lengths: number[] = [];
  for (let i = 0; i < leadCount; i++) lengths.push(r.u16('lead byte count'));
  const leadData = lengths.map((n, i) => r.take(n, `data of lead ${i + 1}`));
  return { avmNv, intervalUs, difference, bimodal: flag === 1, leadData };
}

/** Raw 16-bit little-endian samples, used when the file has no Section 2 (no Huffman coding). */
function rawSamples(data: Uint8Array, n: number, what: string): Int32Array {
  if (data.length < n * 2) throw new ScpError(ScpErrorCode.HUFFMAN, `${what}: ${data.length} bytes for ${n} uncompressed samples`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = (data[2 * i] ?? 0) | ((data[2 * i + 1] ?? 0) << 8);
    out[i] = v >= 0x8000 ? v - 0x10000 : v;
  }
  return out;
}

/** Largest magnitude a reconstructed count may take: keeps counts in int32 and off INVALID_SAMPLE. */
const MAX_COUNT = 0x7fffffff;

/**
 * Undoes 1st or 2nd differences in place. EN 1064 §5.9.4: with 1st differences the first value is
 * a sample; with 2nd differences the first two are, and x[n] = d[n] + 2x[n-1] - x[n-2].
 */
export function undoDifferences(v: Int32Array, difference: ScpDifference, what: string): void {
  if (difference === 0) return;
  let prev2 = 0;
  let prev1 = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v[i] ?? 0;
    let x: number;
    if (difference === 1) x = i === 0 ? d : prev1 + d;
    else x = i < 2 ? d : d + 2 * prev1 - prev2;
    if (x > MAX_COUNT || x < -MAX_COUNT) throw formatError(`${what}: reconstructed sample ${i} out of range`);
    v[i] = x;
    prev2 = prev1;
    prev1 = x;
  }
}

/** Decodes `n` samples of one lead: entropy decoding (or raw 16-bit) then difference reversal. */
export function decodeLead(
  data: Uint8Array, n: number, huffman: HuffmanDecoder | null, difference: ScpDifference, what: string,
): Int32Array {
  let v: Int32Array;
  if (huffman === null) v = rawSamples(data, n, what);
  else {
    // Every code is at least one bit: reject before allocating when the stream cannot hold n samples.
    if (n > data.length * 8) throw new ScpError(ScpErrorCode.HUFFMAN, `${what}: ${data.length} bytes cannot hold ${n} samples`);
    v = huffman.decode(data, n, what);
  }
  undoDifferences(v, difference, what);
  return v;
}
