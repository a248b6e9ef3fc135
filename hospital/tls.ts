import { readFileSync } from 'node:fs';
import type { HospitalConfig } from './config.js';
import { HospitalError, HospitalErrorCode } from './errors.js';

/** What node:https takes for the hub: the PEMs of config.tls, read once at build. */
export interface HubTlsOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
  /** Ask every client for a certificate (gateways present one; browsers are asked and may decline). */
  readonly requestCert: true;
  /** The handshake completes without a good certificate; /uplink then refuses with a code (uplink/peer-cert.ts). */
  readonly rejectUnauthorized: false;
  /** TLS 1.2 is the oldest a gateway or browser in service needs; 1.0/1.1 are deprecated (RFC 8996). */
  readonly minVersion: 'TLSv1.2';
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new HospitalError(HospitalErrorCode.TLS_FILE, `cannot read tls.${what} (${path}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** The https options of `config.tls`, or null for plain HTTP. Throws TM_ERR_TLS_FILE naming the file. */
export function hubTlsOptions(config: HospitalConfig): HubTlsOptions | null {
  const tls = config.tls;
  if (tls === null) return null;
  return { cert: read(tls.cert, 'cert'), key: read(tls.key, 'key'), ca: read(tls.ca, 'ca'), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' };
}
