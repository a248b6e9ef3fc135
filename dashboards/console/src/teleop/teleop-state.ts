/*
 * Pure logic of the teleop page (no DOM): which key moves which axis, the twist a set of held keys
 * or a gamepad asks for, and the page state built from the hub's /teleop messages
 * (docs/CONTRACTS.md "Remote ultrasound at the hub"). The gateway's safety supervisor enforces the
 * real limits; the speeds here are only what the operator asks for.
 */

/** Jog speed of a held key, mm/s, and turn rate, deg/s. */
export const JOG_MM_S = 20;
export const TURN_DEG_S = 10;
/** Renew the lease this long before it expires (a lease lasts 10 min; an exam about 9). */
export const RENEW_BEFORE_MS = 60_000;

/** Round trip above which control no longer feels direct (issue 11: ~200 ms). */
export const RTT_WARN_MS = 200;
/** Command period while the lease is held: well inside the gateway's 100 ms deadman. */
export const CONTROL_PERIOD_MS = 40;

export type Axis = 'x+' | 'x-' | 'y+' | 'y-' | 'z+' | 'z-' | 'yaw+' | 'yaw-';

/** Operator twist: mm/s along the couch axes, deg/s about the vertical. */
export interface Twist { vx: number; vy: number; vz: number; wz: number }
export const ZERO_TWIST: Twist = { vx: 0, vy: 0, vz: 0, wz: 0 };

/**
 * Arrows move the probe over the body (x along the couch, y across), W presses in (z down), S lifts,
 * Q/E turn the probe. `event.key` values, letters in either case.
 */
export function axisForKey(key: string): Axis | null {
  switch (key) {
    case 'ArrowRight': return 'x+';
    case 'ArrowLeft': return 'x-';
    case 'ArrowUp': return 'y+';
    case 'ArrowDown': return 'y-';
    case 'w': case 'W': return 'z-';
    case 's': case 'S': return 'z+';
    case 'q': case 'Q': return 'yaw+';
    case 'e': case 'E': return 'yaw-';
    default: return null;
  }
}

/** The twist of the held axes; opposite keys held together cancel. */
export function twistForAxes(held: Iterable<Axis>, mmS = JOG_MM_S, degS = TURN_DEG_S): Twist {
  const t = { ...ZERO_TWIST };
  for (const a of held) {
    const sign = a.endsWith('+') ? 1 : -1;
    const axis = a.slice(0, -1);
    if (axis === 'x') t.vx += sign * mmS;
    else if (axis === 'y') t.vy += sign * mmS;
    else if (axis === 'z') t.vz += sign * mmS;
    else t.wz += sign * degS;
  }
  return t;
}

export function isZeroTwist(t: Twist): boolean {
  return t.vx === 0 && t.vy === 0 && t.vz === 0 && t.wz === 0;
}

/**
 * One control period's command while the lease is held: `jog` while something is held, ONE `hold`
 * on the period everything is let go, `heartbeat` otherwise. A heartbeat every period is what
 * keeps the gateway from tripping its deadman (no command for 100 ms → hold, TM_SAFETY_DEADMAN):
 * the page sends one every period for as long as it is open and holds the lease.
 */
export class ControlLoop {
  private moving = false;

  next(twist: Twist): 'jog' | 'hold' | 'heartbeat' {
    if (!isZeroTwist(twist)) {
      this.moving = true;
      return 'jog';
    }
    if (this.moving) {
      this.moving = false;
      return 'hold';
    }
    return 'heartbeat';
  }

  /** A stop was sent (gamepad B, Space): nothing is moving any more. */
  stopped(): void {
    this.moving = false;
  }
}

const dead = (v: number | undefined, zone: number): number => {
  if (v === undefined || !Number.isFinite(v) || Math.abs(v) < zone) return 0;
  // Rescaled so the output starts at 0 just past the dead zone (no jump).
  return (Math.sign(v) * (Math.abs(v) - zone)) / (1 - zone);
};
const round1 = (v: number): number => Math.round(v * 10) / 10 + 0;

