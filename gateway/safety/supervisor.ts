import type { AuditDecision, AuditKind } from './audit-record.js';
import { checkSafetyConfig, type SafetyConfig } from './config.js';
import { ZERO_TWIST, insideBox, limitTwist, validPose, validTwist } from './limits.js';
import { RejectCode, SafetyCode } from './reasons.js';
import { canTransition, type SafetyState } from './state.js';
import { LOCAL_ESTOP_SOURCES, type Decision, type EstopSource, type SafetyDeps, type SafetySnapshot, type SafetyStats } from './supervisor-api.js';
import type { ArmTelemetrySample, LeaseMessage, OperatorCommand, Twist } from './types.js';

interface Lease {
  readonly leaseId: string;
  readonly operatorId: string;
  readonly expiresAtNs: number;
  readonly forceCapN: number;
}

const MOTION = new Set(['move', 'jog', 'home']);

/**
 * The arm's safety supervisor (DESIGN.md §5): every operator command passes through `command()`,
 * every telemetry sample through `telemetry()`, and only this class talks to the ArmActuator.
 * One `state` field, one transition function (`to`), every decision audited. Rules [R1]–[R10] are
 * listed in README.md.
 */
export class SafetySupervisor {
  readonly stats: SafetyStats = { accepted: 0, clamped: 0, rejected: {}, trips: {} };
  private current: SafetyState = 'idle';
  private holder: Lease | null = null;
  private readonly usedLeaseIds = new Set<string>();
  private lastCommandId = 0;
  private lastIssuedNs = -Infinity;
  /** Hub-clock time of the last trip into `holding`/e-stop clear: resuming needs a later issue time. */
  private holdSinceHubNs = -Infinity;
  private commandForceCapN = Infinity;
  private lastTwist: Twist = ZERO_TWIST;
  private lastTwistAtMs = -Infinity;
  private lastTelemetry: ArmTelemetrySample | null = null;
  private faultCause: 'arm' | 'telemetry' | 'workspace' | 'retract' | null = null;
  private readonly estops = new Set<EstopSource>();
  private lastReason: string | null = null;
  private deadman: unknown = null;
  private jogTimer: unknown = null;
  private leaseTimer: unknown = null;
  private retractTimer: unknown = null;
  private telemetryTimer: unknown = null;
  private readonly cfg: SafetyConfig;

  constructor(config: SafetyConfig, private readonly deps: SafetyDeps) {
    this.cfg = checkSafetyConfig(config);
  }

  get state(): SafetyState { return this.current; }

  snapshot(): SafetySnapshot {
    return {
      state: this.current,
      leaseId: this.holder?.leaseId ?? null,
      operatorId: this.holder?.operatorId ?? null,
      leaseExpiresAtNs: this.holder?.expiresAtNs ?? null,
      forceN: this.lastTelemetry?.forceN ?? null,
      forceCapN: this.forceCapN(),
      estopSources: [...this.estops],
      lastReason: this.lastReason,
    };
  }

  /** Stops every timer (shutdown). The arm is told to hold. */
  close(): void {
    for (const t of [this.deadman, this.jogTimer, this.leaseTimer, this.retractTimer, this.telemetryTimer]) this.deps.timers.clearTimeout(t);
    this.deadman = this.jogTimer = this.leaseTimer = this.retractTimer = this.telemetryTimer = null;
    this.deps.actuator.hold();
  }

  // ------------------------------------------------------------------ operator commands

