import { TelemedError } from '../../protocols/index.js';

/** Stable codes of the link emulator (simulators/link). */
export const LinkErrorCode = {
  /** A profile failed schema validation; the message lists every problem. */
  PROFILE_INVALID: 'TM_ERR_LINK_PROFILE_INVALID',
  /** A profile name that profiles.json does not define. */
  PROFILE_UNKNOWN: 'TM_ERR_LINK_PROFILE_UNKNOWN',
  /** Bad command-line arguments or options. */
  BAD_ARGS: 'TM_ERR_LINK_BAD_ARGS',
  /** Asked to listen on a non-loopback address without explicit permission. */
  REMOTE_REFUSED: 'TM_ERR_LINK_REMOTE_REFUSED',
  /** A Mahimahi trace file is missing, unreadable or malformed (the message names file and line). */
  TRACE_INVALID: 'TM_ERR_LINK_TRACE_INVALID',
  /** The emulator was aborted or closed while starting. */
  ABORTED: 'TM_ERR_LINK_ABORTED',
} as const;
export type LinkErrorCode = (typeof LinkErrorCode)[keyof typeof LinkErrorCode];

export class LinkError extends TelemedError {
  constructor(code: LinkErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'LinkError';
  }
}
