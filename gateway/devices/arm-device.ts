import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { TrafficClass, telemed, type Clock, type DecodedEnvelope } from '../../protocols/index.js';
import { ArmDriver, transportForUrl, type ArmLinkState, type ArmTelemetry } from '../../devices/ultrasound-arm/index.js';
import type { DeviceEvents, DeviceState } from '../../devices/device.js';
import type { DeviceConfig } from '../config.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import {
  DEFAULT_SAFETY, JsonlAuditLog, SafetySupervisor, commandFromProto, leaseFromProto,
  SafetyErrorCode, type AuditEntry, type AuditRecord, type AuditSink, type Decision, type SafetyConfig, type SafetySnapshot, type SafetyState,
} from '../safety/index.js';
import { systemTimers, type Timers } from '../uplink/timers.js';
import { UltrasoundImageSource, UltrasoundVideoSender, type SourceFrame, type VideoStats, type VideoUplinkPort, type ImageSourceCounters } from '../video/index.js';

const v1 = telemed.v1;

/** Downlink frames refused before they reach the supervisor (counted, audited, logged). */
export const ArmLinkCode = {
  /** The frame names another gateway in its header. */
  WRONG_GATEWAY: 'TM_ERR_ARM_WRONG_GATEWAY',
  /** An arm command or lease not sent as CONTROL class. */
  WRONG_CLASS: 'TM_ERR_ARM_WRONG_CLASS',
  /** An ArmLease naming another arm. */
  WRONG_ARM: 'TM_ERR_ARM_WRONG_ARM',
  /** Unknown command kind or lease action. */
  BAD_COMMAND: 'TM_ERR_ARM_BAD_COMMAND',
} as const;

/**
 * Stream ids agreed with the hub (hospital/teleop): leases and commands down, telemetry and audit
 * up. Leases have their own stream: CONTROL keeps only the newest frame per stream, so a GRANT
 * sharing a stream with the operator's first jog could be superseded in a queue and never arrive.
 */
export const armStreams = (armId: string): { cmd: string; lease: string; telemetry: string; audit: string } =>
  ({ cmd: `${armId}/cmd`, lease: `${armId}/lease`, telemetry: `${armId}/telemetry`, audit: `${armId}/audit` });

/** What GET /api/arm and the clinic page show. No patient data: operator and lease ids are staff/session ids. */
export interface ArmStatus extends SafetySnapshot {
  readonly id: string;
  readonly link: ArmLinkState;
  readonly pose: ArmTelemetry['pose'] | null;
  readonly lastDecision: { readonly what: string; readonly decision: string; readonly reason: string | null; readonly atNs: number } | null;
  readonly auditSeq: number;
  /** Audit writes that failed (TM_ERR_AUDIT_IO); above 0 the arm is stopped and commands are refused. */
  readonly auditFailures: number;
  readonly telemetryUp: number;
  readonly downlinkRefused: Readonly<Record<string, number>>;
}

export interface ArmDeviceOptions {
  readonly id: string;
  readonly url: string;
  readonly safety: SafetyConfig;
  /** ArmTelemetry envelopes up per second (latest sample wins). */
  readonly uplinkHz: number;
  /** This gateway's id: a downlink frame naming another is refused. */
  readonly gatewayId: string;
  /** The ultrasound machine's image output, tcp://HOST:PORT (SPEC.md "Image output"); none: no images. */
  readonly imageUrl?: string;
}

export interface ArmDeviceDeps {
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly timers?: Timers;
  /** Hub clock minus gateway clock, ms (UplinkSession.clockOffsetMs); null = no estimate yet (commands refused). */
  readonly hubOffsetMs: () => number | null;
  /** The edge audit log; default a JSONL file (gateway/safety/audit-log.ts). */
  readonly audit: AuditSink & { close?(): void; sync?(): void };
  readonly transport?: ReturnType<typeof transportForUrl>;
  /**
   * The uplink as the image sender sees it (gateway/video/uplink-port.ts). Absent: images go up as
   * this device's realtime readings (no measured rate: the sender keeps its start rung).
   */
  readonly video?: VideoUplinkPort;
}

