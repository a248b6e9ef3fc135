import { Transform, type TransformCallback } from 'node:stream';
import { cobsMaxEncodedLength } from './cobs.js';
import { CobsFrameDecoder, type FramerStats } from './cobs-decoder.js';
import { decodeFrame } from './codec.js';
import { CartError, CartErrorCode } from './errors.js';
import { MAX_FRAME_BYTES, type Frame } from './messages.js';

export type { FramerStats } from './cobs-decoder.js';

export interface FrameDecoderOptions {
  /** Cap on stuffed bytes between two delimiters. Default: enough for MAX_FRAME_BYTES. */
  readonly maxStuffedBytes?: number;
  readonly onFrame: (f: Frame) => void;
  /** Called for every rejected frame; the decoder has already resynced. */
  readonly onError?: (err: CartError) => void;
}

/** The cart's frames from a byte stream (CobsFrameDecoder), errors as TM_ERR_CART_* codes. */
export class FrameDecoder extends CobsFrameDecoder<Frame, CartError> {
  constructor(opts: FrameDecoderOptions) {
    super({
      maxStuffedBytes: opts.maxStuffedBytes ?? cobsMaxEncodedLength(MAX_FRAME_BYTES),
      decode: decodeFrame,
      asError: (err) => (err instanceof CartError ? err : new CartError(CartErrorCode.BAD_MESSAGE, 'undecodable frame', { cause: err })),
      overflow: (cap) => new CartError(CartErrorCode.OVERFLOW, `frame longer than ${cap} bytes`),
      onFrame: opts.onFrame,
      onError: opts.onError,
    });
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
