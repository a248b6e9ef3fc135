import { formatError } from './errors.js';

/**
 * Little-endian cursor over one section body. Every read is checked against the end of the view,
 * so a lying length field yields TM_ERR_SCP_FORMAT naming `what`, never an out-of-range read.
 */
export class ByteReader {
  private pos = 0;
  constructor(readonly bytes: Uint8Array, readonly what: string) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, field: string): number {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw formatError(`${this.what}: ${field} needs ${n} bytes at offset ${this.pos}, ${this.remaining} left`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(field: string): number {
    return this.bytes[this.need(1, field)] ?? 0;
  }

  u16(field: string): number {
    const at = this.need(2, field);
    return (this.bytes[at] ?? 0) | ((this.bytes[at + 1] ?? 0) << 8);
  }

  i16(field: string): number {
    const v = this.u16(field);
    return v >= 0x8000 ? v - 0x10000 : v;
  }

  u32(field: string): number {
    const at = this.need(4, field);
    return ((this.bytes[at] ?? 0) | ((this.bytes[at + 1] ?? 0) << 8) | ((this.bytes[at + 2] ?? 0) << 16)) +
      (this.bytes[at + 3] ?? 0) * 0x1000000;
  }

  /** A view of the next `n` bytes (no copy). */
  take(n: number, field: string): Uint8Array {
    const at = this.need(n, field);
    return this.bytes.subarray(at, at + n);
  }

  skip(n: number, field: string): void {
    this.need(n, field);
  }
}

/** Text up to the first NUL, latin1 when it is not valid UTF-8; trimmed. */
export function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  const raw = nul < 0 ? bytes : bytes.subarray(0, nul);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw).trim();
  } catch {
    return new TextDecoder('latin1').decode(raw).trim();
  }
}
