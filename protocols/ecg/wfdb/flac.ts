// A small FLAC decoder for WFDB formats 508/516/524 (FLAC streams, one channel per signal).
// Follows the FLAC format specification (RFC 9639): STREAMINFO, frames of CONSTANT, VERBATIM,
// FIXED and LPC subframes with Rice-coded residuals and stereo decorrelation. No MD5 check;
// every read is bounded and a malformed stream is a TM_ERR_WFDB_DATA_TRUNCATED / _HEADER_SYNTAX.
import { WfdbError, WfdbErrorCode } from './errors.js';

class Bits {
  private pos = 0; // bit position
  constructor(private readonly b: Uint8Array, start: number) { this.pos = start * 8; }
  get bytePos(): number { return this.pos >> 3; }
  get atEnd(): boolean { return this.pos >= this.b.length * 8; }
  bit(): number {
    if (this.pos >= this.b.length * 8) throw bad('FLAC stream ends inside a frame');
    const v = ((this.b[this.pos >> 3] ?? 0) >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return v;
  }
  /** Unsigned read of up to 53 bits. */
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  s(n: number): number {
    if (n === 0) return 0;
    const v = this.u(n);
    return v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }
  /** Unary: number of 0 bits before the next 1 (bounded). */
  unary(): number {
    let n = 0;
    while (this.bit() === 0) if (++n > 1 << 20) throw bad('FLAC unary code too long');
    return n;
  }
  align(): void { this.pos = (this.pos + 7) & ~7; }
}

function bad(msg: string): WfdbError {
  return new WfdbError(WfdbErrorCode.DATA_TRUNCATED, msg);
}

export interface FlacStream {
  channels: number;
  bitsPerSample: number;
  /** Decoded samples per channel. */
  samples: Int32Array[];
}

/** Decodes a complete FLAC stream. `maxSamples` bounds the samples over all channels (memory guard). */
export function decodeFlac(bytes: Uint8Array, maxSamples = 100_000_000): FlacStream {
  if (bytes.length < 42 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'fLaC') {
    throw new WfdbError(WfdbErrorCode.HEADER_SYNTAX, 'not a FLAC stream (no fLaC marker)');
  }
  let o = 4;
  let channels = 0, bps = 0, total = 0;
  for (;;) {
    const head = bytes[o] ?? 0;
    const len = ((bytes[o + 1] ?? 0) << 16) | ((bytes[o + 2] ?? 0) << 8) | (bytes[o + 3] ?? 0);
    if (o + 4 + len > bytes.length) throw bad('FLAC metadata block runs past the end');
    if ((head & 0x7f) === 0) {
      const r = new Bits(bytes, o + 4);
      r.u(16); r.u(16); r.u(24); r.u(24); r.u(20);
      channels = r.u(3) + 1;
      bps = r.u(5) + 1;
      total = r.u(36);
    }
    o += 4 + len;
    if ((head & 0x80) !== 0) break;
  }
  if (channels === 0) throw new WfdbError(WfdbErrorCode.HEADER_SYNTAX, 'FLAC stream without STREAMINFO');
  const cap = total > 0 ? total : Math.floor(maxSamples / channels);
  if (cap * channels > maxSamples) throw new WfdbError(WfdbErrorCode.DATA_LIMIT, `FLAC stream holds ${total} x ${channels} samples (limit ${maxSamples})`);
  const out = Array.from({ length: channels }, () => new Int32Array(cap));
  let n = 0;
  const r = new Bits(bytes, o);
  while (!r.atEnd && n < cap) n += decodeFrame(r, channels, bps, out, n, cap);
  return { channels, bitsPerSample: bps, samples: out.map((c) => c.subarray(0, n)) };
}

const BPS_CODES = [0, 8, 12, 0, 16, 20, 24, 32];

function decodeFrame(r: Bits, channels: number, streamBps: number, out: Int32Array[], at: number, cap: number): number {
  if (r.u(14) !== 0x3ffe) throw bad('FLAC frame sync lost');
  r.u(2);
  const bsCode = r.u(4);
  const rateCode = r.u(4);
  const chanCode = r.u(4);
  const bpsCode = r.u(3);
  r.u(1);
  // UTF-8-style coded frame number: skip its continuation bytes.
  const lead = r.u(8);
  let extra = 0;
  for (let m = 0x80; (lead & m) !== 0 && m > 1; m >>= 1) extra++;
  for (let i = 1; i < extra; i++) r.u(8);
  let size = bsCode === 1 ? 192 : bsCode >= 2 && bsCode <= 5 ? 576 << (bsCode - 2) : bsCode >= 8 ? 256 << (bsCode - 8) : 0;
  if (bsCode === 6) size = r.u(8) + 1;
  if (bsCode === 7) size = r.u(16) + 1;
  if (size === 0) throw bad('FLAC reserved block size');
  if (rateCode === 12) r.u(8); else if (rateCode === 13 || rateCode === 14) r.u(16);
  r.u(8); // CRC-8 of the header (not checked: the checksums in the WFDB header cover the samples)
  const bps = bpsCode === 0 ? streamBps : (BPS_CODES[bpsCode] ?? 0);
  if (bps === 0) throw bad('FLAC reserved sample size');
  const nch = chanCode < 8 ? chanCode + 1 : 2;
  if (nch !== channels || chanCode > 10) throw bad('FLAC channel layout does not match STREAMINFO');
  const sub: Float64Array[] = [];
  for (let c = 0; c < nch; c++) {
    // The side channel carries one extra bit.
    const side = (chanCode === 8 && c === 1) || (chanCode === 9 && c === 0) || (chanCode === 10 && c === 1);
    sub.push(decodeSubframe(r, size, bps + (side ? 1 : 0)));
  }
  r.align();
  r.u(16); // CRC-16 of the frame
  const n = Math.min(size, cap - at);
  for (let i = 0; i < n; i++) {
    let a = sub[0]?.[i] ?? 0;
    let b = sub[1]?.[i] ?? 0;
    if (chanCode === 8) b = a - b; // left/side
    else if (chanCode === 9) a = a + b; // side/right
    else if (chanCode === 10) { const mid = a * 2 + (b & 1); a = (mid + b) / 2; b = (mid - b) / 2; }
    for (let c = 0; c < nch; c++) {
      const ch = out[c];
      if (ch !== undefined) ch[at + i] = c === 0 ? a : c === 1 && chanCode >= 8 ? b : (sub[c]?.[i] ?? 0);
    }
  }
  return n;
}

function decodeSubframe(r: Bits, size: number, bps: number): Float64Array {
  r.u(1);
  const type = r.u(6);
  let wasted = 0;
  if (r.bit() === 1) wasted = r.unary() + 1;
  const w = bps - wasted;
  const s = new Float64Array(size);
  if (type === 0) {
    s.fill(r.s(w));
  } else if (type === 1) {
    for (let i = 0; i < size; i++) s[i] = r.s(w);
  } else if (type >= 8 && type <= 12) {
    const order = type - 8;
    for (let i = 0; i < order; i++) s[i] = r.s(w);
    residual(r, s, order, size);
    for (let i = order; i < size; i++) s[i] = (s[i] ?? 0) + fixedPrediction(s, i, order);
  } else if (type >= 32) {
    const order = type - 31;
    for (let i = 0; i < order; i++) s[i] = r.s(w);
    const precision = r.u(4) + 1;
    if (precision === 16) throw bad('FLAC invalid LPC precision');
    const shift = r.s(5);
    const coef: number[] = [];
    for (let i = 0; i < order; i++) coef.push(r.s(precision));
    residual(r, s, order, size);
    const div = 2 ** Math.max(0, shift);
    for (let i = order; i < size; i++) {
      let sum = 0;
      for (let j = 0; j < order; j++) sum += (coef[j] ?? 0) * (s[i - 1 - j] ?? 0);
      s[i] = (s[i] ?? 0) + Math.floor(sum / div); // arithmetic shift right
    }
  } else {
    throw bad(`FLAC reserved subframe type ${type}`);
  }
  if (wasted > 0) for (let i = 0; i < size; i++) s[i] = (s[i] ?? 0) * 2 ** wasted;
  return s;
}

function fixedPrediction(s: Float64Array, i: number, order: number): number {
  const a = s[i - 1] ?? 0, b = s[i - 2] ?? 0, c = s[i - 3] ?? 0, d = s[i - 4] ?? 0;
  switch (order) {
    case 0: return 0;
    case 1: return a;
    case 2: return 2 * a - b;
    case 3: return 3 * a - 3 * b + c;
    default: return 4 * a - 6 * b + 4 * c - d;
  }
}

/** Reads the Rice-coded residual into s[order..size). */
function residual(r: Bits, s: Float64Array, order: number, size: number): void {
  const method = r.u(2);
  if (method > 1) throw bad('FLAC reserved residual coding method');
  const paramBits = method === 0 ? 4 : 5;
  const escape = (1 << paramBits) - 1;
  const partOrder = r.u(4);
  const parts = 1 << partOrder;
  const per = size >> partOrder;
  if (per * parts !== size || per < order) throw bad('FLAC residual partitions do not fit the block');
  let i = order;
  for (let p = 0; p < parts; p++) {
    const count = p === 0 ? per - order : per;
    const k = r.u(paramBits);
    if (k === escape) {
      const raw = r.u(5);
      for (let j = 0; j < count; j++) s[i++] = r.s(raw);
      continue;
    }
    for (let j = 0; j < count; j++) {
      const v = r.unary() * 2 ** k + r.u(k);
      s[i++] = v % 2 === 0 ? v / 2 : -(v + 1) / 2; // zig-zag
    }
  }
}
