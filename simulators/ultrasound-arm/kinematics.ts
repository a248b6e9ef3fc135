import type { JointState, Q4, V3 } from '../../protocols/ultrasound-arm/index.js';
import { QI, V0, add, len, mul, qintegrate, qtowards, sub, towards } from './vec.js';

/** The arm's own hard limits (what its controller enforces whatever the host asks). */
export interface ArmLimits {
  /** mm/s */
  readonly maxSpeedMmS: number;
  /** mm/s² */
  readonly maxAccelMmS2: number;
  /** Deceleration on Hold, Stop and jog expiry, mm/s². */
  readonly brakingMmS2: number;
  /** deg/s */
  readonly maxAngularDegS: number;
}

export const DEFAULT_ARM_LIMITS: ArmLimits = { maxSpeedMmS: 100, maxAccelMmS2: 500, brakingMmS2: 1000, maxAngularDegS: 45 };

export type Motion =
  | { readonly kind: 'hold' }
  | { readonly kind: 'jog'; readonly v: V3; readonly w: V3; readonly accel: number; readonly untilMs: number }
  | { readonly kind: 'move'; readonly target: V3; readonly q: Q4; readonly speed: number; readonly accel: number; readonly homing: boolean };

/** Upper arm and forearm of the notional 6-axis arm whose base sits at (−450, 0, 0), mm. */
const BASE: V3 = { x: -450, y: 0, z: 0 };
const L1 = 420;
const L2 = 400;

/**
 * Cartesian kinematics of the probe tip with speed and acceleration limits: the velocity slews
 * towards what the motion wants by at most accel·dt per step (a trapezoidal profile for moves,
 * braking at `brakingMmS2` for holds), and the position integrates it. A stalled arm does not move.
 */
export class ArmKinematics {
  position: V3;
  velocity: V3 = V0;
  orientation: Q4 = QI;
  motion: Motion = { kind: 'hold' };
  stalled = false;

  constructor(readonly limits: ArmLimits = DEFAULT_ARM_LIMITS, start: V3 = { x: 0, y: 0, z: 300 }) {
    this.position = start;
  }

  /** Brakes now (Hold/Stop, jog expiry, faults). */
  hold(): void {
    this.motion = { kind: 'hold' };
  }

  /** True while the tip moves or a move/jog is under way. */
  get moving(): boolean {
    return this.motion.kind !== 'hold' || len(this.velocity) > 1e-6;
  }

  /** Advances by dt seconds at monotonic time nowMs. */
  step(dtS: number, nowMs: number): void {
    if (dtS <= 0) return;
    const L = this.limits;
    let want = V0;
    let accel = L.brakingMmS2;
    const m = this.motion;
    if (m.kind === 'jog') {
      if (nowMs >= m.untilMs) {
        this.hold();
      } else {
        want = clampLen(m.v, L.maxSpeedMmS);
        accel = Math.min(m.accel > 0 ? m.accel : L.maxAccelMmS2, L.maxAccelMmS2);
        this.orientation = qintegrate(this.orientation, clampLen(m.w, L.maxAngularDegS), dtS);
      }
    } else if (m.kind === 'move') {
      accel = Math.min(m.accel > 0 ? m.accel : L.maxAccelMmS2, L.maxAccelMmS2);
      const d = sub(m.target, this.position);
      const dist = len(d);
      // Trapezoidal profile: never faster than lets us stop at the target.
      const speed = Math.min(m.speed > 0 ? m.speed : L.maxSpeedMmS, L.maxSpeedMmS, Math.sqrt(2 * accel * dist));
      want = dist > 1e-9 ? mul(d, speed / dist) : V0;
      this.orientation = qtowards(this.orientation, m.q, L.maxAngularDegS * dtS);
      if (dist < 0.01 && len(this.velocity) < 1) {
        this.position = m.target;
        this.velocity = V0;
        this.hold();
        return;
      }
    }
    if (this.stalled) {
      this.velocity = V0;
      return;
    }
    this.velocity = towards(this.velocity, want, accel * dtS);
    this.position = add(this.position, mul(this.velocity, dtS));
  }

  /** Plausible joint angles for the tip pose (planar two-link shoulder/elbow + wrist), deg. */
  joints(): JointState[] {
    const p = sub(this.position, BASE);
    const r = Math.hypot(p.x, p.y);
    const base = Math.atan2(p.y, p.x);
    const reach = Math.min(Math.hypot(r, p.z), L1 + L2 - 1e-6);
    const cosElbow = (reach * reach - L1 * L1 - L2 * L2) / (2 * L1 * L2);
    const elbow = Math.acos(Math.max(-1, Math.min(1, cosElbow)));
    const shoulder = Math.atan2(p.z, r) + Math.atan2(L2 * Math.sin(elbow), L1 + L2 * Math.cos(elbow));
    const q = this.orientation;
    const wristRoll = Math.atan2(2 * (q.w * q.x + q.y * q.z), 1 - 2 * (q.x * q.x + q.y * q.y));
    const wristPitch = Math.asin(Math.max(-1, Math.min(1, 2 * (q.w * q.y - q.z * q.x))));
    const wristYaw = Math.atan2(2 * (q.w * q.z + q.x * q.y), 1 - 2 * (q.y * q.y + q.z * q.z));
    const v = len(this.velocity);
    return [base, shoulder, -elbow, wristRoll, wristPitch, wristYaw].map((a, i) => ({
      positionDeg: (a * 180) / Math.PI,
      // A rough share of the tip speed per joint; enough for a display, not a dynamics model.
      velocityDegS: i < 3 ? ((v / (L1 + L2)) * 180) / Math.PI : 0,
    }));
  }
}

function clampLen(v: V3, max: number): V3 {
  const n = len(v);
  return n > max ? mul(v, max / n) : v;
}
