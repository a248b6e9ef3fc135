import { TelemedError } from '../../protocols/index.js';

/** Stable codes of the hub's gateway sessions and downlink. */
export const UplinkErrorCode = {
  /** A gateway's durable downlink outbox is at its byte cap; the new frame was refused. */
  DOWNLINK_FULL: 'TM_ERR_DOWNLINK_FULL',
  /** /uplink over TLS without a client certificate while tls.requireClientCert (closed 4401 before any Hello). */
  CLIENT_CERT_REQUIRED: 'TM_ERR_CLIENT_CERT_REQUIRED',
  /** The client certificate does not chain to the hub's enrolment CA, has expired, or is not for clientAuth (4401). */
  CLIENT_CERT_UNTRUSTED: 'TM_ERR_CLIENT_CERT_UNTRUSTED',
  /** The certificate's gateway id (URI SAN urn:telemed:gateway:ID, else CN) is not the Hello's gateway_id (4401). */
  CLIENT_CERT_MISMATCH: 'TM_ERR_CLIENT_CERT_MISMATCH',
} as const;
export type UplinkErrorCode = (typeof UplinkErrorCode)[keyof typeof UplinkErrorCode];

export class UplinkError extends TelemedError {
  constructor(code: UplinkErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UplinkError';
  }
}