/**
 * Config kind `ultrasound-arm`: the arm driver (devices/ultrasound-arm) behind the safety
 * supervisor (gateway/safety). The link reaches the arm only through `onDownlink` → supervisor;
 * telemetry goes to the supervisor at full rate and up to the hub decimated to `uplinkHz` as
 * realtime CONTROL readings on `<id>/telemetry` (latest wins, never queued: a stale pose is
 * useless); every audit record goes up as a durable VITALS reading on `<id>/audit` (VITALS, not
 * ALARM: a 50 Hz audited command stream must not delay a patient alarm; not BULK: the mirror
 * should not wait behind an ECG upload).
 */
export class ArmDevice extends EventEmitter<DeviceEvents> {
  readonly kind = 'ultrasound-arm';
  readonly driver: ArmDriver;
  readonly supervisor: SafetySupervisor;
  private current: DeviceState = 'stopped';
  private lastSample: ArmTelemetry | null = null;
  private lastRecord: AuditRecord | null = null;
  private lastCommandId = 0;
  /**
   * The edge audit log refused a write (disk full, I/O error, closed): from then on the arm is
   * stopped and every downlink command refused with TM_ERR_AUDIT_IO, since an arm must not move on
   * commands nobody can account for; local e-stop and the supervisor's own trips still act.
   */
  private auditFailures = 0;
  private nextUpMs = 0;
  private telemetryUp = 0;
  private readonly refused: Record<string, number> = {};
  private readonly changeListeners = new Set<() => void>();
  private readonly log: Logger;
  private readonly periodMs: number;
  private readonly streams: ReturnType<typeof armStreams>;
  /** Images from the ultrasound machine (opts.imageUrl) and their VIDEO sender; null without imageUrl. */
  private readonly images: { source: UltrasoundImageSource; sender: UltrasoundVideoSender; refused: number } | null = null;

  constructor(private readonly opts: ArmDeviceOptions, private readonly deps: ArmDeviceDeps) {
    super();
    this.log = (deps.logger ?? pino({ level: 'silent' })).child({ deviceId: opts.id, component: 'arm' });
    this.periodMs = 1000 / opts.uplinkHz;
    this.streams = armStreams(opts.id);
    this.driver = new ArmDriver({
      id: opts.id, url: opts.url, transport: deps.transport ?? transportForUrl(opts.url), clock: deps.clock, logger: this.log,
      jogValidMs: opts.safety.survivalMs, ...(deps.timers ? { timers: deps.timers } : {}),
    });
    // An entry the log refused comes back unwritten (seq 0, no hash): the supervisor ignores it.
    const mirror: AuditSink = { append: (e) => this.appendAudit(e) ?? { v: 1, seq: 0, ...e, prevHash: '', hash: '' } };
    this.supervisor = new SafetySupervisor({ ...opts.safety, armId: opts.id }, {
      clock: deps.clock, timers: deps.timers ?? systemTimers, hubOffsetMs: deps.hubOffsetMs, actuator: this.driver, audit: mirror, logger: this.log,
    });
    if (opts.imageUrl !== undefined) this.images = this.imagePath(opts.imageUrl);
    this.driver.on('telemetry', (t) => this.onTelemetry(t));
    this.driver.on('linkState', (s) => this.setState(s === 'streaming' ? 'running' : s === 'reconnecting' ? 'faulted' : s === 'closed' ? 'stopped' : 'starting'));
  }

  get id(): string { return this.opts.id; }
  get state(): DeviceState { return this.current; }

  start(signal: AbortSignal): Promise<void> {
    if (this.current !== 'stopped') return Promise.resolve();
    this.setState('starting');
    this.driver.start(signal);
    this.images?.source.start();
    return Promise.resolve();
  }

  /** The image path's counters (source frames, bad frames, reconnects; sender offered, replaced, stale, sent); null without imageUrl. */
  imageStats(): { source: ImageSourceCounters; sender: VideoStats; refused: number } | null {
    const im = this.images;
    return im === null ? null : { source: { ...im.source.counters }, sender: im.sender.stats(), refused: im.refused };
  }