  command(cmd: OperatorCommand): Decision {
    // [R9] An e-stop request is honoured from anyone: it can only make the arm safer.
    if (cmd.kind === 'estop') {
      this.estop('operator', cmd);
      return { decision: 'accepted', reason: SafetyCode.ESTOP, state: this.current };
    }
    const why = this.check(cmd);
    if (why !== null) return this.reject(cmd, why.code, why.detail);
    const clamps: string[] = [];
    const detail: Record<string, number | string | boolean | null> = { ageMs: round(this.ageMs(cmd)) };
    switch (cmd.kind) {
      case 'heartbeat': break;
      case 'hold': this.deps.actuator.hold(); this.stopJog(); this.to('leased', 'hold'); break;
      case 'stop': this.deps.actuator.stop(); this.stopJog(); this.to('leased', 'stop'); break;
      case 'release': {
        const lease = this.holder!;
        this.lastReason = null;
        this.accept(cmd, [], detail);
        this.endLease(lease.leaseId, 'release', null);
        return { decision: 'accepted', reason: null, state: this.current };
      }
      case 'move': {
        const target = cmd.target!;
        // [R7] A target outside the box is refused, not clamped: a clamped target is a place nobody chose.
        if (!insideBox(target.position, this.cfg.workspace)) return this.reject(cmd, RejectCode.OUTSIDE_WORKSPACE, {});
        const speedMmS = this.speedFor(cmd, clamps);
        this.deps.actuator.moveTo(target, { speedMmS, accelMmS2: this.cfg.limits.maxAccelMmS2 });
        this.stopJog();
        detail.speedMmS = speedMmS;
        this.to('active', 'move');
        break;
      }
      case 'home': {
        const speedMmS = this.speedFor(cmd, clamps);
        this.deps.actuator.home({ speedMmS, accelMmS2: this.cfg.limits.maxAccelMmS2 });
        this.stopJog();
        this.to('active', 'home');
        break;
      }
      case 'jog': {
        const nowMs = this.deps.clock.monoMs();
        const dtS = Math.min(nowMs - this.lastTwistAtMs, this.cfg.controlPeriodMs) / 1000;
        const at = this.lastTelemetry?.pose.position ?? this.cfg.home.position;
        const horizonS = (this.cfg.survivalMs + this.cfg.telemetryTimeoutMs) / 1000;
        const r = limitTwist(cmd.twist!, this.lastTwist, dtS, at, this.cfg.workspace, horizonS, this.cfg.limits);
        if (r.speedClamped) clamps.push(SafetyCode.SPEED_CLAMPED);
        if (r.accelClamped) clamps.push(SafetyCode.ACCEL_CLAMPED);
        if (r.workspaceClamped) clamps.push(SafetyCode.WORKSPACE_CLAMPED);
        this.deps.actuator.jog(r.twist, { accelMmS2: this.cfg.limits.maxAccelMmS2 });
        this.lastTwist = r.twist;
        this.lastTwistAtMs = nowMs;
        detail.speedMmS = round(Math.hypot(r.twist.linear.x, r.twist.linear.y, r.twist.linear.z));
        this.to('active', 'jog');
        break;
      }
      default: return this.reject(cmd, RejectCode.BAD_COMMAND, {});
    }
    if (cmd.maxForceN !== undefined && cmd.maxForceN > 0) this.commandForceCapN = Math.min(this.commandForceCapN, cmd.maxForceN);
    // The operator's command now explains the state; an earlier trip's reason would mislabel it.
    if (cmd.kind !== 'heartbeat') this.lastReason = null;
    this.accept(cmd, clamps, detail);
    // [R4] Deadman and jog expiry are (re)armed AFTER the command took effect, deadman first so
    // that at equal due times the deadman's hold (→ holding) wins over the jog's (→ leased).
    if (this.current === 'leased' || this.current === 'active') this.armDeadman();
    if (cmd.kind === 'jog') this.armJogExpiry();
    return { decision: clamps.length > 0 ? 'clamped' : 'accepted', reason: clamps[0] ?? null, state: this.current };
  }

