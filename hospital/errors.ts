import { TelemedError } from '../protocols/index.js';

/** Stable codes of the hub process. Callers branch on these, never on message text. */
export const HospitalErrorCode = {
  CONFIG: 'TM_ERR_CONFIG',
  LOGIN_FAILED: 'TM_ERR_LOGIN_FAILED',
  UNAUTHENTICATED: 'TM_ERR_UNAUTHENTICATED',
  FORBIDDEN: 'TM_ERR_FORBIDDEN',
  AUTH_FAILED: 'TM_ERR_AUTH_FAILED',
  PROTOCOL_VERSION: 'TM_ERR_PROTOCOL_VERSION',
  HELLO_REQUIRED: 'TM_ERR_HELLO_REQUIRED',
  HELLO_TIMEOUT: 'TM_ERR_HELLO_TIMEOUT',
  PROTOCOL: 'TM_ERR_PROTOCOL',
  REPLACED: 'TM_ERR_REPLACED',
  TOO_MANY_BAD_FRAMES: 'TM_ERR_TOO_MANY_BAD_FRAMES',
  GATEWAY_NOT_CONNECTED: 'TM_ERR_GATEWAY_NOT_CONNECTED',
  BACKPRESSURE: 'TM_ERR_BACKPRESSURE',
  SLOW_CONSUMER: 'TM_ERR_SLOW_CONSUMER',
  BAD_HASH: 'TM_ERR_BAD_HASH',
  STORE: 'TM_ERR_STORE',
  DASHBOARDS_NOT_BUILT: 'TM_ERR_DASHBOARDS_NOT_BUILT',
  SHUTTING_DOWN: 'TM_ERR_SHUTTING_DOWN',
  BAD_REQUEST: 'TM_ERR_BAD_REQUEST',
  NOT_FOUND: 'TM_ERR_NOT_FOUND',
  INTERNAL: 'TM_ERR_INTERNAL',
  /** A person asked for another site's data (logged; the client sees a 404). */
  SITE_FORBIDDEN: 'TM_ERR_SITE_FORBIDDEN',
  /** Too many wrong passwords for this username or from this address: wait `Retry-After`. */
  LOGIN_THROTTLED: 'TM_ERR_LOGIN_THROTTLED',
  /** The session ended (logout, expiry, user removed or role changed): a /live close reason. */
  SESSION_ENDED: 'TM_ERR_SESSION_ENDED',
  /** /live without a valid single-use ticket (POST /api/live-ticket). */
  TICKET_INVALID: 'TM_ERR_TICKET_INVALID',
  /** Too many open /uplink sockets from one address. */
  TOO_MANY_CONNECTIONS: 'TM_ERR_TOO_MANY_CONNECTIONS',
  /** Too many gateway Hellos waiting for verification; try again later. */
  BUSY: 'TM_ERR_BUSY',
  /**
   * The hub's store is behind what a gateway was told it had stored (restored backup, lost WAL):
   * logged (warn) and counted per stream, the missing range recorded in stream_gaps.
   */
  HUB_ROLLBACK: 'TM_ERR_HUB_ROLLBACK',
  /** Config: the hub would listen off loopback without TLS (set tls, or allowInsecure behind a TLS proxy). */
  INSECURE_BIND: 'TM_ERR_INSECURE_BIND',
  /** A TLS certificate, key or CA file named in the config is missing or unreadable. */
  TLS_FILE: 'TM_ERR_TLS_FILE',
  /** A durable frame with a sound header but a body past the wire limits: stored as rejected and acked. */
  FRAME_REJECTED: 'TM_ERR_FRAME_REJECTED',
} as const;
export type HospitalErrorCode = (typeof HospitalErrorCode)[keyof typeof HospitalErrorCode];

export class HospitalError extends TelemedError {
  constructor(code: HospitalErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'HospitalError';
  }
}

/** WebSocket close codes of the uplink and live sockets (protocols/SESSION.md). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /** RFC 6455 §7.4.2 / IANA registry: "Try Again Later". */
  TRY_AGAIN_LATER: 1013,
  PROTOCOL: 4400,
  AUTH: 4401,
  /** A /live socket whose session ended (reason TM_ERR_SESSION_ENDED). */
  SESSION_ENDED: 4403,
  HELLO_TIMEOUT: 4408,
  REPLACED: 4409,
  SLOW_CONSUMER: 4429,
} as const;