/**
 * A standard-mapping gamepad's twist: left stick x/y → vx/vy (stick up = y+), right stick y → vz
 * (up lifts), right stick x → turn. Sticks inside the dead zone count as released.
 */
export function gamepadTwist(axes: readonly number[], zone = 0.15, mmS = JOG_MM_S, degS = TURN_DEG_S): Twist {
  return {
    vx: round1(dead(axes[0], zone) * mmS),
    vy: round1(-dead(axes[1], zone) * mmS),
    vz: round1(-dead(axes[3], zone) * mmS),
    wz: round1(-dead(axes[2], zone) * degS),
  };
}

/** Standard mapping button 1 (B / circle) stops the arm. */
export function gamepadStop(pressed: readonly boolean[]): boolean {
  return pressed[1] === true;
}

// ---- hub messages -----------------------------------------------------------------------------

export type LeaseState = 'active' | 'released' | 'handed-over' | 'expired' | 'revoked';
export interface LeaseView {
  id: string; gatewayId: string; armId: string; holder: string; state: LeaseState;
  grantedAt: string; expiresAt: string; previousLeaseId: string | null;
}
export interface Pose { x: number; y: number; z: number; qw: number; qx: number; qy: number; qz: number }
export interface Telemetry {
  gatewayId: string; armId: string; leaseId: string; operatorId: string; state: string;
  safetyState: string; safetyReason: string; forceN: number; forceCapN: number; pose: Pose;
}
export type ServerMessage =
  | { type: 'hello'; username: string; leases: LeaseView[] }
  | ({ type: 'telemetry' } & Telemetry)
  | { type: 'rtt'; commandId: number; sentAtMs: number | null; hubMs: number }
  | { type: 'pong'; sentAtMs: number | null }
  | { type: 'lease'; lease: LeaseView }
  | { type: 'error'; code: string; message: string };

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const LEASE_STATES: readonly string[] = ['active', 'released', 'handed-over', 'expired', 'revoked'];

export function parseLease(v: unknown): LeaseView | null {
  if (!isRec(v)) return null;
  const { id, gatewayId, armId, holder, state } = v;
  if (typeof id !== 'string' || typeof gatewayId !== 'string' || typeof armId !== 'string' || typeof holder !== 'string') return null;
  if (typeof state !== 'string' || !LEASE_STATES.includes(state)) return null;
  return {
    id, gatewayId, armId, holder, state: state as LeaseState, grantedAt: str(v['grantedAt']), expiresAt: str(v['expiresAt']),
    previousLeaseId: typeof v['previousLeaseId'] === 'string' ? v['previousLeaseId'] : null,
  };
}

function parsePose(v: unknown): Pose | null {
  if (!isRec(v)) return null;
  const out: Record<string, number> = {};
  for (const k of ['x', 'y', 'z', 'qw', 'qx', 'qy', 'qz']) {
    const n = num(v[k]);
    if (n === null) return null;
    out[k] = n;
  }
  return out as unknown as Pose;
}

/** One /teleop text frame, checked; null for anything not understood (ignored by the page). */
export function parseServerMessage(text: string): ServerMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRec(v)) return null;
  switch (v['type']) {
    case 'hello': {
      const leases = Array.isArray(v['leases']) ? v['leases'].map(parseLease).filter((l): l is LeaseView => l !== null) : [];
      return { type: 'hello', username: str(v['username']), leases };
    }
    case 'telemetry': {
      const pose = parsePose(v['pose']);
      const forceN = num(v['forceN']);
      if (pose === null || forceN === null) return null;
      return {
        type: 'telemetry', gatewayId: str(v['gatewayId']), armId: str(v['armId']), leaseId: str(v['leaseId']), operatorId: str(v['operatorId']),
        state: str(v['state']), safetyState: str(v['safetyState']), safetyReason: str(v['safetyReason']), forceN, forceCapN: num(v['forceCapN']) ?? 0, pose,
      };
    }
    case 'rtt':
      return { type: 'rtt', commandId: num(v['commandId']) ?? 0, sentAtMs: num(v['sentAtMs']), hubMs: num(v['hubMs']) ?? 0 };
    case 'pong':
      return { type: 'pong', sentAtMs: num(v['sentAtMs']) };
    case 'lease': {
      const lease = parseLease(v['lease']);
      return lease === null ? null : { type: 'lease', lease };
    }
    case 'error':
      return { type: 'error', code: str(v['code']) || 'TM_ERR_TELEOP_UNKNOWN', message: str(v['message']) };
    default:
      return null;
  }
}

