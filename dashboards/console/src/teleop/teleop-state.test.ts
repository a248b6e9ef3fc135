import { describe, expect, it } from 'vitest';
import {
  axisForKey, cannotDrive, ControlLoop, EMPTY_TELEOP, gamepadStop, gamepadTwist, isZeroTwist, JOG_MM_S, parseImageMessage, parseServerMessage, reduceTeleop,
  rttTooLong, safetyWords, TRAIL, twistForAxes, ZERO_TWIST, type LeaseView, type ServerMessage, type TeleopState,
} from './teleop-state.js';

const lease = (over: Partial<LeaseView> = {}): LeaseView => ({
  id: 'L1', gatewayId: 'clinic-1', armId: 'arm-1', holder: 'dr.li', state: 'active',
  grantedAt: '2026-12-06T11:00:00.000Z', expiresAt: '2026-12-06T11:10:00.000Z', previousLeaseId: null, ...over,
});
const msg = (s: TeleopState, m: object, nowMs = 1000): TeleopState => {
  const parsed = parseServerMessage(JSON.stringify(m));
  if (parsed === null) throw new Error(`not parsed: ${JSON.stringify(m)}`);
  return reduceTeleop(s, { type: 'message', msg: parsed, me: 'dr.li', nowMs });
};
const telemetry = (x: number, y = 0): object => ({
  type: 'telemetry', gatewayId: 'clinic-1', armId: 'arm-1', leaseId: 'L1', operatorId: 'dr.li', state: 'ARM_STATE_READY',
  safetyState: 'active', safetyReason: '', forceN: 2.5, forceCapN: 10, pose: { x, y, z: 120, qw: 1, qx: 0, qy: 0, qz: 0 }, jointDeg: [], lastCommandId: 3, captureTimeNs: 1, rttMs: null,
});