  async stop(): Promise<void> {
    this.images?.source.close();
    this.images?.sender.close();
    this.supervisor.close();
    await this.driver.close();
    this.deps.audit.close?.();
    this.setState('stopped');
  }

  // ------------------------------------------------------------------ from the hub

  /**
   * One decoded downlink envelope (the session's 'downlink'). Frames of other streams are not
   * ours (null); an arm lease on `<id>/lease` or command on `<id>/cmd` goes to the supervisor, whose decision is
   * returned (and audited). Never throws: bad input is counted and audited.
   */
  onDownlink(env: DecodedEnvelope): Decision | null {
    if (env.payload !== 'armCommand' && env.payload !== 'armLease') return null;
    if (env.header.streamId !== (env.payload === 'armLease' ? this.streams.lease : this.streams.cmd)) return null;
    if (this.auditFailures > 0) return this.refuse(env, SafetyErrorCode.AUDIT_IO);
    const gw = env.header.gatewayId ?? '';
    if (gw !== '' && gw !== this.opts.gatewayId) return this.refuse(env, ArmLinkCode.WRONG_GATEWAY);
    if (env.header.trafficClass !== TrafficClass.TRAFFIC_CLASS_CONTROL) return this.refuse(env, ArmLinkCode.WRONG_CLASS);
    if (env.payload === 'armLease') {
      const arm = env.armLease?.armId ?? '';
      if (arm !== '' && arm !== this.opts.id) return this.refuse(env, ArmLinkCode.WRONG_ARM);
      const msg = leaseFromProto(env.armLease ?? {});
      return msg === null ? this.refuse(env, ArmLinkCode.BAD_COMMAND) : this.supervisor.lease(msg);
    }
    const cmd = commandFromProto(env.armCommand ?? {}, env.header.budgetMs);
    if (cmd === null) return this.refuse(env, ArmLinkCode.BAD_COMMAND);
    const d = this.supervisor.command(cmd);
    if (d.decision !== 'rejected') this.lastCommandId = cmd.commandId;
    return d;
  }

  private refuse(env: DecodedEnvelope, code: string): Decision {
    this.refused[code] = (this.refused[code] ?? 0) + 1;
    const c = env.armCommand;
    const l = env.armLease;
    this.appendAudit({
      atNs: Math.round(this.deps.clock.nowNs()), armId: this.opts.id, kind: env.payload === 'armLease' ? 'lease' : 'command',
      decision: 'rejected', reason: code, state: this.supervisor.state,
      leaseId: (c?.leaseId ?? l?.leaseId ?? '').slice(0, 64) || null, operatorId: (c?.operatorId ?? l?.operatorId ?? '').slice(0, 64) || null,
      commandId: c?.commandId != null ? String(c.commandId) : null, what: env.payload, detail: {},
    });
    this.log.info({ code, payload: env.payload }, 'arm downlink frame refused');
    return { decision: 'rejected', reason: code, state: this.supervisor.state };
  }

  // ------------------------------------------------------------------ local (the clinic page)

  estop(): Decision {
    this.supervisor.estop('clinic-page');
    try {
      this.deps.audit.sync?.();
    } catch (err) {
      // The arm is already stopped; a log that cannot be synced is the audit failure's business.
      this.appendAuditFailed(err);
    }
    return { decision: 'accepted', reason: 'TM_SAFETY_ESTOP', state: this.supervisor.state };
  }
  clearEstop(): Decision { return this.supervisor.clearEstop('clinic-page'); }
  resetFault(): Decision { return this.supervisor.resetFault('clinic-page'); }

