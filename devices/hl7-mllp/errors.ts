import { TelemedError } from '../../protocols/errors.js';

/**
 * Stable codes of the MLLP listener itself (devices/hl7-mllp). Message-level codes (parse, MLLP
 * framing, PCD extraction) are the TM_ERR_HL7_* / TM_ERR_MLLP_* ones of protocols/hl7v2/errors.ts.
 */
export const Hl7DeviceErrorCode = {
  /** A connection from an address not in `allowAddresses`: closed at once, nothing read. */
  ADDRESS_NOT_ALLOWED: 'TM_ERR_MLLP_ADDRESS_NOT_ALLOWED',
  /** Over `maxConnections` (all senders) or `maxConnectionsPerAddress`: the new socket is closed. */
  CONNECTION_LIMIT: 'TM_ERR_MLLP_CONNECTION_LIMIT',
  /** No byte for `idleTimeoutMs`: the connection is closed (the sender reconnects). */
  IDLE_TIMEOUT: 'TM_ERR_MLLP_IDLE_TIMEOUT',
  /** MSH-3/MSH-4 not in `allowApplications`: answered AR, nothing stored. */
  SENDER_NOT_ALLOWED: 'TM_ERR_HL7_SENDER_NOT_ALLOWED',
  /** MSH-18 names a character set we cannot decode; read as ISO 8859-1 and answered AE. */
  CHARSET_UNSUPPORTED: 'TM_ERR_HL7_CHARSET_UNSUPPORTED',
  /** A numeric OBX whose unit is unknown or does not fit the parameter: stored as valid:false. */
  BAD_UNIT: 'TM_ERR_HL7_BAD_UNIT',
  /** A numeric outside the parameter's plausibility range: stored as valid:false. */
  OUT_OF_RANGE: 'TM_ERR_HL7_OUT_OF_RANGE',
  /** The message handler threw (a bug): counted, no ACK (the sender re-sends), the connection goes on. */
  HANDLER: 'TM_ERR_MLLP_HANDLER',
  /** The listener could not bind its port. */
  LISTEN: 'TM_ERR_MLLP_LISTEN',
} as const;
export type Hl7DeviceErrorCode = (typeof Hl7DeviceErrorCode)[keyof typeof Hl7DeviceErrorCode];

export class Hl7DeviceError extends TelemedError {
  constructor(code: Hl7DeviceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'Hl7DeviceError';
  }
}
