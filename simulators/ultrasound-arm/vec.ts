import type { Q4, V3 } from '../../protocols/ultrasound-arm/index.js';

export const V0: V3 = { x: 0, y: 0, z: 0 };
export const QI: Q4 = { w: 1, x: 0, y: 0, z: 0 };
export const add = (a: V3, b: V3): V3 => ({ x: a.x + b.x, y: a.y + b.y, z: a.z + b.z });
export const sub = (a: V3, b: V3): V3 => ({ x: a.x - b.x, y: a.y - b.y, z: a.z - b.z });
export const mul = (a: V3, k: number): V3 => ({ x: a.x * k, y: a.y * k, z: a.z * k });
export const len = (a: V3): number => Math.hypot(a.x, a.y, a.z);

/** Moves `from` towards `to` by at most `step` (vector length). */
export function towards(from: V3, to: V3, step: number): V3 {
  const d = sub(to, from);
  const n = len(d);
  return n <= step || n === 0 ? to : add(from, mul(d, step / n));
}

export function qmul(a: Q4, b: Q4): Q4 {
  return {
    w: a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
    x: a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
    y: a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
    z: a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
  };
}

export function qnorm(q: Q4): Q4 {
  const n = Math.hypot(q.w, q.x, q.y, q.z) || 1;
  return { w: q.w / n, x: q.x / n, y: q.y / n, z: q.z / n };
}

/** Rotation by angular velocity ω (deg/s, base axes) for dt s, applied to q. */
export function qintegrate(q: Q4, wDegS: V3, dt: number): Q4 {
  const angle = (len(wDegS) * Math.PI) / 180 * dt;
  if (angle === 0) return q;
  const axis = mul(wDegS, 1 / len(wDegS));
  const s = Math.sin(angle / 2);
  return qnorm(qmul({ w: Math.cos(angle / 2), x: axis.x * s, y: axis.y * s, z: axis.z * s }, q));
}

/** Rotates q towards r by at most maxDeg (shortest way). */
export function qtowards(q: Q4, r: Q4, maxDeg: number): Q4 {
  let dot = q.w * r.w + q.x * r.x + q.y * r.y + q.z * r.z;
  const t = dot < 0 ? { w: -r.w, x: -r.x, y: -r.y, z: -r.z } : r;
  dot = Math.min(1, Math.abs(dot));
  const angleDeg = (2 * Math.acos(dot) * 180) / Math.PI;
  if (angleDeg <= maxDeg || angleDeg === 0) return qnorm(t);
  const f = maxDeg / angleDeg;
  // nlerp is close enough for small steps of a simulator.
  return qnorm({ w: q.w + (t.w - q.w) * f, x: q.x + (t.x - q.x) * f, y: q.y + (t.y - q.y) * f, z: q.z + (t.z - q.z) * f });
}
