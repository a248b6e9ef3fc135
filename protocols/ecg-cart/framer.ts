import { Transform, type TransformCallback } from 'node:stream';
import { cobsMaxEncodedLength } from './cobs.js';
import { decodeFrame } from './codec.js';
import { CartError, CartErrorCode } from './errors.js';
import { MAX_FRAME_BYTES, type Frame } from './messages.js';

/** Counters of a framer; every rejected frame is counted under its stable code. */
export interface FramerStats {
  frames: number;
  bytes: number;
  errors: Record<string, number>;
}

export interface FrameDecoderOptions {
  /** Cap on stuffed bytes between two delimiters. Default: enough for MAX_FRAME_BYTES. */
  readonly maxStuffedBytes?: number;
  readonly onFrame: (f: Frame) => void;
  /** Called for every rejected frame; the decoder has already resynced. */
  readonly onError?: (err: CartError) => void;
}

/**
 * Splits a byte stream at 0x00 delimiters and decodes each frame. Never throws: a frame that is too
 * long, badly stuffed, fails its CRC or its layout is counted and skipped, and decoding resumes at
 * the next delimiter. Memory is bounded by the cap.
 */
export class FrameDecoder {
  readonly stats: FramerStats = { frames: 0, bytes: 0, errors: {} };
  private readonly cap: number;
  private readonly buf: Uint8Array;
  private len = 0;
  private discarding = false;

  constructor(private readonly opts: FrameDecoderOptions) {
    this.cap = opts.maxStuffedBytes ?? cobsMaxEncodedLength(MAX_FRAME_BYTES);
    this.buf = new Uint8Array(this.cap);
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
    if (this.len + (end - start) > this.cap) {
      this.discarding = true;
      this.len = 0;
      this.fail(new CartError(CartErrorCode.OVERFLOW, `frame longer than ${this.cap} bytes`));
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
    let frame: Frame;
    try {
      frame = decodeFrame(this.buf.subarray(0, n));
    } catch (err) {
      this.fail(err instanceof CartError ? err : new CartError(CartErrorCode.BAD_MESSAGE, 'undecodable frame', { cause: err }));
      return;
    }
    this.stats.frames++;
    this.opts.onFrame(frame);
  }

  private fail(err: CartError): void {
    this.stats.errors[err.code] = (this.stats.errors[err.code] ?? 0) + 1;
    this.opts.onError?.(err);
  }
}

/** Transform: bytes in, decoded `Frame` objects out. Errors are counted (see `stats`), never emitted. */
export class CartFramer extends Transform {
  private readonly decoder: FrameDecoder;
  constructor(opts: { maxStuffedBytes?: number; onError?: (err: CartError) => void } = {}) {
    super({ readableObjectMode: true, writableObjectMode: false, readableHighWaterMark: 64 });
    this.decoder = new FrameDecoder({ ...opts, onFrame: (f) => this.push(f) });
  }
  get stats(): FramerStats {
    return this.decoder.stats;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.decoder.push(chunk);
    cb();
  }
}
