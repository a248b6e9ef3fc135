import { TelemedError } from '../errors.js';

/** Stable codes of the HL7 v2 parser, the MLLP framer and the ACK builder (protocols/hl7v2). */
export const Hl7ErrorCode = {
  /** Zero-length message (nothing but segment terminators). */
  EMPTY: 'TM_ERR_HL7_EMPTY',
  /** Message over `maxMessageChars`. Checked before any parsing. */
  TOO_LARGE: 'TM_ERR_HL7_TOO_LARGE',
  /** First segment is not MSH (HL7 v2.6 §2.5.1: a message begins with MSH). */
  NO_MSH: 'TM_ERR_HL7_NO_MSH',
  /** MSH-1 / MSH-2 do not define usable delimiters (missing, repeated, alphanumeric, CR/LF). */
  BAD_DELIMITERS: 'TM_ERR_HL7_BAD_DELIMITERS',
  /** A segment whose ID is not three upper-case letters or digits (HL7 v2.6 §2.5.2). */
  BAD_SEGMENT_ID: 'TM_ERR_HL7_BAD_SEGMENT_ID',
  /** Over a structural limit: segments, fields per segment, repetitions, components or sub-components. */
  LIMIT: 'TM_ERR_HL7_LIMIT',
  /** extractPcd: the message is not an ORU^R01 (PCD-01) or ORU^R40 (PCD-04). */
  PCD_UNSUPPORTED: 'TM_ERR_HL7_PCD_UNSUPPORTED',
  /** extractPcd: an OBX without an OBX-3 code; the row is skipped and reported, the rest is kept. */
  PCD_BAD_OBX: 'TM_ERR_HL7_PCD_BAD_OBX',
  /** The MLLP framer dropped a block over its byte cap (HL7 v2.6 Appendix C). */
  MLLP_OVERFLOW: 'TM_ERR_MLLP_OVERFLOW',
  /** Bytes outside a 0x0B … 0x1C 0x0D block, dropped up to the next start byte. */
  MLLP_GARBAGE: 'TM_ERR_MLLP_GARBAGE',
  /** 0x1C not followed by 0x0D: the block is dropped. */
  MLLP_BAD_END: 'TM_ERR_MLLP_BAD_END',
  /** A new start byte 0x0B inside an open block: the unterminated block is dropped. */
  MLLP_UNTERMINATED: 'TM_ERR_MLLP_UNTERMINATED',
} as const;
export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

export class Hl7Error extends TelemedError {
  constructor(code: Hl7ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'Hl7Error';
  }
}