describe('keys → twist', () => {
  it('maps arrows, W/S and Q/E (either case) to axes, everything else to nothing', () => {
    expect(['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'w', 'S', 'Q', 'e'].map(axisForKey)).toEqual(['x+', 'x-', 'y+', 'y-', 'z-', 'z+', 'yaw+', 'yaw-']);
    expect(axisForKey('a')).toBeNull();
    expect(axisForKey('Enter')).toBeNull();
  });
  it('sums held axes; opposite keys cancel; nothing held is zero', () => {
    expect(twistForAxes(['x+'])).toEqual({ vx: JOG_MM_S, vy: 0, vz: 0, wz: 0 });
    expect(twistForAxes(['x+', 'y-', 'z-', 'yaw+'], 20, 10)).toEqual({ vx: 20, vy: -20, vz: -20, wz: 10 });
    expect(isZeroTwist(twistForAxes(['x+', 'x-']))).toBe(true);
    expect(isZeroTwist(twistForAxes([]))).toBe(true);
  });
});

describe('gamepad → twist', () => {
  it('ignores sticks inside the dead zone and NaN, scales past it without a jump', () => {
    expect(isZeroTwist(gamepadTwist([0.1, -0.1, 0.05, Number.NaN]))).toBe(true);
    expect(gamepadTwist([1, -1, 0, 0], 0.15, 20)).toEqual({ vx: 20, vy: 20, vz: 0, wz: 0 });
    expect(gamepadTwist([0.16, 0, 0, 0], 0.15, 20).vx).toBeCloseTo(0.2, 5);
    expect(gamepadTwist([0, 0, 0, -1], 0.15, 20).vz).toBe(20);
    expect(gamepadTwist([])).toEqual({ vx: 0, vy: 0, vz: 0, wz: 0 });
  });
  it('button 1 stops', () => {
    expect(gamepadStop([false, true])).toBe(true);
    expect(gamepadStop([true, false])).toBe(false);
  });
});

describe('hub messages', () => {
  it('refuses garbage and incomplete telemetry', () => {
    expect(parseServerMessage('not json')).toBeNull();
    expect(parseServerMessage('[1]')).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: 'telemetry', pose: { x: 1 } }))).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: 'lease', lease: { id: 'L', state: 'bogus' } }))).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: 'unknown' }))).toBeNull();
    const e = parseServerMessage(JSON.stringify({ type: 'error', message: 'x' })) as Extract<ServerMessage, { type: 'error' }>;
    expect(e.code).toBe('TM_ERR_TELEOP_UNKNOWN');
  });

  it('hello restores my active lease, not another person\'s or an ended one', () => {
    const s = msg(EMPTY_TELEOP, { type: 'hello', username: 'dr.li', leases: [lease({ id: 'X', holder: 'dr.ma' }), lease({ id: 'E', state: 'expired' }), lease()] });
    expect(s.lease?.id).toBe('L1');
    expect(msg(EMPTY_TELEOP, { type: 'hello', username: 'dr.li', leases: [lease({ holder: 'dr.ma' })] }).lease).toBeNull();
  });

  it('a lease message ending my lease clears it with the reason; another person\'s lease leaves mine', () => {
    const s = reduceTeleop(EMPTY_TELEOP, { type: 'leased', lease: lease() });
    expect(msg(s, { type: 'lease', lease: lease({ id: 'Z', holder: 'dr.ma' }) }).lease?.id).toBe('L1');
    const ended = msg(s, { type: 'lease', lease: lease({ state: 'revoked' }) });
    expect(ended.lease).toBeNull();
    expect(ended.ended).toBe('revoked');
    // The operator's own release: the hub's message may come before the REST answer; no "ended".
    expect(reduceTeleop(msg(s, { type: 'lease', lease: lease({ state: 'released' }) }), { type: 'released' })).toMatchObject({ lease: null, ended: null });
    // A handover to me arrives as a new active lease.
    expect(msg(EMPTY_TELEOP, { type: 'lease', lease: lease({ id: 'H', previousLeaseId: 'G' }) }).lease?.id).toBe('H');
  });

  it('telemetry sets pose and force and grows a bounded trail of distinct positions', () => {
    let s = msg(EMPTY_TELEOP, telemetry(0));
    expect(s.telemetry?.pose.x).toBe(0);
    expect(s.telemetry?.forceCapN).toBe(10);
    s = msg(s, telemetry(0.1));
    expect(s.trail).toHaveLength(1);
    for (let i = 1; i <= TRAIL + 10; i++) s = msg(s, telemetry(i));
    expect(s.trail).toHaveLength(TRAIL);
    expect(s.trail.at(-1)).toEqual({ x: TRAIL + 10, y: 0 });
  });

  it('round trip = now − the echoed send time; warns only above 200 ms', () => {
    const s = msg(EMPTY_TELEOP, { type: 'rtt', commandId: 4, seq: 4, sentAtMs: 1000, hubMs: 30 }, 1085);
    expect(s.rttMs).toBe(85);
    expect(rttTooLong(s.rttMs)).toBe(false);
    expect(rttTooLong(201)).toBe(true);
    expect(rttTooLong(200)).toBe(false);
    expect(rttTooLong(null)).toBe(false);
    expect(msg(EMPTY_TELEOP, { type: 'pong', sentAtMs: 990 }, 1000).hubRttMs).toBe(10);
  });

  it('a renewal updates the held lease only', () => {
    const s = reduceTeleop(EMPTY_TELEOP, { type: 'leased', lease: lease() });
    const later = lease({ expiresAt: '2026-12-06T11:20:00.000Z' });
    expect(reduceTeleop(s, { type: 'renewed', lease: later }).lease?.expiresAt).toBe(later.expiresAt);
    expect(reduceTeleop(EMPTY_TELEOP, { type: 'renewed', lease: later }).lease).toBeNull();
    expect(reduceTeleop(s, { type: 'renewed', lease: lease({ id: 'other' }) }).lease?.id).toBe('L1');
  });

  it('errors from the hub are kept for the operator; a new lease clears them', () => {
    const s = msg(EMPTY_TELEOP, { type: 'error', code: 'TM_ERR_TELEOP_NO_LEASE', message: 'no lease', seq: 3 });
    expect(s.error).toEqual({ code: 'TM_ERR_TELEOP_NO_LEASE', message: 'no lease' });
    expect(reduceTeleop(s, { type: 'leased', lease: lease() }).error).toBeNull();
  });
});

describe('words', () => {
  it('names safety states and tells non-specialists why they cannot drive', () => {
    expect(safetyWords('estopped', 'clinic button')).toMatch(/E-STOP.*\(clinic button\)/);
    expect(safetyWords('', '')).toBe('No telemetry yet');
    expect(safetyWords('weird', '')).toBe('weird');
    expect(cannotDrive('specialist')).toBeNull();
    expect(cannotDrive('clinician')).toMatch(/Only a specialist.*clinician/);
  });
});

