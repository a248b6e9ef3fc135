/** A point or vector in the arm's base frame, millimetres (x, y across the couch, z up). */
export interface Vec3 {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** Unit quaternion, scalar first. */
export interface Quat {
  readonly w: number;
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** Probe pose: tip position in mm, orientation as a unit quaternion. */
export interface Pose {
  readonly position: Vec3;
  readonly orientation: Quat;
}

/** Velocity command: linear mm/s, angular deg/s (about the base axes). */
export interface Twist {
  readonly linear: Vec3;
  readonly angular: Vec3;
}

export type OperatorCommandKind = 'move' | 'jog' | 'hold' | 'home' | 'stop' | 'heartbeat' | 'release' | 'estop';

/**
 * One operator command as it reaches the edge (decoded from the downlink's ArmCommand, see
 * from-proto.ts). `issuedAtNs` is on the HUB's clock: the hub stamps it when the browser's command
 * arrives, and the supervisor converts with the clock-sync offset.
 */
export interface OperatorCommand {
  /** Strictly increasing within a lease (uint64 on the wire; must be a safe integer here). */
  readonly commandId: number;
  readonly leaseId: string;
  readonly operatorId: string;
  readonly kind: OperatorCommandKind;
  /** Unix ns, hub clock. */
  readonly issuedAtNs: number;
  /** Latency budget from the envelope header, ms; 0/absent = the CONTROL default. */
  readonly budgetMs?: number;
  /** move: where to go. */
  readonly target?: Pose;
  /** move: requested speed, mm/s (clamped to the limits; 0/absent = the limit). */
  readonly maxSpeedMmS?: number;
  /** Lowers the exam's force cap while this lease drives, N (never raises it). */
  readonly maxForceN?: number;
  /** jog: the velocity wanted. */
  readonly twist?: Twist;
}

export type LeaseAction = 'grant' | 'handover' | 'release' | 'revoke';

/** The hub's lease messages (ArmLease on the downlink). Times on the hub's clock. */
export interface LeaseMessage {
  readonly action: LeaseAction;
  readonly leaseId: string;
  readonly operatorId: string;
  /** Unix ns, hub clock. A grant for a lease id already held extends it. */
  readonly expiresAtNs: number;
  /** The exam's contact-force cap, N (clamped to the gateway's hard cap). */
  readonly maxForceN: number;
  /** handover: the lease being replaced (must be the current one). */
  readonly previousLeaseId?: string;
  readonly issuedAtNs: number;
}

/** One telemetry sample from the arm driver (devices/ultrasound-arm). */
export interface ArmTelemetrySample {
  readonly pose: Pose;
  /** Contact force along the probe axis, N (≥ 0). */
  readonly forceN: number;
  /** The arm's own e-stop input is pressed. */
  readonly estopInput: boolean;
  /** A fault the arm reports (stall, over-current, ...), else null. */
  readonly fault: string | null;
}

/**
 * What the supervisor tells the arm. Synchronous and fire-and-forget: the driver queues the bytes;
 * its own watchdog holds the arm if the serial link dies.
 */
export interface ArmActuator {
  moveTo(target: Pose, limits: { readonly speedMmS: number; readonly accelMmS2: number }): void;
  jog(twist: Twist, limits: { readonly accelMmS2: number }): void;
  /** Decelerate and hold the current pose. */
  hold(): void;
  home(limits: { readonly speedMmS: number; readonly accelMmS2: number }): void;
  /** Hard stop (e-stop): brakes on, drives off. */
  stop(): void;
  /** Clears the arm's latched e-stop/fault after a LOCAL clear or reset (never from the link). */
  resetFault?(): void;
}

/** Axis-aligned workspace box around the couch, base frame, mm. */
export interface Box {
  readonly min: Vec3;
  readonly max: Vec3;
}

export const IDENTITY_QUAT: Quat = { w: 1, x: 0, y: 0, z: 0 };