// ---- page state -------------------------------------------------------------------------------

/** Probe positions kept for the trail in the top view. */
export const TRAIL = 120;

export interface TeleopState {
  /** The caller's active lease, or null. */
  lease: LeaseView | null;
  telemetry: Telemetry | null;
  trail: { x: number; y: number }[];
  /** Last measured browser → hub → arm → telemetry → browser round trip, ms. */
  rttMs: number | null;
  /** Browser ↔ hub only (ping/pong), ms. */
  hubRttMs: number | null;
  /** Last refusal from the hub, shown to the operator. */
  error: { code: string; message: string } | null;
  /** Why the lease ended, when it ended without the operator releasing it. */
  ended: string | null;
}

export const EMPTY_TELEOP: TeleopState = { lease: null, telemetry: null, trail: [], rttMs: null, hubRttMs: null, error: null, ended: null };

export type TeleopAction =
  | { type: 'message'; msg: ServerMessage; me: string; nowMs: number }
  | { type: 'leased'; lease: LeaseView }
  | { type: 'renewed'; lease: LeaseView }
  | { type: 'released' }
  | { type: 'handed-over'; to: string }
  | { type: 'failed'; code: string; message: string };

/** A lease of `me` that is active; when several, the newest grant. */
function myActive(leases: readonly LeaseView[], me: string): LeaseView | null {
  return leases.filter((l) => l.holder === me && l.state === 'active').sort((a, b) => b.grantedAt.localeCompare(a.grantedAt))[0] ?? null;
}

export function reduceTeleop(s: TeleopState, a: TeleopAction): TeleopState {
  switch (a.type) {
    case 'leased':
      return { ...s, lease: a.lease, error: null, ended: null, trail: [] };
    case 'renewed':
      // Only if it is still the lease held (a release or revocation may have come meanwhile).
      return s.lease !== null && s.lease.id === a.lease.id ? { ...s, lease: a.lease } : s;
    case 'released':
      // The hub's lease message may have come first: released by the operator is not "ended".
      return { ...s, lease: null, ended: null };
    case 'handed-over':
      return { ...s, lease: null, ended: `handed over to ${a.to}`, error: null };
    case 'failed':
      return { ...s, error: { code: a.code, message: a.message } };
    case 'message':
      return onMessage(s, a.msg, a.me, a.nowMs);
  }
}

function onMessage(s: TeleopState, m: ServerMessage, me: string, nowMs: number): TeleopState {
  switch (m.type) {
    case 'hello':
      return s.lease !== null ? s : { ...s, lease: myActive(m.leases, me) };
    case 'lease': {
      const l = m.lease;
      if (l.holder === me && l.state === 'active') return { ...s, lease: l, ended: null };
      if (s.lease !== null && l.id === s.lease.id) return { ...s, lease: null, ended: l.state };
      return s;
    }
    case 'telemetry': {
      const { type: _t, ...t } = m;
      const last = s.trail.at(-1);
      const moved = last === undefined || Math.abs(last.x - t.pose.x) >= 0.5 || Math.abs(last.y - t.pose.y) >= 0.5;
      const trail = moved ? [...s.trail.slice(-(TRAIL - 1)), { x: t.pose.x, y: t.pose.y }] : s.trail;
      return { ...s, telemetry: t, trail };
    }
    case 'rtt':
      return m.sentAtMs === null ? s : { ...s, rttMs: Math.max(0, nowMs - m.sentAtMs) };
    case 'pong':
      return m.sentAtMs === null ? s : { ...s, hubRttMs: Math.max(0, nowMs - m.sentAtMs) };
    case 'error':
      return { ...s, error: { code: m.code, message: m.message } };
  }
}

