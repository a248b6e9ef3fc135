// Test doubles of the safety supervisor's surroundings: a fake clock on ManualTimers, a kinematic
// arm model that follows the actuator exactly (instant velocity changes, instant holds) above a
// spring couch surface, and a harness that wires them. Used by the unit and property tests only.
import { ManualTimers } from '../uplink/manual-timers.js';
import { MemoryAuditLog } from './audit-log.js';
import { DEFAULT_SAFETY, type SafetyConfig } from './config.js';
import { add, norm, scale, sub } from './limits.js';
import { SafetySupervisor } from './supervisor.js';
import { IDENTITY_QUAT, type ArmActuator, type ArmTelemetrySample, type OperatorCommand, type Pose, type Twist, type Vec3 } from './types.js';

export const BASE_NS = 1_800_000_000_000_000_000;

export interface ActuatorCall {
  readonly atMs: number;
  readonly op: 'moveTo' | 'jog' | 'hold' | 'home' | 'stop';
  readonly twist?: Twist;
  readonly target?: Pose;
  readonly speedMmS?: number;
}

/** Follows the actuator exactly; force = stiffness × depth below the couch surface (+ a spike). */
export class ArmModel implements ArmActuator {
  readonly calls: ActuatorCall[] = [];
  position: Vec3;
  private velocity: Vec3 = { x: 0, y: 0, z: 0 };
  private target: Vec3 | null = null;
  private speed = 0;
  private at: number;
  spikeN = 0;
  estopInput = false;
  fault: string | null = null;

  constructor(private readonly now: () => number, start: Vec3, readonly surfaceZ = 100, readonly stiffnessNPerMm = 1) {
    this.position = start;
    this.at = now();
  }

  /** Advances the model to now. */
  settle(): void {
    const t = this.now();
    const dt = (t - this.at) / 1000;
    this.at = t;
    if (dt <= 0) return;
    if (this.target) {
      const d = sub(this.target, this.position);
      const n = norm(d);
      const step = this.speed * dt;
      this.position = n <= step ? this.target : add(this.position, scale(d, step / n));
      if (n <= step) this.target = null;
    } else {
      this.position = add(this.position, scale(this.velocity, dt));
    }
  }

  get moving(): boolean {
    return this.target !== null || norm(this.velocity) > 0;
  }

  sample(): ArmTelemetrySample {
    this.settle();
    const depth = Math.max(0, this.surfaceZ - this.position.z);
    return { pose: { position: this.position, orientation: IDENTITY_QUAT }, forceN: depth * this.stiffnessNPerMm + this.spikeN, estopInput: this.estopInput, fault: this.fault };
  }

  moveTo(target: Pose, limits: { speedMmS: number }): void {
    this.settle();
    this.calls.push({ atMs: this.now(), op: 'moveTo', target, speedMmS: limits.speedMmS });
    this.velocity = { x: 0, y: 0, z: 0 };
    this.target = target.position;
    this.speed = limits.speedMmS;
  }
  jog(twist: Twist): void {
    this.settle();
    this.calls.push({ atMs: this.now(), op: 'jog', twist });
    this.target = null;
    this.velocity = twist.linear;
  }
  hold(): void {
    this.settle();
    this.calls.push({ atMs: this.now(), op: 'hold' });
    this.target = null;
    this.velocity = { x: 0, y: 0, z: 0 };
  }
  home(limits: { speedMmS: number }): void {
    this.moveTo({ position: { x: 0, y: 0, z: 300 }, orientation: IDENTITY_QUAT }, limits);
    (this.calls[this.calls.length - 1] as { op: string }).op = 'home';
  }
  stop(): void {
    this.settle();
    this.calls.push({ atMs: this.now(), op: 'stop' });
    this.target = null;
    this.velocity = { x: 0, y: 0, z: 0 };
  }
}

export interface Harness {
  readonly timers: ManualTimers;
  readonly sup: SafetySupervisor;
  readonly arm: ArmModel;
  readonly audit: MemoryAuditLog;
  readonly cfg: SafetyConfig;
  /** Hub clock minus gateway clock, ms; null = no sync yet. */
  offsetMs: number | null;
  /** Hub-clock Unix ns of gateway time `ms` (default now). */
  hubNs(ms?: number): number;
  /** A command from the lease holder, issued now on the hub clock unless `issuedAtNs` says. */
  cmd(kind: OperatorCommand['kind'], extra?: Partial<OperatorCommand>): OperatorCommand;
  /** Grants lease `L1` to `op-1` for `ms`. */
  grant(ms?: number, leaseId?: string, operatorId?: string): void;
  /** Stops the telemetry stream (lost link to the arm). */
  stopTelemetry(): void;
}

export function harness(overrides: Partial<SafetyConfig> = {}, start: Vec3 = { x: 0, y: 0, z: 200 }): Harness {
  const timers = new ManualTimers();
  const cfg = { ...DEFAULT_SAFETY, ...overrides };
  const clock = { nowNs: () => BASE_NS + timers.now * 1e6, monoMs: () => timers.now };
  const arm = new ArmModel(() => timers.now, start);
  const audit = new MemoryAuditLog();
  let nextId = 1;
  const h: Harness = {
    timers, arm, audit, cfg, offsetMs: 0,
    sup: undefined as unknown as SafetySupervisor,
    hubNs: (ms = timers.now) => BASE_NS + ms * 1e6 + (h.offsetMs ?? 0) * 1e6,
    cmd: (kind, extra = {}) => ({ commandId: nextId++, leaseId: 'L1', operatorId: 'op-1', kind, issuedAtNs: h.hubNs(), ...extra }),
    grant: (ms = 600_000, leaseId = 'L1', operatorId = 'op-1') => {
      const d = h.sup.lease({ action: 'grant', leaseId, operatorId, expiresAtNs: h.hubNs() + ms * 1e6, maxForceN: 20, issuedAtNs: h.hubNs() });
      if (d.decision !== 'accepted') throw new Error(`grant refused: ${d.reason}`);
    },
    stopTelemetry: () => timers.clearInterval(tele),
  };
  (h as { sup: SafetySupervisor }).sup = new SafetySupervisor(cfg, { clock, timers, hubOffsetMs: () => h.offsetMs, actuator: arm, audit });
  const tele = timers.setInterval(() => h.sup.telemetry(arm.sample()), cfg.telemetryPeriodMs);
  // One sample at t = 0 so the supervisor knows the pose before the first jog.
  h.sup.telemetry(arm.sample());
  return h;
}
