import { TelemedError } from '../errors.js';

/** Stable codes of the ultrasound arm's serial protocol (SPEC.md §2) and its driver. */
export const ArmWireErrorCode = {
  /** More stuffed bytes than the cap before a delimiter; dropped up to the next 0x00. */
  OVERFLOW: 'TM_ERR_ARMWIRE_OVERFLOW',
  /** A COBS code byte points past the end of the frame, or a zero inside a block. */
  BAD_COBS: 'TM_ERR_ARMWIRE_BAD_COBS',
  /** Fewer than header + CRC bytes. */
  SHORT: 'TM_ERR_ARMWIRE_SHORT',
  /** CRC-16/CCITT-FALSE mismatch. */
  BAD_CRC: 'TM_ERR_ARMWIRE_BAD_CRC',
  /** Protocol id other than 0xA1 (e.g. an ECG cart on the arm's port). */
  BAD_VERSION: 'TM_ERR_ARMWIRE_BAD_VERSION',
  UNKNOWN_TYPE: 'TM_ERR_ARMWIRE_UNKNOWN_TYPE',
  /** Payload does not match its layout: truncated, trailing bytes, out of range, NaN. */
  BAD_MESSAGE: 'TM_ERR_ARMWIRE_BAD_MESSAGE',
  /** A message could not be encoded (value out of range). */
  ENCODE: 'TM_ERR_ARMWIRE_ENCODE',
} as const;
export type ArmWireErrorCode = (typeof ArmWireErrorCode)[keyof typeof ArmWireErrorCode];

export class ArmWireError extends TelemedError {
  constructor(code: ArmWireErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ArmWireError';
  }
}
