import type { Box, Pose, Quat, Twist, Vec3 } from './types.js';

/** Speed and acceleration limits, the units in the names. */
export interface MotionLimits {
  /** Linear speed of the probe tip, mm/s. */
  readonly maxSpeedMmS: number;
  /** Angular speed, deg/s. */
  readonly maxAngularDegS: number;
  /** Linear acceleration of commanded velocity, mm/s². */
  readonly maxAccelMmS2: number;
  /** Angular acceleration, deg/s². */
  readonly maxAngularAccelDegS2: number;
  /** Deceleration the arm brakes with on hold, mm/s² (for the stopping distance). */
  readonly brakingMmS2: number;
}

export function norm(v: Vec3): number {
  return Math.hypot(v.x, v.y, v.z);
}

export function scale(v: Vec3, k: number): Vec3 {
  return { x: v.x * k, y: v.y * k, z: v.z * k };
}

export function sub(a: Vec3, b: Vec3): Vec3 {
  return { x: a.x - b.x, y: a.y - b.y, z: a.z - b.z };
}

export function add(a: Vec3, b: Vec3): Vec3 {
  return { x: a.x + b.x, y: a.y + b.y, z: a.z + b.z };
}

export const ZERO: Vec3 = { x: 0, y: 0, z: 0 };
export const ZERO_TWIST: Twist = { linear: ZERO, angular: ZERO };

function finiteVec(v: Vec3): boolean {
  return Number.isFinite(v.x) && Number.isFinite(v.y) && Number.isFinite(v.z);
}

/** A unit quaternion within 1e-3 (a sender's rounding), all finite. */
export function validQuat(q: Quat): boolean {
  const n = Math.hypot(q.w, q.x, q.y, q.z);
  return Number.isFinite(n) && Math.abs(n - 1) <= 1e-3;
}

export function validPose(p: Pose): boolean {
  return finiteVec(p.position) && validQuat(p.orientation);
}

export function validTwist(t: Twist): boolean {
  return finiteVec(t.linear) && finiteVec(t.angular);
}

export function insideBox(p: Vec3, box: Box, toleranceMm = 0): boolean {
  return (
    p.x >= box.min.x - toleranceMm && p.x <= box.max.x + toleranceMm &&
    p.y >= box.min.y - toleranceMm && p.y <= box.max.y + toleranceMm &&
    p.z >= box.min.z - toleranceMm && p.z <= box.max.z + toleranceMm
  );
}

/** Scales `v` down so its length is at most `max`. */
export function clampNorm(v: Vec3, max: number): Vec3 {
  const n = norm(v);
  return n > max && n > 0 ? scale(v, max / n) : v;
}

/** Moves `from` towards `to` by at most `maxStep` (vector length). */
export function slew(from: Vec3, to: Vec3, maxStep: number): Vec3 {
  const d = sub(to, from);
  const n = norm(d);
  return n > maxStep && n > 0 ? add(from, scale(d, maxStep / n)) : to;
}

/**
 * Largest speed v at which a jog that runs unrefreshed for `horizonS` and then brakes at `brakeMmS2`
 * covers at most `distMm`: v·h + v²/(2a) ≤ d, so v = a·(−h + √(h² + 2d/a)), computed as the
 * equal 2d / (h + √(h² + 2d/a)): near a wall (d → 0) the first form subtracts two nearly equal
 * numbers and its rounding let a jog creep past the wall (fast-check found z = 350.000001 against
 * a 350 mm box top, seed 895758364).
 */
export function stoppableSpeed(distMm: number, horizonS: number, brakeMmS2: number): number {
  if (distMm <= 0) return 0;
  return (2 * distMm) / (horizonS + Math.sqrt(horizonS * horizonS + (2 * distMm) / brakeMmS2));
}

/**
 * Jogs aim to stop this far inside a wall, mm: the stopping-distance model is exact only in real
 * numbers, and a jog clamped to reach the wall exactly crept 1 nm past it under rounding and the
 * arm's discrete motion steps (fast-check, seed 895758364). 10 µm is far below any tracking error.
 */
export const WALL_MARGIN_MM = 0.01;

/**
 * Per axis, limits the velocity pointing at a wall so that the arm, jogging for `horizonS` and then
 * braking, stops inside the box (a box is convex: per-axis limits keep the whole path inside).
 */
export function limitTowardsWalls(v: Vec3, at: Vec3, box: Box, horizonS: number, brakeMmS2: number): Vec3 {
  const axis = (vel: number, pos: number, lo: number, hi: number): number => {
    if (vel > 0) return Math.min(vel, stoppableSpeed(hi - WALL_MARGIN_MM - pos, horizonS, brakeMmS2));
    if (vel < 0) return Math.max(vel, -stoppableSpeed(pos - lo - WALL_MARGIN_MM, horizonS, brakeMmS2));
    return 0;
  };
  return {
    x: axis(v.x, at.x, box.min.x, box.max.x),
    y: axis(v.y, at.y, box.min.y, box.max.y),
    z: axis(v.z, at.z, box.min.z, box.max.z),
  };
}

function vecEq(a: Vec3, b: Vec3, eps = 1e-9): boolean {
  return Math.abs(a.x - b.x) <= eps && Math.abs(a.y - b.y) <= eps && Math.abs(a.z - b.z) <= eps;
}

export interface TwistLimitResult {
  readonly twist: Twist;
  readonly speedClamped: boolean;
  readonly accelClamped: boolean;
  readonly workspaceClamped: boolean;
}

/**
 * The jog actually commanded: the wanted twist clamped to the speed limits [R6], slewed from the
 * previous commanded twist by at most accel × dt [R6] (dt capped at one control period, so a jog
 * from rest ramps instead of jumping), then limited so the arm can stop inside the box [R7].
 */
export function limitTwist(
  want: Twist, prev: Twist, dtS: number, at: Vec3, box: Box, horizonS: number, lim: MotionLimits,
): TwistLimitResult {
  const lin = clampNorm(want.linear, lim.maxSpeedMmS);
  const ang = clampNorm(want.angular, lim.maxAngularDegS);
  const speedClamped = !vecEq(lin, want.linear) || !vecEq(ang, want.angular);
  const linA = slew(prev.linear, lin, lim.maxAccelMmS2 * dtS);
  const angA = slew(prev.angular, ang, lim.maxAngularAccelDegS2 * dtS);
  const accelClamped = !vecEq(linA, lin) || !vecEq(angA, ang);
  const linW = limitTowardsWalls(linA, at, box, horizonS, lim.brakingMmS2);
  const workspaceClamped = !vecEq(linW, linA);
  return { twist: { linear: linW, angular: angA }, speedClamped, accelClamped, workspaceClamped };
}
