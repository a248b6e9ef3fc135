// Byte layouts of the WFDB storage formats (PhysioNet "signal(5)"). Each decoder turns the flat,
// interleaved sample stream of one data file into integers; demultiplexing is done by the caller.
import { WfdbError, WfdbErrorCode } from './errors.js';

/** Bytes needed to hold `n` samples in `format`, rounded up to whole groups where the format packs. */
export function bytesForSamples(format: number, n: number): number {
  switch (format) {
    case 8: case 80: return n;
    case 16: case 61: case 160: return 2 * n;
    case 24: return 3 * n;
    case 32: return 4 * n;
    case 212: return Math.ceil((3 * n) / 2); // two 12-bit samples in three bytes
    // Three 10-bit samples in four bytes; a trailing partial group is written as far as it goes
    // (310: one 16-bit word per sample; 311: the bytes that hold the sample's bits).
    case 310: return 4 * Math.floor(n / 3) + [0, 2, 4][n % 3]!;
    case 311: return 4 * Math.floor(n / 3) + [0, 2, 3][n % 3]!;
    default: throw unsupported(format);
  }
}

/** How many whole samples `byteLength` bytes hold in `format`. */
export function samplesInBytes(format: number, byteLength: number): number {
  switch (format) {
    case 8: case 80: return byteLength;
    case 16: case 61: case 160: return Math.floor(byteLength / 2);
    case 24: return Math.floor(byteLength / 3);
    case 32: return Math.floor(byteLength / 4);
    case 212: return Math.floor((2 * byteLength) / 3);
    case 310: return 3 * Math.floor(byteLength / 4) + (byteLength % 4 >= 2 ? 1 : 0);
    case 311: return 3 * Math.floor(byteLength / 4) + [0, 0, 1, 2][byteLength % 4]!;
    default: throw unsupported(format);
  }
}

/** The stored value a format uses for "invalid sample" (WFDB_INVALID_SAMPLE in that width), or null. */
export function invalidCode(format: number): number | null {
  switch (format) {
    case 80: return -128;
    case 16: case 61: case 160: return -32768;
    case 212: return -2048;
    case 310: case 311: return -512;
    case 24: case 524: return -8388608;
    case 32: return -2147483648;
    case 508: return -128;
    case 516: return -32768;
    default: return null; // format 8 stores differences; it has no invalid code
  }
}

/** Formats 508, 516 and 524 store FLAC streams (8, 16, 24 bits). */
export function isFlacFormat(format: number): boolean {
  return format === 508 || format === 516 || format === 524;
}

function unsupported(format: number): WfdbError {
  return new WfdbError(WfdbErrorCode.UNSUPPORTED_FORMAT,
    isFlacFormat(format) ? `WFDB format ${format} (FLAC) is a whole-stream format, not a sample layout` : `WFDB format ${format} is not supported`);
}

const sext = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);

/**
 * Decodes `n` flat samples of `format` from `b` into `out` (format 8 yields the raw first
 * differences; the caller integrates them per signal). `b` must hold bytesForSamples(format, n).
 */
export function decodeFlat(format: number, b: Uint8Array, n: number, out: Int32Array): void {
  const at = (i: number): number => b[i] ?? 0;
  switch (format) {
    case 8:
      for (let i = 0; i < n; i++) out[i] = sext(at(i), 8);
      return;
    case 80:
      for (let i = 0; i < n; i++) out[i] = at(i) - 128; // offset binary
      return;
    case 16:
      for (let i = 0; i < n; i++) out[i] = sext(at(2 * i) | (at(2 * i + 1) << 8), 16);
      return;
    case 61:
      for (let i = 0; i < n; i++) out[i] = sext((at(2 * i) << 8) | at(2 * i + 1), 16); // big-endian
      return;
    case 160:
      for (let i = 0; i < n; i++) out[i] = (at(2 * i) | (at(2 * i + 1) << 8)) - 32768;
      return;
    case 24:
      for (let i = 0; i < n; i++) out[i] = sext(at(3 * i) | (at(3 * i + 1) << 8) | (at(3 * i + 2) << 16), 24);
      return;
    case 32:
      for (let i = 0; i < n; i++) out[i] = at(4 * i) | (at(4 * i + 1) << 8) | (at(4 * i + 2) << 16) | (at(4 * i + 3) << 24);
      return;
    case 212:
      // Sample 2k: byte0 + low nibble of byte1 as bits 8-11; sample 2k+1: byte2 + high nibble of byte1.
      for (let i = 0; i < n; i++) {
        const o = 3 * (i >> 1);
        const mid = at(o + 1);
        out[i] = (i & 1) === 0 ? sext(at(o) | ((mid & 0x0f) << 8), 12) : sext(at(o + 2) | ((mid & 0xf0) << 4), 12);
      }
      return;
    case 310:
      // Two little-endian 16-bit words; samples 0 and 1 are bits 1-10 of each word, sample 2 is the
      // top five bits of word 0 (low half) and of word 1 (high half).
      for (let i = 0; i < n; i++) {
        const o = 4 * Math.floor(i / 3);
        const w0 = at(o) | (at(o + 1) << 8);
        const w1 = at(o + 2) | (at(o + 3) << 8);
        const k = i % 3;
        const v = k === 0 ? (w0 >> 1) & 0x3ff : k === 1 ? (w1 >> 1) & 0x3ff : (w0 >> 11) | ((w1 >> 11) << 5);
        out[i] = sext(v, 10);
      }
      return;
    case 311:
      // One little-endian 32-bit word holds three 10-bit samples in bits 0-9, 10-19, 20-29.
      for (let i = 0; i < n; i++) {
        const o = 4 * Math.floor(i / 3);
        const w = (at(o) | (at(o + 1) << 8) | (at(o + 2) << 16) | (at(o + 3) << 24)) >>> 0;
        out[i] = sext((w >>> (10 * (i % 3))) & 0x3ff, 10);
      }
      return;
    default:
      throw unsupported(format);
  }
}
