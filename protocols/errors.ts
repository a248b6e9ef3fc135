/**
 * Base error for every telemed error. `code` is stable and is what callers branch on; the message
 * is for people and may change.
 */
export class TelemedError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'TelemedError';
  }
}

/** Stable codes of the wire layer (protocols/wire). */
export const WireErrorCode = {
  FRAME_EMPTY: 'TM_ERR_FRAME_EMPTY',
  FRAME_TOO_LARGE: 'TM_ERR_FRAME_TOO_LARGE',
  PROTO_DECODE: 'TM_ERR_PROTO_DECODE',
  NO_HEADER: 'TM_ERR_ENVELOPE_NO_HEADER',
  NO_PAYLOAD: 'TM_ERR_ENVELOPE_NO_PAYLOAD',
  BAD_CLASS: 'TM_ERR_ENVELOPE_BAD_CLASS',
  BAD_FIELD: 'TM_ERR_ENVELOPE_BAD_FIELD',
  LIMIT_EXCEEDED: 'TM_ERR_ENVELOPE_LIMIT',
} as const;
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

export class WireError extends TelemedError {
  constructor(code: WireErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'WireError';
  }
}

export function isTelemedError(err: unknown): err is TelemedError {
  return err instanceof TelemedError;
}
