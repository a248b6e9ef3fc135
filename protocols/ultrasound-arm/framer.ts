import { CobsFrameDecoder, type FramerStats } from '../ecg-cart/cobs-decoder.js';
import { cobsMaxEncodedLength } from '../ecg-cart/cobs.js';
import { decodeArmFrame } from './codec.js';
import { ArmWireError, ArmWireErrorCode } from './errors.js';
import { MAX_FRAME_BYTES, type ArmFrame } from './messages.js';

/** Counters of the arm's framer; rejected frames by TM_ERR_ARMWIRE_* code. */
export type ArmFramerStats = FramerStats;

export interface ArmFrameDecoderOptions {
  readonly onFrame: (f: ArmFrame) => void;
  /** Called for every rejected frame; the decoder has already resynced. */
  readonly onError?: (err: ArmWireError) => void;
  /** Cap on stuffed bytes between delimiters. Default: enough for MAX_FRAME_BYTES. */
  readonly maxStuffedBytes?: number;
}

/** The arm's frames from a byte stream (CobsFrameDecoder), errors as TM_ERR_ARMWIRE_* codes. */
export class ArmFrameDecoder extends CobsFrameDecoder<ArmFrame, ArmWireError> {
  constructor(opts: ArmFrameDecoderOptions) {
    super({
      maxStuffedBytes: opts.maxStuffedBytes ?? cobsMaxEncodedLength(MAX_FRAME_BYTES),
      decode: decodeArmFrame,
      asError: (err) => (err instanceof ArmWireError ? err : new ArmWireError(ArmWireErrorCode.BAD_MESSAGE, 'undecodable frame', { cause: err })),
      overflow: (cap) => new ArmWireError(ArmWireErrorCode.OVERFLOW, `frame longer than ${cap} bytes`),
      onFrame: opts.onFrame,
      onError: opts.onError,
    });
  }
}
