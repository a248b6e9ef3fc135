import { TelemedError } from '../../protocols/index.js';

/** Stable codes of the gateway's ECG records (importers keep their own TM_ERR_* codes). */
export const GatewayEcgErrorCode = {
  /** The action is not allowed in the record's state (e.g. send after send). */
  STATE: 'TM_ERR_ECG_STATE',
  NOT_FOUND: 'TM_ERR_ECG_NOT_FOUND',
  /** A record with this id is already stored on this gateway. */
  DUPLICATE: 'TM_ERR_ECG_DUPLICATE',
  /** An import body that is empty or larger than the limit. */
  IMPORT_SIZE: 'TM_ERR_ECG_IMPORT_SIZE',
  /**
   * An id would break the wire limits (DEFAULT_LIMITS.maxIdLength, 128 characters: the stream
   * `ecg/<deviceId>`), or a file name is absurdly long: refused at ingest, nothing else touched.
   */
  ID_INVALID: 'TM_ERR_ECG_ID_INVALID',
  /** `?samples=1` on a record larger than one page (samples-pool.ts MAX_PAGE_SAMPLES): 413, read it by pages. */
  SAMPLES_TOO_LARGE: 'TM_ERR_ECG_SAMPLES_TOO_LARGE',
  /** A samples page past the record, over the page limit, or naming a lead the record lacks: 400. */
  SAMPLES_RANGE: 'TM_ERR_ECG_SAMPLES_RANGE',
  /** Every samples thread busy and the queue full: 503 with Retry-After. */
  DECODE_BUSY: 'TM_ERR_ECG_DECODE_BUSY',
  /** A samples decode ran past its deadline or heap cap, or its thread died: 503. */
  DECODE_FAILED: 'TM_ERR_ECG_DECODE_FAILED',
  /** Every analysis thread busy and its queue full (the record is then prepared on the event loop instead). */
  PREPARE_BUSY: 'TM_ERR_ECG_PREPARE_BUSY',
  /** A record's analysis ran past its deadline or heap cap, or its thread died: the record is not taken (logged). */
  PREPARE_FAILED: 'TM_ERR_ECG_PREPARE_FAILED',
  /** The record store (ecg.db) failed. */
  STORE: 'TM_ERR_ECG_STORE',
} as const;
export type GatewayEcgErrorCode = (typeof GatewayEcgErrorCode)[keyof typeof GatewayEcgErrorCode];

export class GatewayEcgError extends TelemedError {
  constructor(code: GatewayEcgErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'GatewayEcgError';
  }
}