  /** The checks every command passes before it may act, in this order; null = passed. */
  private check(cmd: OperatorCommand): { code: RejectCode; detail: Record<string, number> } | null {
    if (!Number.isSafeInteger(cmd.commandId) || cmd.commandId <= 0 || !Number.isFinite(cmd.issuedAtNs)) return { code: RejectCode.BAD_COMMAND, detail: {} };
    if (cmd.kind === 'move' && (cmd.target === undefined || !validPose(cmd.target))) return { code: RejectCode.BAD_COMMAND, detail: {} };
    if (cmd.kind === 'jog' && (cmd.twist === undefined || !validTwist(cmd.twist))) return { code: RejectCode.BAD_COMMAND, detail: {} };
    if (cmd.maxSpeedMmS !== undefined && !(cmd.maxSpeedMmS >= 0)) return { code: RejectCode.BAD_COMMAND, detail: {} };
    if (this.current === 'estopped') return { code: RejectCode.ESTOPPED, detail: {} };
    if (this.current === 'faulted') return { code: RejectCode.FAULTED, detail: {} };
    // [R1]
    if (this.holder === null || cmd.leaseId !== this.holder.leaseId) return { code: RejectCode.NO_LEASE, detail: {} };
    if (cmd.operatorId !== this.holder.operatorId) return { code: RejectCode.WRONG_OPERATOR, detail: {} };
    // [R2]
    if (this.deps.hubOffsetMs() === null) return { code: RejectCode.NO_CLOCK_SYNC, detail: {} };
    const age = this.ageMs(cmd);
    const budget = Math.min(cmd.budgetMs !== undefined && cmd.budgetMs > 0 ? cmd.budgetMs : this.cfg.defaultBudgetMs, this.cfg.maxBudgetMs);
    if (age > budget) return { code: RejectCode.TOO_OLD, detail: { ageMs: round(age), budgetMs: budget } };
    if (age < -this.cfg.futureToleranceMs) return { code: RejectCode.FROM_FUTURE, detail: { ageMs: round(age) } };
    // [R3]
    if (cmd.commandId <= this.lastCommandId || cmd.issuedAtNs < this.lastIssuedNs) return { code: RejectCode.REPLAY, detail: { lastCommandId: this.lastCommandId } };
    // [R10] Never move blind: before the first telemetry sample the pose and force are unknown.
    if (MOTION.has(cmd.kind) && this.lastTelemetry === null) return { code: RejectCode.NO_TELEMETRY, detail: {} };
    // [R5]
    if (this.current === 'retracting' && cmd.kind !== 'heartbeat' && cmd.kind !== 'release') return { code: RejectCode.RETRACTING, detail: {} };
    // [R4] Resuming from a hold needs a command issued after it.
    if (this.current === 'holding' && MOTION.has(cmd.kind) && cmd.issuedAtNs <= this.holdSinceHubNs) {
      return { code: RejectCode.STALE_AFTER_HOLD, detail: { ageMs: round(age) } };
    }
    return null;
  }

  private speedFor(cmd: OperatorCommand, clamps: string[]): number {
    const limit = this.cfg.limits.maxSpeedMmS;
    const want = cmd.maxSpeedMmS !== undefined && cmd.maxSpeedMmS > 0 ? cmd.maxSpeedMmS : limit;
    if (want > limit) clamps.push(SafetyCode.SPEED_CLAMPED);
    return Math.min(want, limit);
  }

  private hubNowNs(): number {
    return this.deps.clock.nowNs() + (this.deps.hubOffsetMs() ?? 0) * 1e6;
  }

  private ageMs(cmd: OperatorCommand): number {
    return (this.hubNowNs() - cmd.issuedAtNs) / 1e6;
  }

  private accept(cmd: OperatorCommand, clamps: string[], detail: Record<string, number | string | boolean | null>): void {
    this.lastCommandId = cmd.commandId;
    this.lastIssuedNs = cmd.issuedAtNs;
    if (clamps.length > 0) this.stats.clamped++;
    else this.stats.accepted++;
    if (clamps.length > 1) detail.alsoClamped = clamps.slice(1).join(',');
    this.record('command', clamps.length > 0 ? 'clamped' : 'accepted', clamps[0] ?? null, cmd.kind, cmd, detail);
  }

  private reject(cmd: OperatorCommand, code: RejectCode, detail: Record<string, number>): Decision {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
    this.record('command', 'rejected', code, cmd.kind, cmd, detail);
    this.deps.logger?.info({ code, kind: cmd.kind, commandId: cmd.commandId }, 'arm command rejected');
    return { decision: 'rejected', reason: code, state: this.current };
  }

  // ------------------------------------------------------------------ lease [R8]

