import { TelemedError } from '../protocols/index.js';

/** Stable codes of the gateway process. Callers branch on these, never on message text. */
export const GatewayErrorCode = {
  CONFIG: 'TM_ERR_CONFIG',
  OUTBOX_FULL: 'TM_ERR_OUTBOX_FULL',
  OUTBOX_STORE: 'TM_ERR_OUTBOX_STORE',
  AUTH_FAILED: 'TM_ERR_AUTH_FAILED',
  HELLO_REFUSED: 'TM_ERR_HELLO_REFUSED',
  HELLO_TIMEOUT: 'TM_ERR_HELLO_TIMEOUT',
  ABORTED: 'TM_ERR_ABORTED',
  DEVICE_KIND: 'TM_ERR_DEVICE_KIND',
  /** hub.tls names a missing or unreadable file, or files that are not a matching certificate, key and CA. */
  TLS_FILE: 'TM_ERR_TLS_FILE',
  /** The hub's certificate does not chain to the pinned CA (hub.tls.ca), has expired or does not name the host. */
  HUB_CERT_UNTRUSTED: 'TM_ERR_HUB_CERT_UNTRUSTED',
  /** The TLS handshake failed (e.g. wss:// to a plain hub, or the hub refused our certificate). */
  TLS_HANDSHAKE: 'TM_ERR_TLS_HANDSHAKE',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

export class GatewayError extends TelemedError {
  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'GatewayError';
  }
}

/** Thrown by loadGatewayConfig; `problems` lists every schema violation, one line each. */
export class ConfigError extends GatewayError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(GatewayErrorCode.CONFIG, `invalid gateway config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