  /** Called when the status changed (a decision, a trip, a telemetry frame sent up); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  status(): ArmStatus {
    const r = this.lastRecord;
    return {
      id: this.opts.id, link: this.driver.linkState, ...this.supervisor.snapshot(),
      pose: this.lastSample?.pose ?? null,
      lastDecision: r === null ? null : { what: r.what, decision: r.decision, reason: r.reason, atNs: r.atNs },
      auditSeq: r?.seq ?? 0, auditFailures: this.auditFailures, telemetryUp: this.telemetryUp, downlinkRefused: { ...this.refused },
    };
  }

  // ------------------------------------------------------------------ up to the hub

  /** The ultrasound machine's frames → the newest-wins VIDEO sender → `<id>/ultrasound`. */
  private imagePath(url: string): { source: UltrasoundImageSource; sender: UltrasoundVideoSender; refused: number } {
    const timers = this.deps.timers ?? systemTimers;
    const port: VideoUplinkPort = this.deps.video ?? {
      publish: (f) => this.emit('reading', { stream: 'ultrasound', trafficClass: f.trafficClass, durable: false, captureTimeNs: f.captureTimeNs, payload: { ultrasound: f.payload.ultrasound ?? {} } }),
      rateBps: () => undefined, videoQueued: () => 0, linkUp: () => true,
    };
    const sender = new UltrasoundVideoSender({ armId: this.opts.id }, { port, clock: this.deps.clock, timers, logger: this.log });
    const path = { sender, refused: 0, source: null as unknown as UltrasoundImageSource };
    path.source = new UltrasoundImageSource({
      url, timers, logger: this.log,
      onFrame: (f: SourceFrame) => {
        const now = this.deps.clock.nowNs();
        // The machine's clock is not synchronised: its capture time is used only when within 1 s of ours.
        const captureTimeNs = Math.abs(f.captureTimeMs * 1e6 - now) < 1e9 ? Math.round(f.captureTimeMs * 1e6) : now;
        try {
          sender.offer({ width: f.width, height: f.height, data: f.pixels, captureTimeNs, depthMm: f.depthMm });
        } catch (err) {
          path.refused += 1;
          this.log.warn({ err }, 'ultrasound image refused by the sender');
        }
      },
    });
    return path;
  }

  private onTelemetry(t: ArmTelemetry): void {
    this.supervisor.telemetry(t);
    this.lastSample = t;
    const now = this.deps.clock.monoMs();
    if (now < this.nextUpMs) return;
    this.nextUpMs += this.periodMs;
    if (this.nextUpMs <= now) this.nextUpMs = now + this.periodMs;
    this.sendTelemetry(t);
  }

  private sendTelemetry(t: ArmTelemetry): void {
    const s = this.supervisor.snapshot();
    const p = t.pose;
    this.telemetryUp += 1;
    this.emit('reading', {
      stream: 'telemetry', trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL, durable: false, captureTimeNs: this.deps.clock.nowNs(),
      payload: {
        armTelemetry: {
          armId: this.opts.id, forceN: t.forceN, forceCapN: s.forceCapN, state: ARM_STATE[s.state], safetyState: s.state,
          safetyReason: s.lastReason ?? '', leaseId: s.leaseId ?? '', operatorId: s.operatorId ?? '', lastCommandId: this.lastCommandId,
          pose: { xMm: p.position.x, yMm: p.position.y, zMm: p.position.z, qw: p.orientation.w, qx: p.orientation.x, qy: p.orientation.y, qz: p.orientation.z },
          jointDeg: t.joints.map((j) => j.positionDeg),
        },
      },
    });
    this.changed();
  }

  /**
   * Every audit entry goes through here: written to the edge log, then mirrored up. A write that
   * fails must not escape into the uplink's downlink handler (it would take the whole gateway down,
   * every other device with it): the arm is stopped directly (not through the supervisor, whose
   * every decision audits), the failure counted and logged once, and commands refused from then on.
   * The entry is not mirrored: the hub checks the chain, and an unchained record would break it.
   */
  private appendAudit(entry: AuditEntry): AuditRecord | null {
    try {
      return this.audited(this.deps.audit.append(entry));
    } catch (err) {
      this.appendAuditFailed(err);
      return null;
    }
  }

  private appendAuditFailed(err: unknown): void {
    this.auditFailures += 1;
    if (this.auditFailures === 1) {
      this.log.error({ code: SafetyErrorCode.AUDIT_IO, err: err instanceof Error ? err.message : String(err) }, 'arm audit log write failed: the arm is stopped and commands are refused until the gateway is restarted');
    }
    this.driver.stop();
    this.changed();
  }

