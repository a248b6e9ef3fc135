/** First byte of every frame: protocol id 0xA1 = ultrasound arm, version 1 (SPEC.md §2). */
export const ARM_PROTOCOL_ID = 0xa1;
export const HEADER_BYTES = 4;
export const CRC_BYTES = 2;
/** Largest un-stuffed frame, bytes. */
export const MAX_FRAME_BYTES = 512;
export const MAX_STRING_BYTES = 64;
export const MAX_JOINTS = 8;

/** Message type codes (SPEC.md §3). Arm → host below 0x80, host → arm from 0x80. */
export const ArmMsgType = {
  DeviceInfo: 0x01,
  Telemetry: 0x02,
  Ack: 0x03,
  Fault: 0x04,
  RequestInfo: 0x81,
  MoveTo: 0x82,
  Jog: 0x83,
  Hold: 0x84,
  Home: 0x85,
  Stop: 0x86,
  Heartbeat: 0x87,
  ResetFault: 0x88,
} as const;
export type ArmMsgType = (typeof ArmMsgType)[keyof typeof ArmMsgType];

/** Arm status (Telemetry.status). */
export const ArmStatus = { idle: 0, moving: 1, holding: 2, homing: 3, estopped: 4, fault: 5 } as const;
export type ArmStatusName = keyof typeof ArmStatus;
export const ARM_STATUS_NAMES: readonly ArmStatusName[] = ['idle', 'moving', 'holding', 'homing', 'estopped', 'fault'];

/** Fault codes (Telemetry.faultCode, Fault.code). 0 = none. */
export const ArmFault = { none: 0, stall: 1, overForce: 2, linkLost: 3, jointLimit: 4, overCurrent: 5, estop: 6 } as const;

/** Ack.result. */
export const AckResult = { ok: 0, rejected: 1 } as const;

export interface V3 { readonly x: number; readonly y: number; readonly z: number }
export interface Q4 { readonly w: number; readonly x: number; readonly y: number; readonly z: number }
export interface JointState {
  /** deg */
  readonly positionDeg: number;
  /** deg/s */
  readonly velocityDegS: number;
}

export type ArmMessage =
  | { readonly type: 'DeviceInfo'; readonly model: string; readonly serial: string; readonly firmware: string; readonly telemetryHz: number; readonly maxSpeedMmS: number; readonly maxForceN: number; readonly jointCount: number }
  | {
    readonly type: 'Telemetry';
    /** Arm's monotonic clock, µs, wraps at 2^32. */
    readonly armTimeUs: number;
    readonly status: ArmStatusName;
    /** The arm's own e-stop input is pressed. */
    readonly estopInput: boolean;
    readonly homed: boolean;
    /** Seq of the last host command the arm executed. */
    readonly lastCommandSeq: number;
    readonly positionMm: V3;
    readonly orientation: Q4;
    /** Contact force along the probe axis, N. */
    readonly forceN: number;
    readonly faultCode: number;
    readonly joints: readonly JointState[];
  }
  | { readonly type: 'Ack'; readonly commandSeq: number; readonly result: number; readonly code: number }
  | { readonly type: 'Fault'; readonly code: number; readonly text: string };

export type HostMessage =
  | { readonly type: 'RequestInfo' }
  | { readonly type: 'MoveTo'; readonly positionMm: V3; readonly orientation: Q4; readonly speedMmS: number; readonly accelMmS2: number }
  | { readonly type: 'Jog'; readonly linearMmS: V3; readonly angularDegS: V3; readonly accelMmS2: number; /** arm-side expiry of this jog */ readonly validMs: number }
  | { readonly type: 'Hold' }
  | { readonly type: 'Home'; readonly speedMmS: number; readonly accelMmS2: number }
  | { readonly type: 'Stop' }
  | { readonly type: 'Heartbeat' }
  | { readonly type: 'ResetFault' };

export type AnyArmMessage = ArmMessage | HostMessage;

export interface ArmFrame<M extends AnyArmMessage = AnyArmMessage> {
  readonly seq: number;
  readonly message: M;
}

export function isArmMessage(m: AnyArmMessage): m is ArmMessage {
  return ArmMsgType[m.type] < 0x80;
}
