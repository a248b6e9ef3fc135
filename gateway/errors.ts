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
