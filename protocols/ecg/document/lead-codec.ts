// ECG_SAMPLE_ENCODING_DIFF_RICE: lossless per-lead codec. Samples are cut into blocks; each block
// picks the fixed predictor (first or second difference, as in SCP-ECG EN 1064 §5.6 and Shorten)
// that costs fewer bits, zig-zag maps the residuals and Rice-codes them with a per-block parameter
// k (Golomb with m = 2^k). Residuals too large for the unary part escape to a raw binary value, and
// blocks holding INVALID_SAMPLE carry a validity bitmap, so lead-off stretches cost 2 bits a block.
//
// Stream: u8 version (1) | u8 log2(block) | f64le gain | varint adc bits | varint len + utf-8 units |
// blocks, MSB-first: 2-bit mode (0 all invalid, 1 first difference, 2 second difference,
// 3 mixed: bitmap then first difference over the valid samples) | 5-bit k | codes.
// Gain, units and ADC resolution travel here because EcgLeadData has only uv_per_count/baseline.
import { INVALID_SAMPLE } from '../record.js';
import { BitReader, BitWriter } from './bits.js';
import { badDocument } from './errors.js';

const VERSION = 1;
/** A Rice quotient at or above this escapes to 6-bit length + raw value. */
const ESCAPE_Q = 24; // written as one 24-bit run of ones
const MODE_INVALID = 0;
const MODE_D1 = 1;
const MODE_D2 = 2;
const MODE_MIXED = 3;
const MAX_UNITS_BYTES = 32;
const INT32_MAX = 2147483647;

/** Physical calibration kept with the samples so a record round-trips exactly. */
export interface LeadCalibration {
  gain: number;
  units: string;
  adcResolution: number;
}

/** Encoder tuning. */
export interface LeadCodecOptions {
  /** Samples per block, a power of two in 16..4096. Default 128. */
  blockSize: number;
}

const zigzag = (r: number): number => (r >= 0 ? 2 * r : -2 * r - 1);
const unzigzag = (u: number): number => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);

/** Bits to Rice-code u with parameter k, escapes included. */
function riceCost(u: number, k: number): number {
  // Integer fast path: nearly every residual of a real ECG fits in 31 bits.
  const q = u < 0x80000000 ? u >>> k : Math.floor(u / 2 ** k);
  return q < ESCAPE_Q ? q + 1 + k : ESCAPE_Q + 6 + bitLength(u);
}

function bitLength(u: number): number {
  return u === 0 ? 0 : Math.floor(Math.log2(u)) + 1;
}

function writeRice(w: BitWriter, u: number, k: number): void {
  const q = u < 0x80000000 ? u >>> k : Math.floor(u / 2 ** k);
  if (q < ESCAPE_Q && k <= 24 && u < 0x80000000) {
    w.unary(q);
    w.bits(u & ((1 << k) - 1), k);
  } else if (q < ESCAPE_Q) {
    w.unary(q);
    w.wide(u - q * 2 ** k, k);
  } else {
    // Escape: ESCAPE_Q ones without a terminating zero, then the value's length and the value.
    w.bits(0xffffff, ESCAPE_Q);
    const n = bitLength(u);
    w.bits(n, 6);
    w.wide(u, n);
  }
}

function readRice(r: BitReader, k: number): number {
  const q = r.unary(ESCAPE_Q);
  if (q < ESCAPE_Q) return k <= 24 ? q * (1 << k) + r.bits(k) : q * 2 ** k + r.wide(k);
  const n = r.bits(6);
  if (n > 40) throw badDocument('escaped residual longer than 40 bits');
  return r.wide(n);
}

/** Best k for the zig-zagged residuals u[0..n) and its cost in bits. */
function bestK(u: Float64Array, n: number): { k: number; cost: number } {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += u[i] ?? 0;
  const k0 = Math.max(0, Math.min(31, Math.floor(Math.log2(sum / Math.max(1, n) + 1))));
  let best = { k: k0, cost: Infinity };
  for (let k = Math.max(0, k0 - 1); k <= Math.min(31, k0 + 1); k++) {
    let cost = 0;
    for (let i = 0; i < n; i++) cost += riceCost(u[i] ?? 0, k);
    if (cost < best.cost) best = { k, cost };
  }
  return best;
}

function writeVarint(out: number[], v: number): void {
  let x = v;
  while (x >= 0x80) { out.push((x % 0x80) | 0x80); x = Math.floor(x / 0x80); }
  out.push(x);
}