  private audited(rec: AuditRecord): AuditRecord {
    this.lastRecord = rec;
    this.emit('reading', {
      stream: 'audit', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: this.deps.clock.nowNs(),
      payload: { armAudit: { armId: this.opts.id, seq: rec.seq, recordJson: JSON.stringify(rec) } },
    });
    // A trip, e-stop or fault is shown to the operator with the next telemetry sample, not up to 1/uplinkHz later.
    if (rec.kind !== 'command' && rec.kind !== 'telemetry') this.nextUpMs = 0;
    this.changed();
    return rec;
  }

  private setState(s: DeviceState): void {
    if (s === this.current) return;
    this.current = s;
    this.emit('state', s);
  }
}

const ARM_STATE: Record<SafetyState, telemed.v1.ArmState> = {
  idle: v1.ArmState.ARM_STATE_IDLE,
  leased: v1.ArmState.ARM_STATE_HOLDING,
  holding: v1.ArmState.ARM_STATE_HOLDING,
  active: v1.ArmState.ARM_STATE_MOVING,
  retracting: v1.ArmState.ARM_STATE_MOVING,
  estopped: v1.ArmState.ARM_STATE_ESTOPPED,
  faulted: v1.ArmState.ARM_STATE_FAULT,
};

/** The supervisor's settings from a device entry's `arm` block (the rest: DEFAULT_SAFETY). */
export function safetyConfigOf(config: DeviceConfig): SafetyConfig {
  const a = config.arm;
  if (a === undefined) throw new GatewayError(GatewayErrorCode.DEVICE_KIND, `ultrasound-arm ${config.id} needs arm.url`);
  return {
    ...DEFAULT_SAFETY, armId: config.id, survivalMs: a.survivalMs, hardMaxForceN: a.hardMaxForceN, telemetryTimeoutMs: a.telemetryTimeoutMs,
    limits: { ...DEFAULT_SAFETY.limits, maxSpeedMmS: a.maxSpeedMmS },
    retractSpeedMmS: Math.min(DEFAULT_SAFETY.retractSpeedMmS, a.maxSpeedMmS),
    ...(a.workspace ? { workspace: a.workspace } : {}),
  };
}

/**
 * Builds an `ultrasound-arm` device from its config entry. The audit log is
 * `<dataDir>/arm-audit-<id>.jsonl` (hash-chained; a broken chain refuses to start the device).
 * Without `hubOffsetMs` (e.g. the default factory outside the gateway) every command is refused
 * with TM_ERR_ARM_NO_CLOCK_SYNC: safe, never silently permissive.
 */
export interface ArmContext {
  readonly dataDir: string;
  readonly gatewayId: string;
  readonly hubOffsetMs?: () => number | null;
  readonly timers?: Timers;
  readonly audit?: ArmDeviceDeps['audit'];
  /** The uplink for arm images (uplinkVideoPort(uplink)); lazily, as the uplink may be built later. */
  readonly video?: () => VideoUplinkPort;
}

export function createArmDevice(config: DeviceConfig, deps: ArmContext & { clock: Clock; logger?: Logger }): ArmDevice {
  const safety = safetyConfigOf(config);
  const imageUrl = config.arm!.imageUrl;
  return new ArmDevice({ id: config.id, url: config.arm!.url, safety, uplinkHz: config.arm!.uplinkHz, gatewayId: deps.gatewayId, ...(imageUrl !== undefined ? { imageUrl } : {}) }, {
    ...(deps.video ? { video: deps.video() } : {}),
    clock: deps.clock, ...(deps.logger ? { logger: deps.logger } : {}), ...(deps.timers ? { timers: deps.timers } : {}),
    hubOffsetMs: deps.hubOffsetMs ?? (() => null),
    audit: deps.audit ?? new JsonlAuditLog(join(deps.dataDir, `arm-audit-${config.id}.jsonl`)),
  });
}
