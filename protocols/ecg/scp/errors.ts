import { TelemedError } from '../../errors.js';

/** Stable codes of the SCP-ECG reader. Callers branch on these, never on message text. */
export const ScpErrorCode = {
  /** Structure is not SCP-ECG or is inconsistent (lengths, pointers, missing mandatory section). */
  FORMAT: 'TM_ERR_SCP_FORMAT',
  /** File or section CRC-CCITT does not match (see `acceptBadCrc`). */
  CRC: 'TM_ERR_SCP_CRC',
  /** A legal but unimplemented feature; the message names it. Never decoded approximately. */
  UNSUPPORTED: 'TM_ERR_SCP_UNSUPPORTED',
  /** A size cap of the reader was exceeded (samples, leads, tables, code lengths). */
  LIMIT: 'TM_ERR_SCP_LIMIT',
  /** The compressed sample stream is corrupt (no code matches, stream ends early, bad table switch). */
  HUFFMAN: 'TM_ERR_SCP_HUFFMAN',
} as const;
export type ScpErrorCode = (typeof ScpErrorCode)[keyof typeof ScpErrorCode];

export class ScpError extends TelemedError {
  constructor(code: ScpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ScpError';
  }
}

/** Shorthand for the most common rejection. */
export function formatError(message: string): ScpError {
  return new ScpError(ScpErrorCode.FORMAT, message);
}
