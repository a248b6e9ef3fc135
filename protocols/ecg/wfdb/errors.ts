import { TelemedError } from '../../errors.js';

/** Stable codes of the WFDB reader. Callers branch on these, never on message text. */
export const WfdbErrorCode = {
  HEADER_SYNTAX: 'TM_ERR_WFDB_HEADER_SYNTAX',
  HEADER_LIMIT: 'TM_ERR_WFDB_HEADER_LIMIT',
  UNSUPPORTED_FORMAT: 'TM_ERR_WFDB_UNSUPPORTED_FORMAT',
  DATA_TRUNCATED: 'TM_ERR_WFDB_DATA_TRUNCATED',
  DATA_LIMIT: 'TM_ERR_WFDB_DATA_LIMIT',
  CHECKSUM: 'TM_ERR_WFDB_CHECKSUM',
  MISSING_FILE: 'TM_ERR_WFDB_MISSING_FILE',
  ANNOTATION: 'TM_ERR_WFDB_ANNOTATION',
} as const;
export type WfdbErrorCode = (typeof WfdbErrorCode)[keyof typeof WfdbErrorCode];

export class WfdbError extends TelemedError {
  constructor(code: WfdbErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'WfdbError';
  }
}
