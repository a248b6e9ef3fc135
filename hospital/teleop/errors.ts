import { TelemedError } from '../../protocols/index.js';

/**
 * Stable codes of the hub's teleoperation (hospital/teleop). Callers and tests branch on these;
 * every refusal is counted in `telemed_teleop_refused_total{code}` and logged at info (client
 * mistakes) without patient data: usernames, gateway, arm and lease ids only.
 */
export const TeleopErrorCode = {
  /** The arm already has an unexpired lease (409, names the holder). */
  ARM_BUSY: 'TM_ERR_TELEOP_ARM_BUSY',
  /** The arm's gateway has no session: nothing can reach the arm (503). */
  GATEWAY_OFFLINE: 'TM_ERR_TELEOP_GATEWAY_OFFLINE',
  /** The downlink refused the frame (its realtime queue is full) (503). */
  DOWNLINK_BUSY: 'TM_ERR_TELEOP_DOWNLINK_BUSY',
  /** Not a specialist, or the gateway is not of a site the person is enrolled for (answered 404 like an unknown gateway). */
  GATEWAY_NOT_FOUND: 'TM_ERR_TELEOP_GATEWAY_NOT_FOUND',
  /** No such lease, or not the caller's (404). */
  LEASE_NOT_FOUND: 'TM_ERR_TELEOP_LEASE_NOT_FOUND',
  /** The lease ended (released, handed over, expired, revoked) (409 / socket error). */
  LEASE_ENDED: 'TM_ERR_TELEOP_LEASE_ENDED',
  /** Hand-over target is not a specialist enrolled for the arm's site, or is the holder (400). */
  BAD_HANDOVER: 'TM_ERR_TELEOP_BAD_HANDOVER',
  /** A /teleop command without a lease the socket's person holds. */
  NO_LEASE: 'TM_ERR_TELEOP_NO_LEASE',
  /** A /teleop command naming a gateway or arm other than its lease's. */
  WRONG_ARM: 'TM_ERR_TELEOP_WRONG_ARM',
  /** A /teleop message that is not JSON or fails the schema. */
  BAD_MESSAGE: 'TM_ERR_TELEOP_BAD_MESSAGE',
  /** /teleop without a valid single-use ticket (HTTP 401 before the upgrade). */
  TICKET_INVALID: 'TM_ERR_TICKET_INVALID',
  /** A /teleop socket sending faster than `maxMessagesPerSecond`: message dropped. */
  RATE_LIMITED: 'TM_ERR_TELEOP_RATE_LIMITED',
} as const;
export type TeleopErrorCode = (typeof TeleopErrorCode)[keyof typeof TeleopErrorCode];

/** A refusal with its HTTP status; `holder` for ARM_BUSY. */
export class TeleopError extends TelemedError {
  declare readonly code: TeleopErrorCode;
  constructor(code: TeleopErrorCode, readonly status: number, message: string, readonly holder?: string) {
    super(code, message);
    this.name = 'TeleopError';
  }
}
