// Bit-level writer and bounded reader for the lead codec (MSB first). The reader never reads past
// its buffer: running out of bits is a coded rejection, not an exception from a typed array.
import { badDocument } from './errors.js';

/** Appends bits MSB-first into a growable buffer. */
export class BitWriter {
  private buf: Uint8Array;
  private len = 0;
  private acc = 0;
  private accBits = 0;

  constructor(initialBytes = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
  }

  /** Writes the low `n` bits of `v` (0 ≤ n ≤ 24, 0 ≤ v < 2^n). */
  bits(v: number, n: number): void {
    this.acc = (this.acc << n) | v;
    this.accBits += n;
    while (this.accBits >= 8) {
      this.accBits -= 8;
      this.byte((this.acc >>> this.accBits) & 0xff);
    }
    this.acc &= (1 << this.accBits) - 1;
  }

  /** Writes a non-negative integer below 2^53 in `n` bits (0 ≤ n ≤ 53), high chunk first. */
  wide(v: number, n: number): void {
    let left = n;
    while (left > 24) {
      left -= 24;
      this.bits(Math.floor(v / 2 ** left) % 0x1000000, 24);
    }
    this.bits(v % 2 ** left, left);
  }

  /** `q` one-bits followed by a zero. */
  unary(q: number): void {
    if (q < 24) { this.bits(((1 << q) - 1) << 1, q + 1); return; }
    let left = q;
    while (left >= 24) { this.bits(0xffffff, 24); left -= 24; }
    this.bits(((1 << left) - 1) << 1, left + 1);
  }

  /** Whole bytes written so far plus the partial byte, zero-padded. */
  finish(): Uint8Array {
    if (this.accBits > 0) this.bits(0, 8 - this.accBits);
    return this.buf.slice(0, this.len);
  }

  private byte(b: number): void {
    if (this.len === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = b;
  }
}

/** Reads bits MSB-first from `bytes[start, end)`; throws TM_ERR_ECG_DOCUMENT past the end. */
export class BitReader {
  private pos: number;
  private readonly endBit: number;

  constructor(private readonly bytes: Uint8Array, start: number, end: number = bytes.length) {
    this.pos = start * 8;
    this.endBit = end * 8;
  }

  /** Reads `n` bits (0 ≤ n ≤ 24) as an unsigned integer. */
  bits(n: number): number {
    if (this.pos + n > this.endBit) throw badDocument('lead data ends inside a code');
    let v = 0;
    let left = n;
    while (left > 0) {
      const byte = this.bytes[this.pos >>> 3] ?? 0;
      const avail = 8 - (this.pos & 7);
      const take = Math.min(avail, left);
      v = (v << take) | ((byte >>> (avail - take)) & ((1 << take) - 1));
      this.pos += take;
      left -= take;
    }
    return v >>> 0;
  }

  /** Reads `n` bits (0 ≤ n ≤ 53) as an unsigned integer. */
  wide(n: number): number {
    let v = 0;
    let left = n;
    while (left > 24) { v = v * 0x1000000 + this.bits(24); left -= 24; }
    return v * 2 ** left + this.bits(left);
  }

  /** Counts one-bits up to the next zero, stopping (without consuming a zero) at `limit` ones. */
  unary(limit: number): number {
    let q = 0;
    // Whole 0xff bytes at a byte boundary are eight ones at once.
    while (q + 8 <= limit && (this.pos & 7) === 0 && this.pos + 8 <= this.endBit && this.bytes[this.pos >>> 3] === 0xff) {
      q += 8;
      this.pos += 8;
    }
    while (q < limit) {
      if (this.pos >= this.endBit) throw badDocument('lead data ends inside a code');
      const bit = ((this.bytes[this.pos >>> 3] ?? 0) >>> (7 - (this.pos & 7))) & 1;
      this.pos++;
      if (bit === 0) return q;
      q++;
    }
    return q;
  }
}