  lease(msg: LeaseMessage): Decision {
    const fail = (code: RejectCode, detail: Record<string, number> = {}): Decision => {
      this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
      this.record('lease', 'rejected', code, msg.action, { leaseId: msg.leaseId, operatorId: msg.operatorId }, detail);
      return { decision: 'rejected', reason: code, state: this.current };
    };
    if (msg.leaseId === '' || msg.operatorId === '' || !Number.isFinite(msg.expiresAtNs)) return fail(RejectCode.BAD_LEASE);
    if (this.deps.hubOffsetMs() === null) return fail(RejectCode.NO_CLOCK_SYNC);
    const cur = this.holder;
    if (msg.action === 'release' || msg.action === 'revoke') {
      if (cur === null || cur.leaseId !== msg.leaseId) return fail(RejectCode.NO_LEASE);
      this.record('lease', 'accepted', null, msg.action, msg, {});
      this.endLease(cur.leaseId, msg.action, null);
      return { decision: 'accepted', reason: null, state: this.current };
    }
    const leftMs = (msg.expiresAtNs - this.hubNowNs()) / 1e6;
    if (!(leftMs > 0) || leftMs > this.cfg.maxLeaseMs) return fail(RejectCode.BAD_LEASE, { leftMs: round(leftMs) });
    const forceCapN = Math.min(msg.maxForceN > 0 ? msg.maxForceN : this.cfg.hardMaxForceN, this.cfg.hardMaxForceN);
    const next: Lease = { leaseId: msg.leaseId, operatorId: msg.operatorId, expiresAtNs: msg.expiresAtNs, forceCapN };
    if (msg.action === 'grant') {
      if (cur !== null && cur.leaseId === msg.leaseId) {
        if (cur.operatorId !== msg.operatorId) return fail(RejectCode.BAD_LEASE);
        this.holder = next; // renewal: same operator, later expiry
      } else {
        if (cur !== null) return fail(RejectCode.LEASE_BUSY);
        if (this.usedLeaseIds.has(msg.leaseId)) return fail(RejectCode.BAD_LEASE);
        this.startLease(next);
      }
    } else {
      // hand-over: names the lease it replaces, and the arm holds between the two operators.
      if (cur === null || msg.previousLeaseId !== cur.leaseId || this.usedLeaseIds.has(msg.leaseId)) return fail(RejectCode.BAD_LEASE);
      this.holdForHandover();
      this.startLease(next);
    }
    this.armLeaseExpiry(leftMs);
    this.record('lease', 'accepted', null, msg.action, msg, { leftMs: round(leftMs), forceCapN });
    return { decision: 'accepted', reason: null, state: this.current };
  }

  private startLease(l: Lease): void {
    this.usedLeaseIds.add(l.leaseId);
    this.holder = l;
    this.lastCommandId = 0;
    this.lastIssuedNs = -Infinity;
    this.commandForceCapN = Infinity;
    if (this.current === 'idle') this.to('leased', 'lease granted');
  }

  private holdForHandover(): void {
    if (this.current !== 'leased' && this.current !== 'active' && this.current !== 'holding') return;
    this.deps.actuator.hold();
    this.stopJog();
    this.clearDeadman();
    this.holdSinceHubNs = this.hubNowNs();
    this.to('holding', 'hand-over');
  }

  private endLease(leaseId: string, why: string, code: string | null): void {
    if (this.holder?.leaseId !== leaseId) return;
    this.holder = null;
    this.deps.timers.clearTimeout(this.leaseTimer);
    this.leaseTimer = null;
    this.clearDeadman();
    if (this.current === 'leased' || this.current === 'active' || this.current === 'holding') {
      this.deps.actuator.hold();
      this.stopJog();
      this.to('idle', why);
    }
    if (code !== null) this.trip(code, why, { leaseId });
  }

  private armLeaseExpiry(leftMs: number): void {
    this.deps.timers.clearTimeout(this.leaseTimer);
    const id = this.holder!.leaseId;
    this.leaseTimer = this.deps.timers.setTimeout(() => {
      this.leaseTimer = null;
      this.endLease(id, 'lease expired', SafetyCode.LEASE_EXPIRED);
    }, leftMs);
  }

  // ------------------------------------------------------------------ deadman [R4]

  private armDeadman(): void {
    this.deps.timers.clearTimeout(this.deadman);
    this.deadman = this.deps.timers.setTimeout(() => {
      this.deadman = null;
      if (this.current !== 'leased' && this.current !== 'active') return;
      this.deps.actuator.hold();
      this.stopJog();
      this.holdSinceHubNs = this.hubNowNs();
      this.to('holding', 'deadman');
      this.trip(SafetyCode.DEADMAN, 'deadman', { survivalMs: this.cfg.survivalMs });
    }, this.cfg.survivalMs);
  }

  private clearDeadman(): void {
    this.deps.timers.clearTimeout(this.deadman);
    this.deadman = null;
  }

  private armJogExpiry(): void {
    this.deps.timers.clearTimeout(this.jogTimer);
    this.jogTimer = this.deps.timers.setTimeout(() => {
      this.jogTimer = null;
      if (this.current !== 'active') return;
      this.deps.actuator.hold();
      this.stopJog();
      this.to('leased', 'jog expired');
      this.trip(SafetyCode.JOG_EXPIRED, 'jog expired', { survivalMs: this.cfg.survivalMs });
    }, this.cfg.survivalMs);
  }

