import { TelemedError } from '../../errors.js';

/** Stable codes of the XML tokenizer and the HL7 aECG reader/writer. Callers branch on these. */
export const AecgErrorCode = {
  /** Malformed XML: unclosed tag, mismatched end tag, bad attribute, unknown entity, stray text outside the root. */
  XML_SYNTAX: 'TM_ERR_AECG_XML_SYNTAX',
  /** The document exceeds a bound (size, depth, element count, attributes, text length). */
  XML_LIMIT: 'TM_ERR_AECG_XML_LIMIT',
  /** A DOCTYPE with an internal subset or entity declarations: never processed (no DTD, no external entities). */
  XML_DTD: 'TM_ERR_AECG_XML_DTD',
  /** Well-formed XML that is not an AnnotatedECG, or one without a usable rhythm sequence set. */
  STRUCTURE: 'TM_ERR_AECG_STRUCTURE',
  /** A value the reader cannot use: non-numeric digits, zero/negative scale or increment, unknown units. */
  VALUE: 'TM_ERR_AECG_VALUE',
} as const;
export type AecgErrorCode = (typeof AecgErrorCode)[keyof typeof AecgErrorCode];

export class AecgError extends TelemedError {
  constructor(code: AecgErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'AecgError';
  }
}