/** Whether the round trip is too long to feel direct. */
export function rttTooLong(ms: number | null): boolean {
  return ms !== null && ms > RTT_WARN_MS;
}

/** Safety states of gateway/safety in the operator's words (unknown ones shown as sent). */
export function safetyWords(state: string, reason: string): string {
  // `leased` with no reason: the operator's own hold (a released key, STOP) or a fresh lease.
  if (state === 'leased' && reason === '') return 'Holding (operator): ready to move';
  const words: Record<string, string> = {
    idle: 'Idle: no operator', leased: 'Leased: ready to move', active: 'Moving under your commands', holding: 'Holding still',
    retracting: 'Retracting from the body', estopped: 'E-STOP at the clinic: cleared only there', faulted: 'Fault: reset at the clinic',
  };
  const base = words[state] ?? (state === '' ? 'No telemetry yet' : state);
  return reason === '' ? base : `${base} (${reason})`;
}

/** Why a person cannot drive, or null for a specialist. */
export function cannotDrive(role: string): string | null {
  if (role === 'specialist') return null;
  return `Only a specialist enrolled for the clinic may drive the ultrasound arm; you are signed in as ${role === '' ? 'an unknown role' : role}.`;
}

// ---- ultrasound images (binary /teleop messages) ----------------------------------------------

export interface ImageHeader {
  gatewayId: string; armId: string; leaseId: string; frameId: number; width: number; height: number;
  quality: number; depthMm: number; gainDb: number; captureTimeMs: number; receivedAtMs: number; bytes: number;
}

/** Largest image header read, bytes (a header is ~250). */
const MAX_IMAGE_HEADER = 4096;

/**
 * A binary /teleop message (docs/CONTRACTS.md, "TMI1"): ASCII `TMI1`, a uint32 big-endian header
 * length N, N bytes of UTF-8 JSON, then the JPEG. Returns the header and where the JPEG starts, or
 * null for anything else (wrong magic, header past the end, not JSON, no JPEG start marker).
 */
export function parseImageMessage(buf: ArrayBuffer): { header: ImageHeader; jpegOffset: number } | null {
  if (buf.byteLength < 8) return null;
  const v = new DataView(buf);
  if (String.fromCharCode(v.getUint8(0), v.getUint8(1), v.getUint8(2), v.getUint8(3)) !== 'TMI1') return null;
  const n = v.getUint32(4, false);
  if (n > MAX_IMAGE_HEADER || 8 + n + 2 > buf.byteLength) return null;
  let h: unknown;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(buf, 8, n)));
  } catch {
    return null;
  }
  if (!isRec(h) || h['type'] !== 'image') return null;
  // JPEG start of image.
  if (v.getUint8(8 + n) !== 0xff || v.getUint8(8 + n + 1) !== 0xd8) return null;
  const width = num(h['width']);
  const height = num(h['height']);
  const frameId = num(h['frameId']);
  if (width === null || height === null || frameId === null || width <= 0 || height <= 0) return null;
  return {
    header: {
      gatewayId: str(h['gatewayId']), armId: str(h['armId']), leaseId: str(h['leaseId']), frameId, width, height,
      quality: num(h['quality']) ?? 0, depthMm: num(h['depthMm']) ?? 0, gainDb: num(h['gainDb']) ?? 0,
      captureTimeMs: num(h['captureTimeMs']) ?? 0, receivedAtMs: num(h['receivedAtMs']) ?? 0, bytes: buf.byteLength - 8 - n,
    },
    jpegOffset: 8 + n,
  };
}