  private stopJog(): void {
    this.deps.timers.clearTimeout(this.jogTimer);
    this.jogTimer = null;
    this.lastTwist = ZERO_TWIST;
    this.lastTwistAtMs = -Infinity;
  }

  // ------------------------------------------------------------------ telemetry [R5] [R7] [R10]

  private forceCapN(): number {
    return Math.min(this.holder?.forceCapN ?? this.cfg.hardMaxForceN, this.commandForceCapN, this.cfg.hardMaxForceN);
  }

  telemetry(s: ArmTelemetrySample): void {
    this.lastTelemetry = s;
    this.armTelemetryWatchdog();
    if (s.estopInput && !this.estops.has('arm-input')) this.estop('arm-input', null);
    if (this.current === 'estopped') return;
    if (this.current === 'faulted') {
      if (this.faultCause === 'telemetry' && s.fault === null) this.clearFault(SafetyCode.FAULT_CLEARED, 'telemetry back');
      return;
    }
    if (s.fault !== null) return this.fault('arm', SafetyCode.ARM_FAULT, { fault: s.fault.slice(0, 64) });
    if (!insideBox(s.pose.position, this.cfg.workspace, this.cfg.workspaceToleranceMm)) {
      return this.fault('workspace', SafetyCode.WORKSPACE_BREACH, { x: round(s.pose.position.x), y: round(s.pose.position.y), z: round(s.pose.position.z) });
    }
    if (this.current === 'retracting') {
      if (s.forceN <= this.cfg.contactFreeN) {
        this.deps.timers.clearTimeout(this.retractTimer);
        this.retractTimer = null;
        this.deps.actuator.hold();
        this.holdSinceHubNs = this.hubNowNs();
        this.to(this.holder ? 'holding' : 'idle', 'contact-free');
        this.trip(SafetyCode.CONTACT_FREE, 'contact-free', { forceN: round(s.forceN) });
      }
      return;
    }
    const cap = this.forceCapN();
    if (s.forceN > cap && this.current !== 'idle') this.retract(s, cap);
  }

  /** [R5] Straight up, clamped to the box top; synchronous, so within the telemetry sample that showed it. */
  private retract(s: ArmTelemetrySample, capN: number): void {
    this.stopJog();
    this.clearDeadman();
    const p = s.pose.position;
    const target = { position: { x: p.x, y: p.y, z: Math.min(p.z + this.cfg.retractMm, this.cfg.workspace.max.z) }, orientation: s.pose.orientation };
    this.deps.actuator.moveTo(target, { speedMmS: this.cfg.retractSpeedMmS, accelMmS2: this.cfg.limits.brakingMmS2 });
    this.to('retracting', 'force cap');
    this.trip(SafetyCode.FORCE_CAP, 'force cap', { forceN: round(s.forceN), capN });
    this.retractTimer = this.deps.timers.setTimeout(() => {
      this.retractTimer = null;
      if (this.current === 'retracting') this.fault('retract', SafetyCode.RETRACT_FAILED, { retractTimeoutMs: this.cfg.retractTimeoutMs });
    }, this.cfg.retractTimeoutMs);
  }

  private armTelemetryWatchdog(): void {
    this.deps.timers.clearTimeout(this.telemetryTimer);
    this.telemetryTimer = this.deps.timers.setTimeout(() => {
      this.telemetryTimer = null;
      if (this.current !== 'estopped' && this.current !== 'faulted') this.fault('telemetry', SafetyCode.TELEMETRY_LOST, { telemetryTimeoutMs: this.cfg.telemetryTimeoutMs });
    }, this.cfg.telemetryTimeoutMs);
  }

  private fault(cause: NonNullable<typeof this.faultCause>, code: SafetyCode, detail: Record<string, number | string>): void {
    this.deps.actuator.stop();
    this.stopJog();
    this.clearDeadman();
    this.deps.timers.clearTimeout(this.retractTimer);
    this.retractTimer = null;
    this.faultCause = cause;
    this.to('faulted', code);
    this.trip(code, cause, detail);
  }

  private clearFault(code: SafetyCode, why: string): void {
    this.faultCause = null;
    this.holdSinceHubNs = this.hubNowNs();
    this.deps.actuator.hold();
    this.to(this.holder ? 'holding' : 'idle', why);
    this.trip(code, why, {});
  }