describe('image messages (TMI1)', () => {
  const build = (header: object | string, jpeg = [0xff, 0xd8, 1, 2, 0xff, 0xd9], magic = 'TMI1'): ArrayBuffer => {
    const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + jpeg.length);
    out.set(new TextEncoder().encode(magic), 0);
    new DataView(out.buffer).setUint32(4, json.length, false);
    out.set(json, 8);
    out.set(jpeg, 8 + json.length);
    return out.buffer;
  };
  const header = { type: 'image', gatewayId: 'clinic-1', armId: 'arm-1', leaseId: 'L1', frameId: 7, width: 256, height: 192, quality: 70, depthMm: 120, gainDb: 0, captureTimeMs: 1, receivedAtMs: 2, bytes: 6 };

  it('reads the header and where the JPEG starts', () => {
    const buf = build(header);
    const r = parseImageMessage(buf);
    expect(r?.header).toMatchObject({ frameId: 7, width: 256, height: 192, armId: 'arm-1', bytes: 6 });
    expect(new Uint8Array(buf, r?.jpegOffset ?? 0, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
  });
  it('refuses another magic, a header past the end, bad JSON, no JPEG marker, a missing size', () => {
    expect(parseImageMessage(build(header, undefined, 'TMI2'))).toBeNull();
    expect(parseImageMessage(new ArrayBuffer(4))).toBeNull();
    const long = build(header);
    new DataView(long).setUint32(4, 1_000_000, false);
    expect(parseImageMessage(long)).toBeNull();
    expect(parseImageMessage(build('{not json'))).toBeNull();
    expect(parseImageMessage(build(header, [1, 2, 3]))).toBeNull();
    expect(parseImageMessage(build({ ...header, width: 0 }))).toBeNull();
    expect(parseImageMessage(build({ ...header, type: 'telemetry' }))).toBeNull();
  });
});

describe('ControlLoop (what the page sends each 40 ms period)', () => {
  it('jogs while held, sends ONE hold on release, then a heartbeat every period (never silence)', () => {
    const loop = new ControlLoop();
    const right = twistForAxes(['x+']);
    expect([loop.next(ZERO_TWIST), loop.next(right), loop.next(right), loop.next(ZERO_TWIST), loop.next(ZERO_TWIST), loop.next(ZERO_TWIST)])
      .toEqual(['heartbeat', 'jog', 'jog', 'hold', 'heartbeat', 'heartbeat']);
    // After a STOP the arm is already still: no extra hold, heartbeats go on.
    loop.next(right);
    loop.stopped();
    expect(loop.next(ZERO_TWIST)).toBe('heartbeat');
  });

  it("names the operator's own hold, and a trip by its reason", () => {
    expect(safetyWords('leased', '')).toBe('Holding (operator): ready to move');
    expect(safetyWords('holding', 'TM_SAFETY_DEADMAN')).toBe('Holding still (TM_SAFETY_DEADMAN)');
    expect(safetyWords('leased', 'TM_SAFETY_JOG_EXPIRED')).toBe('Leased: ready to move (TM_SAFETY_JOG_EXPIRED)');
  });
});

describe('hand-over in the page state', () => {
  it('the giver ends with "handed over to …" (a late lease message does not undo it); the taker holds the new lease', () => {
    const held = reduceTeleop(EMPTY_TELEOP, { type: 'leased', lease: lease() });
    const given = reduceTeleop(held, { type: 'handed-over', to: 'dr.ma' });
    expect(given).toMatchObject({ lease: null, ended: 'handed over to dr.ma' });
    const late = reduceTeleop(given, { type: 'message', me: 'dr.li', nowMs: 0, msg: { type: 'lease', lease: lease({ state: 'handed-over' }) } });
    expect(late.ended).toBe('handed over to dr.ma');
    const next = lease({ id: 'L2', holder: 'dr.ma', previousLeaseId: 'L1' });
    const taken = reduceTeleop(EMPTY_TELEOP, { type: 'message', me: 'dr.ma', nowMs: 0, msg: { type: 'lease', lease: next } });
    expect(taken.lease).toEqual(next);
  });
});
