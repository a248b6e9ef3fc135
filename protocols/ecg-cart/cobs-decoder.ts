import type { TelemedError } from '../errors.js';

/** Counters of a framer; every rejected frame is counted under its stable code. */
export interface FramerStats {
  frames: number;
  bytes: number;
  errors: Record<string, number>;
}

/** What a protocol on COBS framing gives the shared decoder. */
export interface CobsProtocol<F, E extends TelemedError> {
  /** Cap on stuffed bytes between two delimiters (enough for the protocol's largest frame). */
  readonly maxStuffedBytes: number;
  /** Decodes one frame's stuffed bytes (without the delimiter); throws on a bad one. */
  readonly decode: (stuffed: Uint8Array) => F;
  /** The protocol's own error for a thrown value, as is when it is one already ("undecodable frame" otherwise). */
  readonly asError: (thrown: unknown) => E;
  /** The protocol's error for a frame longer than the cap. */
  readonly overflow: (cap: number) => E;
  readonly onFrame: (f: F) => void;
  /** Called for every rejected frame; the decoder has already resynced. */
  readonly onError?: ((err: E) => void) | undefined;
}

/**
 * Splits a byte stream at 0x00 delimiters and decodes each frame (COBS, SPEC.md of the ECG cart and
 * the ultrasound arm). Never throws: a frame that is too long, badly stuffed, fails its CRC or its
 * layout is counted under its code and skipped, and decoding resumes at the next delimiter.
 * Memory is bounded by the cap.
 */
export class CobsFrameDecoder<F, E extends TelemedError> {
  readonly stats: FramerStats = { frames: 0, bytes: 0, errors: {} };
  private readonly buf: Uint8Array;
  private len = 0;
  private discarding = false;

  constructor(private readonly p: CobsProtocol<F, E>) {
    this.buf = new Uint8Array(p.maxStuffedBytes);
  }

  push(chunk: Uint8Array): void {
    this.stats.bytes += chunk.length;
    let start = 0;
    while (start < chunk.length) {
      const z = chunk.indexOf(0, start);
      const end = z === -1 ? chunk.length : z;
      this.append(chunk, start, end);
      if (z === -1) return;
      this.endOfFrame();
      start = z + 1;
    }
  }

  private append(chunk: Uint8Array, start: number, end: number): void {
    if (this.discarding || start === end) return;
    if (this.len + (end - start) > this.buf.length) {
      this.discarding = true;
      this.len = 0;
      this.fail(this.p.overflow(this.buf.length));
      return;
    }
    this.buf.set(chunk.subarray(start, end), this.len);
    this.len += end - start;
  }

  private endOfFrame(): void {
    const n = this.len;
    this.len = 0;
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    // Back-to-back delimiters are idle fill / resync markers, not frames.
    if (n === 0) return;
    let frame: F;
    try {
      frame = this.p.decode(this.buf.subarray(0, n));
    } catch (err) {
      this.fail(this.p.asError(err));
      return;
    }
    this.stats.frames++;
    this.p.onFrame(frame);
  }

  private fail(err: E): void {
    this.stats.errors[err.code] = (this.stats.errors[err.code] ?? 0) + 1;
    this.p.onError?.(err);
  }
}
