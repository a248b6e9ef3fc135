import {
  AckResult, ArmFault, ArmFrameDecoder, encodeArmFrame,
  type AnyArmMessage, type ArmFrame, type ArmStatusName, type HostMessage,
} from '../../protocols/ultrasound-arm/index.js';
import { ArmKinematics, DEFAULT_ARM_LIMITS, type ArmLimits } from './kinematics.js';
import { Phantom, type PhantomOptions } from './phantom.js';
import { QI } from './vec.js';

/** The arm's end of a link: a pty (serial-wire.ts), a TCP socket or an in-memory fake. */
export interface ArmWire {
  write(data: Uint8Array): Promise<void>;
  onData(listener: (data: Uint8Array) => void): void;
}

export interface ArmSimulatorOptions {
  readonly wire: ArmWire;
  /** Telemetry rate, Hz (100–250). Default 100. */
  readonly telemetryHz?: number;
  readonly limits?: ArmLimits;
  readonly phantom?: PhantomOptions;
  /** The arm's own hard force limit, N. Default 45. */
  readonly maxForceN?: number;
  /** No host frame for this long → hold (linkLost). Default 250. */
  readonly linkTimeoutMs?: number;
  readonly serial?: string;
  /** Monotonic ms. Default performance.now. */
  readonly now?: () => number;
}

const HOME = { x: 0, y: 0, z: 300 };
/** Frames waiting for the line; telemetry beyond this is dropped (the seq gap shows it). */
const MAX_PENDING = 16;

/**
 * A stand-in for the robotic ultrasound arm: speaks protocols/ultrasound-arm/SPEC.md, moves with
 * speed and acceleration limits, presses on a phantom body (spring-damper), enforces its own last-
 * resort limits (jog expiry, link watchdog, hard force limit, e-stop input) and takes injected
 * faults: stall, force spike, lost link, e-stop input.
 */
export class ArmSimulator {
  readonly kin: ArmKinematics;
  readonly phantom: Phantom;
  readonly stats = { framesSent: 0, telemetryDropped: 0, commands: 0, rejected: 0 };
  private seq = 0;
  private lastCommandSeq = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastStepMs: number;
  private lastHostMs: number;
  private lastDepth = 0;
  private fault: number = ArmFault.none;
  private estopInput = false;
  private estopped = false;
  private homed = false;
  private linkDownUntil = -Infinity;
  private spike: { n: number; untilMs: number } | null = null;
  private stallSinceMs: number | null = null;
  private pending = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly t0: number;
  private readonly maxForceN: number;
  private readonly linkTimeoutMs: number;
  private readonly hz: number;