/** Encodes int32 counts (INVALID_SAMPLE allowed) and the calibration into the codec stream. */
export function encodeLeadSamples(samples: Int32Array, cal: LeadCalibration, options: Partial<LeadCodecOptions> = {}): Uint8Array {
  const block = options.blockSize ?? 128;
  const log2 = Math.log2(block);
  if (!Number.isInteger(log2) || log2 < 4 || log2 > 12) throw new RangeError(`block size ${block} is not a power of two in 16..4096`);
  const units = new TextEncoder().encode(cal.units);
  if (units.length > MAX_UNITS_BYTES) throw new RangeError(`units "${cal.units}" longer than ${MAX_UNITS_BYTES} bytes`);
  const head: number[] = [VERSION, log2];
  const f64 = new Uint8Array(8);
  new DataView(f64.buffer).setFloat64(0, cal.gain, true);
  head.push(...f64);
  writeVarint(head, cal.adcResolution);
  writeVarint(head, units.length);
  head.push(...units);

  const w = new BitWriter(samples.length + 64);
  const u1 = new Float64Array(block);
  const u2 = new Float64Array(block);
  let x1 = 0; // last valid sample
  let x2 = 0; // the one before it
  for (let start = 0; start < samples.length; start += block) {
    const n = Math.min(block, samples.length - start);
    let invalid = 0;
    for (let i = 0; i < n; i++) if (samples[start + i] === INVALID_SAMPLE) invalid++;
    if (invalid === n) { w.bits(MODE_INVALID, 2); continue; }
    if (invalid > 0) {
      // Mixed block: bitmap, then first differences over the valid samples only.
      let m = 0;
      let p = x1;
      for (let i = 0; i < n; i++) {
        const v = samples[start + i] ?? INVALID_SAMPLE;
        if (v !== INVALID_SAMPLE) { u1[m++] = zigzag(v - p); p = v; }
      }
      const { k } = bestK(u1, m);
      w.bits(MODE_MIXED, 2);
      for (let i = 0; i < n; i++) w.bits(samples[start + i] === INVALID_SAMPLE ? 0 : 1, 1);
      w.bits(k, 5);
      for (let i = 0; i < m; i++) writeRice(w, u1[i] ?? 0, k);
      for (let i = 0; i < n; i++) {
        const v = samples[start + i] ?? INVALID_SAMPLE;
        if (v !== INVALID_SAMPLE) { x2 = x1; x1 = v; }
      }
      continue;
    }
    let a = x1, b = x2;
    for (let i = 0; i < n; i++) {
      const v = samples[start + i] ?? 0;
      u1[i] = zigzag(v - a);
      u2[i] = zigzag(v - (2 * a - b));
      b = a; a = v;
    }
    const c1 = bestK(u1, n);
    const c2 = bestK(u2, n);
    const [mode, k, u] = c2.cost < c1.cost ? [MODE_D2, c2.k, u2] : [MODE_D1, c1.k, u1];
    w.bits(mode, 2);
    w.bits(k, 5);
    for (let i = 0; i < n; i++) writeRice(w, u[i] ?? 0, k);
    x1 = a; x2 = b;
  }
  const body = w.finish();
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function readVarint(bytes: Uint8Array, at: { pos: number }): number {
  let v = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = bytes[at.pos++];
    if (b === undefined) throw badDocument('lead data header truncated');
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return v;
  }
  throw badDocument('lead data header varint too long');
}

function checked(v: number): number {
  if (v > INT32_MAX || v < -INT32_MAX) throw badDocument('decoded sample outside int32');
  return v;
}

/** Decodes `count` samples (the caller has bounded it) and the calibration; TM_ERR_ECG_DOCUMENT on any defect. */
export function decodeLeadSamples(bytes: Uint8Array, count: number): { samples: Int32Array; calibration: LeadCalibration } {
  if (bytes.length < 11) throw badDocument('lead data header truncated');
  if (bytes[0] !== VERSION) throw badDocument(`lead codec version ${String(bytes[0])} is not ${VERSION}`);
  const log2 = bytes[1] ?? 0;
  if (log2 < 4 || log2 > 12) throw badDocument(`lead codec block size 2^${log2} out of range`);
  const block = 2 ** log2;
  const gain = new DataView(bytes.buffer, bytes.byteOffset + 2, 8).getFloat64(0, true);
  const at = { pos: 10 };
  const adcResolution = readVarint(bytes, at);
  const unitsLen = readVarint(bytes, at);
  if (unitsLen > MAX_UNITS_BYTES || at.pos + unitsLen > bytes.length) throw badDocument('lead units too long or truncated');
  const units = new TextDecoder().decode(bytes.subarray(at.pos, at.pos + unitsLen));
  if (adcResolution > 64) throw badDocument('lead ADC resolution above 64 bits');
  // Every block costs at least its 2-bit mode: refuse a count the data cannot hold before allocating.
  if (Math.ceil(count / block) * 2 > (bytes.length - at.pos - unitsLen) * 8) throw badDocument(`lead data too short for ${count} samples`);
  const r = new BitReader(bytes, at.pos + unitsLen);
  const samples = new Int32Array(count);
  let x1 = 0, x2 = 0;
  for (let start = 0; start < count; start += block) {
    const n = Math.min(block, count - start);
    const mode = r.bits(2);
    if (mode === MODE_INVALID) { samples.fill(INVALID_SAMPLE, start, start + n); continue; }
    if (mode === MODE_MIXED) {
      for (let i = 0; i < n; i++) samples[start + i] = r.bits(1) === 1 ? 0 : INVALID_SAMPLE;
      const k = r.bits(5);
      for (let i = 0; i < n; i++) {
        if (samples[start + i] === INVALID_SAMPLE) continue;
        const v = checked(x1 + unzigzag(readRice(r, k)));
        samples[start + i] = v;
        x2 = x1; x1 = v;
      }
      continue;
    }
    const k = r.bits(5);
    for (let i = 0; i < n; i++) {
      const pred = mode === MODE_D1 ? x1 : 2 * x1 - x2;
      const v = checked(pred + unzigzag(readRice(r, k)));
      samples[start + i] = v;
      x2 = x1; x1 = v;
    }
  }
  return { samples, calibration: { gain, units, adcResolution } };
}
