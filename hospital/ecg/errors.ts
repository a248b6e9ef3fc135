import { TelemedError } from '../../protocols/index.js';

/** Stable codes of the hub's ECG worklist. Integrity codes are also the `corruptCode` of a stored record. */
export const EcgErrorCode = {
  /** Reassembled size differs from the first chunk's total_size. */
  SIZE_MISMATCH: 'TM_ERR_ECG_SIZE_MISMATCH',
  /** SHA-256 of the reassembled bytes differs from the first chunk's. */
  HASH_MISMATCH: 'TM_ERR_ECG_HASH_MISMATCH',
  /** A chunk arrived at an offset other than the next expected one (first chunk missing, gap, overlap). */
  CHUNK_GAP: 'TM_ERR_ECG_CHUNK_GAP',
  /** A record grew past the size cap, or its partial state was evicted by newer records. */
  TOO_LARGE: 'TM_ERR_ECG_TOO_LARGE',
  EVICTED: 'TM_ERR_ECG_EVICTED',
  NOT_FOUND: 'TM_ERR_ECG_NOT_FOUND',
  /** Claim of a record someone else is reading (or that is reported). */
  CLAIMED: 'TM_ERR_ECG_CLAIMED',
  /** The blob's content type is not one the sample decoder knows. */
  FORMAT: 'TM_ERR_ECG_FORMAT',
  /** The decode threads' queue is full (a burst of large or hostile documents): try again later. */
  DECODE_BUSY: 'TM_ERR_ECG_DECODE_BUSY',
  /** A decode thread took longer than its deadline or ran out of memory; it was replaced. */
  DECODE_FAILED: 'TM_ERR_ECG_DECODE_FAILED',
  /** A samples page outside the record or larger than the page limit (GET /api/ecg/records/:id/samples). */
  SAMPLES_RANGE: 'TM_ERR_ECG_SAMPLES_RANGE',
  /** `?samples=1` on a record larger than one page: use the paged samples route. */
  SAMPLES_TOO_LARGE: 'TM_ERR_ECG_SAMPLES_TOO_LARGE',
  /** A diagnosis body that fails the schema, or has neither statements nor text. */
  DIAGNOSIS_INVALID: 'TM_ERR_ECG_DIAGNOSIS_INVALID',
} as const;
export type EcgErrorCode = (typeof EcgErrorCode)[keyof typeof EcgErrorCode];

export class EcgError extends TelemedError {
  constructor(code: EcgErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'EcgError';
  }
}
