import { telemed } from '../../protocols/wire/proto.js';
import type { LeaseAction, LeaseMessage, OperatorCommand, OperatorCommandKind, Pose, Quat } from './types.js';

const v1 = telemed.v1;
/** Longest lease / operator id accepted from the wire (the envelope's id limit is larger). */
const MAX_ID = 64;

const KIND: ReadonlyMap<number, OperatorCommandKind> = new Map([
  [v1.ArmCommandKind.ARM_COMMAND_KIND_MOVE, 'move'],
  [v1.ArmCommandKind.ARM_COMMAND_KIND_HOLD, 'hold'],
  [v1.ArmCommandKind.ARM_COMMAND_KIND_HEARTBEAT, 'heartbeat'],
  [v1.ArmCommandKind.ARM_COMMAND_KIND_ESTOP, 'estop'],
  [v1.ArmCommandKind.ARM_COMMAND_KIND_RELEASE, 'release'],
  [v1.ArmCommandKind.ARM_COMMAND_KIND_JOG, 'jog'],
  [v1.ArmCommandKind.ARM_COMMAND_KIND_HOME, 'home'],
  [v1.ArmCommandKind.ARM_COMMAND_KIND_STOP, 'stop'],
]);

const ACTION: ReadonlyMap<number, LeaseAction> = new Map([
  [v1.ArmLeaseAction.ARM_LEASE_ACTION_GRANT, 'grant'],
  [v1.ArmLeaseAction.ARM_LEASE_ACTION_HANDOVER, 'handover'],
  [v1.ArmLeaseAction.ARM_LEASE_ACTION_RELEASE, 'release'],
  [v1.ArmLeaseAction.ARM_LEASE_ACTION_REVOKE, 'revoke'],
]);

const deg = Math.PI / 180;

/** Roll (x), pitch (y), yaw (z) in degrees, applied z-y-x (aerospace convention), as a quaternion. */
export function quatFromRpy(rollDeg: number, pitchDeg: number, yawDeg: number): Quat {
  const [cr, sr] = [Math.cos((rollDeg * deg) / 2), Math.sin((rollDeg * deg) / 2)];
  const [cp, sp] = [Math.cos((pitchDeg * deg) / 2), Math.sin((pitchDeg * deg) / 2)];
  const [cy, sy] = [Math.cos((yawDeg * deg) / 2), Math.sin((yawDeg * deg) / 2)];
  return {
    w: cr * cp * cy + sr * sp * sy,
    x: sr * cp * cy - cr * sp * sy,
    y: cr * sp * cy + sr * cp * sy,
    z: cr * cp * sy - sr * sp * cy,
  };
}

/** telemed.v1.Pose → Pose: the quaternion when set (any non-zero part), else roll/pitch/yaw. */
export function poseFromProto(p: telemed.v1.IPose): Pose {
  const q = { w: p.qw ?? 0, x: p.qx ?? 0, y: p.qy ?? 0, z: p.qz ?? 0 };
  const hasQuat = q.w !== 0 || q.x !== 0 || q.y !== 0 || q.z !== 0;
  return {
    position: { x: p.xMm ?? 0, y: p.yMm ?? 0, z: p.zMm ?? 0 },
    orientation: hasQuat ? q : quatFromRpy(p.rollDeg ?? 0, p.pitchDeg ?? 0, p.yawDeg ?? 0),
  };
}

function id(s: string | null | undefined): string {
  // Over-long or missing ids become '' and fail the lease check: no lease is ever called that.
  return typeof s === 'string' && s.length <= MAX_ID ? s : '';
}

/**
 * ArmCommand (+ the envelope header's budget) → OperatorCommand; null for an unknown kind (the
 * caller counts the frame as TM_ERR_ARM_BAD_COMMAND and does not act on it).
 */
export function commandFromProto(c: telemed.v1.IArmCommand, budgetMs: number | null | undefined): OperatorCommand | null {
  const kind = KIND.get(c.kind ?? 0);
  if (kind === undefined) return null;
  const t = c.twist;
  return {
    commandId: Number(c.commandId ?? 0),
    leaseId: id(c.leaseId),
    operatorId: id(c.operatorId),
    kind,
    issuedAtNs: Number(c.issuedAtNs ?? 0),
    ...(budgetMs ? { budgetMs } : {}),
    ...(c.target ? { target: poseFromProto(c.target) } : {}),
    ...(c.maxSpeedMmS ? { maxSpeedMmS: c.maxSpeedMmS } : {}),
    ...(c.maxForceN ? { maxForceN: c.maxForceN } : {}),
    ...(t ? { twist: { linear: { x: t.vxMmS ?? 0, y: t.vyMmS ?? 0, z: t.vzMmS ?? 0 }, angular: { x: t.wxDegS ?? 0, y: t.wyDegS ?? 0, z: t.wzDegS ?? 0 } } } : {}),
  };
}

/** ArmLease → LeaseMessage; null for an unknown action. */
export function leaseFromProto(l: telemed.v1.IArmLease): LeaseMessage | null {
  const action = ACTION.get(l.action ?? 0);
  if (action === undefined) return null;
  return {
    action,
    leaseId: id(l.leaseId),
    operatorId: id(l.operatorId),
    expiresAtNs: Number(l.expiresAtNs ?? 0),
    maxForceN: l.maxForceN ?? 0,
    ...(l.previousLeaseId ? { previousLeaseId: id(l.previousLeaseId) } : {}),
    issuedAtNs: Number(l.issuedAtNs ?? 0),
  };
}