  constructor(private readonly o: ArmSimulatorOptions) {
    this.now = o.now ?? (() => performance.now());
    this.t0 = this.now();
    this.lastStepMs = this.t0;
    this.lastHostMs = this.t0;
    this.kin = new ArmKinematics(o.limits ?? DEFAULT_ARM_LIMITS, HOME);
    this.phantom = new Phantom(o.phantom);
    this.maxForceN = o.maxForceN ?? 45;
    this.linkTimeoutMs = o.linkTimeoutMs ?? 250;
    this.hz = o.telemetryHz ?? 100;
    const decoder = new ArmFrameDecoder({ onFrame: (f) => this.onHostFrame(f) });
    o.wire.onData((d) => {
      if (this.now() < this.linkDownUntil) return; // the cable is "cut": bytes are lost
      decoder.push(d);
    });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), 1000 / this.hz);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  // ------------------------------------------------------------------ fault injection

  /** The arm stops following its setpoints; after 200 ms of commanded motion it faults `stall`. */
  setStall(on: boolean): void { this.kin.stalled = on; }
  /** Adds `n` newtons to the measured force for `ms` (a patient moving, a bump). */
  forceSpike(n: number, ms: number): void { this.spike = { n, untilMs: this.now() + ms }; }
  /** Cuts the serial link both ways for `ms`: nothing is sent, host bytes are lost. */
  loseLink(ms: number): void { this.linkDownUntil = this.now() + ms; }
  /** The arm's own e-stop button. */
  setEstopInput(pressed: boolean): void {
    this.estopInput = pressed;
    if (pressed) this.enterEstop();
  }

  get status(): ArmStatusName {
    if (this.estopped) return 'estopped';
    if (this.fault !== ArmFault.none && this.fault !== ArmFault.linkLost) return 'fault';
    const m = this.kin.motion;
    if (m.kind === 'move' && m.homing) return 'homing';
    if (this.kin.moving) return 'moving';
    return this.homed ? 'holding' : 'idle';
  }

  /** Measured contact force now, N. */
  forceN(): number {
    const spike = this.spike && this.now() < this.spike.untilMs ? this.spike.n : 0;
    return this.phantom.force(this.lastDepth, 0) + spike;
  }

  // ------------------------------------------------------------------ the control loop

  private tick(): void {
    const t = this.now();
    const dt = Math.min((t - this.lastStepMs) / 1000, 0.1);
    this.lastStepMs = t;
    this.kin.step(dt, t);
    const depth = this.phantom.depth(this.kin.position);
    const rate = dt > 0 ? (depth - this.lastDepth) / dt : 0;
    this.lastDepth = depth;
    const force = this.phantom.force(depth, rate) + (this.spike && t < this.spike.untilMs ? this.spike.n : 0);
    this.safety(t, force);
    if (t < this.linkDownUntil) return;
    this.send({
      type: 'Telemetry', armTimeUs: Math.round((t - this.t0) * 1000) >>> 0, status: this.status, estopInput: this.estopInput, homed: this.homed,
      lastCommandSeq: this.lastCommandSeq, positionMm: this.kin.position, orientation: this.kin.orientation, forceN: force,
      faultCode: this.fault, joints: this.kin.joints(),
    }, true);
  }

  /** SPEC.md §5: the arm's own limits. */
  private safety(t: number, force: number): void {
    if (this.estopped) return;
    if (force > this.maxForceN && this.fault !== ArmFault.overForce) {
      this.raise(ArmFault.overForce, `contact force ${force.toFixed(1)} N above ${this.maxForceN} N`);
      const p = this.kin.position;
      this.kin.motion = { kind: 'move', target: { ...p, z: p.z + 10 }, q: this.kin.orientation, speed: 20, accel: this.kin.limits.brakingMmS2, homing: false };
      return;
    }
    const commanded = this.kin.motion.kind !== 'hold';
    if (this.kin.stalled && commanded) {
      this.stallSinceMs ??= t;
      if (t - this.stallSinceMs >= 200) { this.stallSinceMs = null; this.kin.hold(); this.raise(ArmFault.stall, 'joint does not follow its setpoint'); }
    } else {
      this.stallSinceMs = null;
    }
    if (t - this.lastHostMs > this.linkTimeoutMs && this.fault === ArmFault.none) {
      this.kin.hold();
      this.fault = ArmFault.linkLost;
    }
  }

  private raise(code: number, text: string): void {
    this.fault = code;
    this.send({ type: 'Fault', code, text }, false);
  }

  private enterEstop(): void {
    this.estopped = true;
    this.kin.hold();
    this.kin.velocity = { x: 0, y: 0, z: 0 }; // brakes: drives off
    this.fault = ArmFault.estop;
    this.send({ type: 'Fault', code: ArmFault.estop, text: 'e-stop input' }, false);
  }

  // ------------------------------------------------------------------ host commands, one switch

  private onHostFrame(f: ArmFrame): void {
    this.lastHostMs = this.now();
    if (this.fault === ArmFault.linkLost) this.fault = ArmFault.none;
    const m = f.message as HostMessage;
    this.stats.commands++;
    const blocked = this.estopped || (this.fault !== ArmFault.none);
    const ack = (ok: boolean): void => {
      if (!ok) this.stats.rejected++;
      else this.lastCommandSeq = f.seq;
      this.send({ type: 'Ack', commandSeq: f.seq, result: ok ? AckResult.ok : AckResult.rejected, code: ok ? 0 : this.fault }, false);
    };
    switch (m.type) {
      case 'RequestInfo':
        this.send({ type: 'DeviceInfo', model: 'TM-US-ARM sim', serial: this.o.serial ?? 'SIM-0001', firmware: '1.0.0', telemetryHz: this.hz, maxSpeedMmS: this.kin.limits.maxSpeedMmS, maxForceN: this.maxForceN, jointCount: 6 }, false);
        return;
      case 'Heartbeat': return;
      case 'Hold': case 'Stop':
        if (!this.estopped) this.kin.hold();
        if (m.type === 'Stop') this.kin.velocity = towardsZeroFast(this.kin.velocity);
        return ack(true);
      case 'ResetFault':
        if (this.estopInput) return ack(false);
        this.estopped = false;
        this.fault = ArmFault.none;
        return ack(true);
      case 'MoveTo':
        if (blocked) return ack(false);
        this.kin.motion = { kind: 'move', target: m.positionMm, q: m.orientation, speed: m.speedMmS, accel: m.accelMmS2, homing: false };
        return ack(true);
      case 'Home':
        if (blocked) return ack(false);
        this.kin.motion = { kind: 'move', target: HOME, q: QI, speed: m.speedMmS, accel: m.accelMmS2, homing: true };
        this.homed = true;
        return ack(true);
      case 'Jog': {
        if (blocked) return ack(false);
        const first = this.kin.motion.kind !== 'jog';
        this.kin.motion = { kind: 'jog', v: m.linearMmS, w: m.angularDegS, accel: m.accelMmS2, untilMs: this.now() + m.validMs };
        this.lastCommandSeq = f.seq;
        if (first) ack(true);
        return;
      }
    }
  }

  private send(m: AnyArmMessage, droppable: boolean): void {
    if (this.now() < this.linkDownUntil) return;
    if (droppable && this.pending >= MAX_PENDING) {
      this.stats.telemetryDropped++;
      return;
    }
    const bytes = encodeArmFrame(this.seq++ & 0xffff, m);
    this.pending++;
    this.writing = this.writing
      .then(() => this.o.wire.write(bytes))
      .then(() => { this.stats.framesSent++; }, () => undefined)
      .finally(() => { this.pending--; });
  }
}

/** Stop: the fastest controlled stop; the simulator halves the speed at once, then brakes. */
function towardsZeroFast(v: { x: number; y: number; z: number }): { x: number; y: number; z: number } {
  return { x: v.x / 2, y: v.y / 2, z: v.z / 2 };
}