  /** [R10] A local reset of an arm/workspace/retract fault, once the arm reports none. */
  resetFault(source: EstopSource): Decision {
    const fail = (code: RejectCode): Decision => {
      this.record('fault', 'rejected', code, `reset:${source}`, null, {});
      return { decision: 'rejected', reason: code, state: this.current };
    };
    if (!LOCAL_ESTOP_SOURCES.includes(source)) return fail(RejectCode.ESTOP_LOCAL_ONLY);
    if (this.current !== 'faulted' || this.lastTelemetry?.fault != null || this.telemetryTimer === null) return fail(RejectCode.FAULTED);
    this.deps.actuator.resetFault?.();
    this.clearFault(SafetyCode.FAULT_CLEARED, `reset:${source}`);
    return { decision: 'accepted', reason: SafetyCode.FAULT_CLEARED, state: this.current };
  }

  // ------------------------------------------------------------------ e-stop [R9]

  /** Overrides everything: the arm stops now; only a local clear leaves `estopped`. */
  estop(source: EstopSource, cmd: OperatorCommand | null = null): void {
    this.estops.add(source);
    this.deps.actuator.stop();
    this.stopJog();
    this.clearDeadman();
    this.deps.timers.clearTimeout(this.retractTimer);
    this.retractTimer = null;
    this.faultCause = null;
    this.to('estopped', `e-stop ${source}`);
    this.stats.trips[SafetyCode.ESTOP] = (this.stats.trips[SafetyCode.ESTOP] ?? 0) + 1;
    this.lastReason = SafetyCode.ESTOP;
    this.record('estop', 'acted', SafetyCode.ESTOP, source, cmd, {});
    this.deps.logger?.warn({ source }, 'arm e-stop');
  }

  clearEstop(source: EstopSource): Decision {
    const fail = (code: RejectCode): Decision => {
      this.record('estop', 'rejected', code, `clear:${source}`, null, {});
      return { decision: 'rejected', reason: code, state: this.current };
    };
    if (!LOCAL_ESTOP_SOURCES.includes(source)) return fail(RejectCode.ESTOP_LOCAL_ONLY);
    if (this.current !== 'estopped') return { decision: 'accepted', reason: null, state: this.current };
    if (this.lastTelemetry?.estopInput === true) return fail(RejectCode.ESTOP_INPUT_ACTIVE);
    this.estops.clear();
    this.holdSinceHubNs = this.hubNowNs();
    this.deps.actuator.hold();
    this.deps.actuator.resetFault?.();
    this.to(this.holder ? 'holding' : 'idle', `e-stop cleared ${source}`);
    this.lastReason = SafetyCode.ESTOP_CLEARED;
    this.record('estop', 'acted', SafetyCode.ESTOP_CLEARED, `clear:${source}`, null, {});
    return { decision: 'accepted', reason: SafetyCode.ESTOP_CLEARED, state: this.current };
  }

  // ------------------------------------------------------------------ the one transition function

  private to(next: SafetyState, why: string): void {
    if (next === this.current) return;
    if (!canTransition(this.current, next)) {
      // A bug, not an input: stop the arm rather than continue in an unknown state.
      this.deps.actuator.stop();
      throw new Error(`safety supervisor: bad transition ${this.current} → ${next} (${why})`);
    }
    this.deps.logger?.info({ from: this.current, to: next, why }, 'arm safety state');
    this.current = next;
  }

  private trip(code: string, what: string, detail: Record<string, number | string | boolean | null>): void {
    this.stats.trips[code] = (this.stats.trips[code] ?? 0) + 1;
    this.lastReason = code;
    this.record(code === SafetyCode.FAULT_CLEARED || code.startsWith('TM_SAFETY_ARM') || code === SafetyCode.TELEMETRY_LOST ? 'fault' : 'trip', 'acted', code, what, null, detail);
  }

  private record(
    kind: AuditKind, decision: AuditDecision, reason: string | null, what: string,
    who: { leaseId?: string; operatorId?: string; commandId?: number } | null,
    detail: Record<string, number | string | boolean | null>,
  ): void {
    this.deps.audit.append({
      atNs: Math.round(this.deps.clock.nowNs()), armId: this.cfg.armId, kind, decision, reason, state: this.current,
      leaseId: who?.leaseId ?? this.holder?.leaseId ?? null,
      operatorId: who?.operatorId ?? this.holder?.operatorId ?? null,
      commandId: who?.commandId !== undefined ? String(who.commandId) : null,
      what, detail,
    });
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
