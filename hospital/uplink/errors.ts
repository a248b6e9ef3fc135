import { TelemedError } from '../../protocols/index.js';

/** Stable codes of the hub's gateway sessions and downlink. */
export const UplinkErrorCode = {
  /** A gateway's durable downlink outbox is at its byte cap; the new frame was refused. */
  DOWNLINK_FULL: 'TM_ERR_DOWNLINK_FULL',
} as const;
export type UplinkErrorCode = (typeof UplinkErrorCode)[keyof typeof UplinkErrorCode];

export class UplinkError extends TelemedError {
  constructor(code: UplinkErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UplinkError';
  }
}
