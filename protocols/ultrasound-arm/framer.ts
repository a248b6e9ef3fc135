import { cobsMaxEncodedLength } from '../ecg-cart/cobs.js';
import { decodeArmFrame } from './codec.js';
import { ArmWireError, ArmWireErrorCode } from './errors.js';
import { MAX_FRAME_BYTES, type ArmFrame } from './messages.js';

export interface ArmFramerStats {
  frames: number;
  bytes: number;
  /** Rejected frames by TM_ERR_ARMWIRE_* code. */
  errors: Record<string, number>;
}

export interface ArmFrameDecoderOptions {
  readonly onFrame: (f: ArmFrame) => void;
  /** Called for every rejected frame; the decoder has already resynced. */
  readonly onError?: (err: ArmWireError) => void;
  /** Cap on stuffed bytes between delimiters. Default: enough for MAX_FRAME_BYTES. */
  readonly maxStuffedBytes?: number;
}

/**
 * Splits a byte stream at 0x00 and decodes each frame. Never throws: every bad frame is counted
 * under its code and decoding resumes after the next delimiter; memory is bounded by the cap.
 */
export class ArmFrameDecoder {
  readonly stats: ArmFramerStats = { frames: 0, bytes: 0, errors: {} };
  private readonly buf: Uint8Array;
  private len = 0;
  private discarding = false;

  constructor(private readonly opts: ArmFrameDecoderOptions) {
    this.buf = new Uint8Array(opts.maxStuffedBytes ?? cobsMaxEncodedLength(MAX_FRAME_BYTES));
  }

  push(chunk: Uint8Array): void {
    this.stats.bytes += chunk.length;
    let start = 0;
    while (start < chunk.length) {
      const z = chunk.indexOf(0, start);
      const end = z === -1 ? chunk.length : z;
      if (!this.discarding && end > start) {
        if (this.len + (end - start) > this.buf.length) {
          this.discarding = true;
          this.len = 0;
          this.fail(new ArmWireError(ArmWireErrorCode.OVERFLOW, `frame longer than ${this.buf.length} bytes`));
        } else {
          this.buf.set(chunk.subarray(start, end), this.len);
          this.len += end - start;
        }
      }
      if (z === -1) return;
      this.endOfFrame();
      start = z + 1;
    }
  }

  private endOfFrame(): void {
    const n = this.len;
    this.len = 0;
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (n === 0) return; // idle fill / resync marker
    let frame: ArmFrame;
    try {
      frame = decodeArmFrame(this.buf.subarray(0, n));
    } catch (err) {
      this.fail(err instanceof ArmWireError ? err : new ArmWireError(ArmWireErrorCode.BAD_MESSAGE, 'undecodable frame', { cause: err }));
      return;
    }
    this.stats.frames++;
    this.opts.onFrame(frame);
  }

  private fail(err: ArmWireError): void {
    this.stats.errors[err.code] = (this.stats.errors[err.code] ?? 0) + 1;
    this.opts.onError?.(err);
  }
}
