import { TelemedError } from '../../protocols/index.js';

/**
 * Why a command was rejected (stable codes; the audit log and the hub branch on them). Numbers in
 * brackets are the trip rules of README.md.
 */
export const RejectCode = {
  /** [R1] No lease is held, or the command names another lease. */
  NO_LEASE: 'TM_ERR_ARM_NO_LEASE',
  /** [R1] The command's operator is not the lease holder. */
  WRONG_OPERATOR: 'TM_ERR_ARM_WRONG_OPERATOR',
  /** [R2] Older than its budget (clock offset applied): never executed late. */
  TOO_OLD: 'TM_ERR_ARM_COMMAND_TOO_OLD',
  /** [R2] Issued in the future beyond the clock tolerance (a forged or broken timestamp). */
  FROM_FUTURE: 'TM_ERR_ARM_COMMAND_FROM_FUTURE',
  /** [R2] No clock-sync estimate yet: the age of a command cannot be known. */
  NO_CLOCK_SYNC: 'TM_ERR_ARM_NO_CLOCK_SYNC',
  /** [R3] Command id not above the last accepted one, or issued before it: replay / reordering. */
  REPLAY: 'TM_ERR_ARM_REPLAY',
  /** [R4] Issued before the hold it would resume from: resuming needs a fresh command. */
  STALE_AFTER_HOLD: 'TM_ERR_ARM_STALE_AFTER_HOLD',
  /** [R9] E-stopped: only a local clear resumes. */
  ESTOPPED: 'TM_ERR_ARM_ESTOPPED',
  /** [R10] The arm or its link is faulted. */
  FAULTED: 'TM_ERR_ARM_FAULTED',
  /** [R10] No telemetry from the arm yet: its pose and force are unknown, so it may not move. */
  NO_TELEMETRY: 'TM_ERR_ARM_NO_TELEMETRY',
  /** [R5] Retracting after a force trip: motion commands wait for the hold. */
  RETRACTING: 'TM_ERR_ARM_RETRACTING',
  /** [R7] Move target outside the workspace box. */
  OUTSIDE_WORKSPACE: 'TM_ERR_ARM_OUTSIDE_WORKSPACE',
  /** Malformed: missing target/twist, NaN, non-unit quaternion, unsafe id. */
  BAD_COMMAND: 'TM_ERR_ARM_BAD_COMMAND',
  /** [R8] A grant while another operator holds an unexpired lease. */
  LEASE_BUSY: 'TM_ERR_ARM_LEASE_BUSY',
  /** [R8] A lease message that does not fit: expired, reused id, hand-over of a lease not held. */
  BAD_LEASE: 'TM_ERR_ARM_BAD_LEASE',
  /** [R9] Clearing an e-stop from anywhere but the clinic (page button or arm input). */
  ESTOP_LOCAL_ONLY: 'TM_ERR_ARM_ESTOP_LOCAL_ONLY',
  /** [R9] Clear refused while the arm's own e-stop input is still pressed. */
  ESTOP_INPUT_ACTIVE: 'TM_ERR_ARM_ESTOP_INPUT_ACTIVE',
} as const;
export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

/** Why a command was accepted in a changed form (clamped), or why the supervisor acted alone. */
export const SafetyCode = {
  /** [R6] Speed clamped to the limit. */
  SPEED_CLAMPED: 'TM_SAFETY_SPEED_CLAMPED',
  /** [R6] Jog velocity step clamped to the acceleration limit. */
  ACCEL_CLAMPED: 'TM_SAFETY_ACCEL_CLAMPED',
  /** [R7] Jog velocity reduced so the arm can stop inside the box. */
  WORKSPACE_CLAMPED: 'TM_SAFETY_WORKSPACE_CLAMPED',
  /** [R4] No valid command or heartbeat for the survival time: hold. */
  DEADMAN: 'TM_SAFETY_DEADMAN',
  /** [R4] A jog not refreshed within the survival time: hold (heartbeats alone do not keep a jog going). */
  JOG_EXPIRED: 'TM_SAFETY_JOG_EXPIRED',
  /** [R5] Contact force above the exam's cap: retract, then hold. */
  FORCE_CAP: 'TM_SAFETY_FORCE_CAP',
  /** [R5] Retracted to contact-free: hold. */
  CONTACT_FREE: 'TM_SAFETY_CONTACT_FREE',
  /** [R5] Still in contact after the retract timeout: stop and fault. */
  RETRACT_FAILED: 'TM_SAFETY_RETRACT_FAILED',
  /** [R7] Telemetry puts the probe outside the box (plus tolerance): hold and fault. */
  WORKSPACE_BREACH: 'TM_SAFETY_WORKSPACE_BREACH',
  /** [R8] The lease expired: hold, no operator. */
  LEASE_EXPIRED: 'TM_SAFETY_LEASE_EXPIRED',
  /** [R9] E-stop pressed (source in the record). */
  ESTOP: 'TM_SAFETY_ESTOP',
  /** [R9] E-stop cleared locally. */
  ESTOP_CLEARED: 'TM_SAFETY_ESTOP_CLEARED',
  /** [R10] The arm reported a fault. */
  ARM_FAULT: 'TM_SAFETY_ARM_FAULT',
  /** [R10] No telemetry for the telemetry timeout. */
  TELEMETRY_LOST: 'TM_SAFETY_TELEMETRY_LOST',
  /** [R10] Telemetry back / fault reset locally: hold. */
  FAULT_CLEARED: 'TM_SAFETY_FAULT_CLEARED',
} as const;
export type SafetyCode = (typeof SafetyCode)[keyof typeof SafetyCode];

/** Stable codes of the safety module's own failures (config, audit store). */
export const SafetyErrorCode = {
  CONFIG: 'TM_ERR_SAFETY_CONFIG',
  AUDIT_CHAIN_BROKEN: 'TM_ERR_AUDIT_CHAIN_BROKEN',
  AUDIT_IO: 'TM_ERR_AUDIT_IO',
} as const;
export type SafetyErrorCode = (typeof SafetyErrorCode)[keyof typeof SafetyErrorCode];

export class SafetyError extends TelemedError {
  constructor(code: SafetyErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SafetyError';
  }
}
