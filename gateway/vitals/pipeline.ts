import type { Logger } from 'pino';
import { TrafficClass, isTelemedError, telemed, type Clock, type DecodedEnvelope } from '../../protocols/index.js';
import type { GatewayConfig } from '../config.js';
import type { BuildFrameInput } from '../uplink/streams.js';
import type { Timers } from '../uplink/timers.js';
import { ADULT_LIMITS, type AlarmLimit } from './alarm-limits.js';
import { AlarmEngine, type AlarmView } from './alarms.js';
import { openAlarmStore, type AlarmStore } from './alarm-store.js';
import type { AlarmStoreError } from './errors.js';
import { WaveformRecorder, type RecordedFrame } from './recorder.js';

/** Stream of a device's alarm episodes (edge and monitor, merged): `<device>/alarms`. */
export const ALARMS_STREAM = 'alarms';
/** Recorded copy of live stream `<device>/<stream>`: `<device>/rec/<stream>`, BULK durable. */
export function recordedStreamId(liveStreamId: string): string {
  const slash = liveStreamId.indexOf('/');
  return slash < 0 ? `${liveStreamId}/rec` : `${liveStreamId.slice(0, slash)}/rec/${liveStreamId.slice(slash + 1)}`;
}

/** The latest numerics of one device, as the ambulance page shows them. */
export interface DeviceVitalsView {
  deviceId: string;
  /** Unix ms of the reading. */
  atMs: number;
  numerics: { code: string; label: string; value: number | null; unit: string; valid: boolean }[];
  position: { latitudeDeg: number; longitudeDeg: number; speedMps: number; headingDeg: number; accuracyM: number } | null;
}

/** The messages the pipeline pushes to the page (`/live`, docs/CONTRACTS.md "Gateway local API"). */
export type VitalsLiveMessage =
  | { type: 'vitals'; vitals: DeviceVitalsView }
  | { type: 'waveform'; deviceId: string; stream: string; channel: string; code: string; sampleRateHz: number; firstSampleIndex: number; scale: number; unit: string; samples: readonly number[] }
  | { type: 'alarms'; alarms: AlarmView[] };

/** What a newly connected page gets first. */
export interface VitalsSnapshot {
  type: 'vitals-snapshot';
  limits: readonly AlarmLimit[];
  devices: DeviceVitalsView[];
  alarms: AlarmView[];
}

export interface VitalsPipelineDeps {
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers: Timers;
  /** Durable path (group commit): VITALS, ALARM, recorded BULK. Rejects/throws TM_ERR_OUTBOX_FULL when refused. */
  readonly durable: (frame: BuildFrameInput) => unknown;
  /** Realtime path: the live waveform copy (dropped when late or while the link is down). */
  readonly realtime: (frame: BuildFrameInput) => unknown;
  /** Devices whose readings bypass the pipeline unchanged (the `load` traffic generator: traffic, not a patient). */
  readonly passThrough?: ReadonlySet<string>;
  /**
   * The alarm episode store; default: `<dataDir>/alarms.db` (in memory when `outbox.kind` is memory).
   * Closed by closeStore() only when the pipeline opened it.
   */
  readonly alarmStore?: AlarmStore;
}

/** Problems of the alarm store, by code (`telemed_gateway_alarm_store_errors_total{code}`). */
export type AlarmStoreProblems = Record<'TM_ERR_ALARM_STORE_CORRUPT' | 'TM_ERR_ALARM_STORE_WRITE' | 'TM_ERR_ALARM_STORE_ROW', number>;

/** Cleared episodes kept in the store at most, whatever their age (a flapping probe at one episode a minute for a week). */
const KEEP_CLOSED = 10_000;
/** Ticks (s) between prunes of the alarm store. */
const PRUNE_EVERY_TICKS = 60;

/** Counters of the pipeline (for /metrics and tests). */
export interface VitalsCounts {
  numerics: number;
  waveformChunks: number;
  recordedFrames: number;
  /** Durable frames the pipeline itself produced (alarms, recorded chunks) that the outbox refused. */
  refused: number;
}

/** Limits from the config, priorities filled; the adult defaults when none are configured. */
export function resolveLimits(config: GatewayConfig): AlarmLimit[] {
  const configured = config.vitals.alarms.limits;
  if (configured === null) return [...ADULT_LIMITS];
  return configured.map((l) => ({
    code: l.code, label: l.label, unit: l.unit, low: l.low, high: l.high, hysteresis: l.hysteresis,
    lowPriority: l.lowPriority ?? 'medium', highPriority: l.highPriority ?? 'medium', delayMs: l.delayMs,
  }));
}

const VITALS = TrafficClass.TRAFFIC_CLASS_VITALS;
const WAVEFORM = TrafficClass.TRAFFIC_CLASS_WAVEFORM;

/**
 * Every device reading passes here on its way to the uplink (the DeviceManager's sink):
 * - numerics (`{vitals}`, GPS included): VITALS durable; the alarm engine sees them;
 * - waveforms: the live copy WAVEFORM realtime, plus the recorded copy (WaveformRecorder) BULK
 *   durable on `<device>/rec/<stream>` when `vitals.recordWaveforms` says so;
 * - the monitor's own alarms: into the engine, which sends the merged episodes on `<device>/alarms`;
 * - anything else: unchanged (its durability as the device said).
 * The page gets the numerics, waveforms and alarm list through onLive listeners.
 */
export class VitalsPipeline {
  readonly engine: AlarmEngine;
  readonly counts: VitalsCounts = { numerics: 0, waveformChunks: 0, recordedFrames: 0, refused: 0 };
  private readonly recorder: WaveformRecorder | null;
  /** Latest numerics per device, kept as they came (the page's view is built only when asked for). */
  private readonly latest = new Map<string, { atNs: number; vitals: telemed.v1.IVitalsNumerics; position: telemed.v1.IGeoPosition | null }>();
  private readonly passThrough: ReadonlySet<string>;
  private readonly listeners = new Set<(msg: VitalsLiveMessage) => void>();
  private readonly limits: AlarmLimit[];
  private readonly log: Logger;
  private tickHandle: unknown;
  private ticks = 0;
  readonly alarmStore: AlarmStore;
  readonly alarmStoreProblems: AlarmStoreProblems = { TM_ERR_ALARM_STORE_CORRUPT: 0, TM_ERR_ALARM_STORE_WRITE: 0, TM_ERR_ALARM_STORE_ROW: 0 };

  constructor(private readonly deps: VitalsPipelineDeps) {
    const cfg = deps.config.vitals;
    this.log = deps.logger.child({ component: 'vitals' });
    this.limits = resolveLimits(deps.config);
    this.passThrough = deps.passThrough ?? new Set();
    this.alarmStore = deps.alarmStore ?? this.openStore();
    const restored = this.loadStore();
    this.engine = new AlarmEngine({
      limits: this.limits, delayMs: cfg.alarms.delayMs, technicalDelayMs: cfg.alarms.technicalDelayMs, noDataMs: cfg.alarms.noDataMs,
      clock: deps.clock, store: this.alarmStore, restored,
      devices: new Set(deps.config.devices.map((d) => d.id)),
      storeError: (err) => this.storeProblem(err, 'alarm transition not stored: it holds in memory only (a restart forgets it)'),
      emit: (deviceId, alarm, atNs) => this.sendDurable({
        streamId: `${deviceId}/${ALARMS_STREAM}`, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true, captureTimeNs: atNs, payload: { alarm },
      }),
      changed: () => this.publishLive({ type: 'alarms', alarms: this.engine.views() }),
    });
    const record = cfg.recordWaveforms ?? deps.config.siteKind === 'ambulance';
    this.recorder = record ? new WaveformRecorder(cfg.recordWindowS, cfg.recordMaxSamples, (f) => this.sendRecorded(f)) : null;
  }

  /** Starts the once-a-second no-data check (and the alarm store's pruning, once a minute). */
  start(): void {
    this.tickHandle ??= this.deps.timers.setInterval(() => {
      this.engine.tick();
      if (++this.ticks % PRUNE_EVERY_TICKS === 0) this.pruneStore();
    }, 1000);
  }

  /** Closes the alarm store if the pipeline opened it (after the uplink: a late acknowledgement is still written). */
  closeStore(): void {
    if (this.deps.alarmStore === undefined) this.alarmStore.close();
  }

  /** Stops the check and stores the open recorded windows (they are durable data too). */
  close(): void {
    if (this.tickHandle !== undefined) this.deps.timers.clearInterval(this.tickHandle);
    this.tickHandle = undefined;
    this.recorder?.flushAll();
  }

  /** The DeviceManager's sink. Returns what the uplink returned for the reading itself (a refusal promise for durable ones). */
  readonly sink = (f: BuildFrameInput): unknown => {
    const p = f.payload;
    if (this.passThrough.size > 0 && this.passThrough.has(deviceOf(f.streamId))) return f.durable ? this.deps.durable(f) : this.deps.realtime(f);
    if (p.vitals) return this.onVitals(f, p.vitals);
    if (p.waveform) return this.onWaveform(f, p.waveform);
    if (p.alarm) {
      this.engine.onDeviceAlarm(deviceOf(f.streamId), p.alarm);
      return undefined;
    }
    return f.durable ? this.deps.durable(f) : this.deps.realtime(f);
  };

  /** A device's session state (DeviceManager): faulted raises the device-gone alarm; stopping ends its recorded windows. */
  onDeviceState(deviceId: string, state: string): void {
    this.engine.onDeviceState(deviceId, state);
    if (state !== 'running' && this.recorder) {
      const prefix = `${deviceId}/`;
      for (const id of this.liveWaveStreams) if (id.startsWith(prefix)) this.recorder.flush(id);
    }
  }

  /**
   * A downlink frame: an `alarm` with state ACKNOWLEDGED (a clinician at the hospital, text
   * "acknowledged by <user>") marks the episode. Other frames are not ours.
   */
  onDownlink(env: DecodedEnvelope): void {
    if (env.payload !== 'alarm' || !env.alarm) return;
    const a = env.alarm;
    if (a.state !== telemed.v1.AlarmState.ALARM_STATE_ACKNOWLEDGED || !a.alarmId) return;
    const by = (a.text ?? '').replace(/^acknowledged by\s+/i, '').slice(0, 64) || 'the hospital';
    const atNs = env.header.captureTimeNs > 0 ? env.header.captureTimeNs : this.deps.clock.nowNs();
    const result = this.engine.acknowledge(a.alarmId, by, atNs);
    // The alarm id names the device and condition, never the patient; the user name is staff.
    this.log.info({ alarmId: a.alarmId, result, code: result === 'unknown' ? 'TM_WARN_ALARM_ACK_UNKNOWN' : undefined }, 'alarm acknowledgement from the hub');
  }

  /** Subscribes to the page messages; returns the unsubscribe function. */
  onLive(listener: (msg: VitalsLiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): VitalsSnapshot {
    return { type: 'vitals-snapshot', limits: this.limits, devices: [...this.latest].map(([id, l]) => vitalsView(id, l.atNs, l.vitals, l.position)), alarms: this.engine.views() };
  }

  private readonly liveWaveStreams = new Set<string>();

  private openStore(): AlarmStore {
    const c = this.deps.config;
    const opened = openAlarmStore(c.outbox.kind === 'memory' ? null : c.dataDir, Math.floor(this.deps.clock.nowNs() / 1e6));
    if (opened.problem) {
      this.alarmStoreProblems.TM_ERR_ALARM_STORE_CORRUPT += 1;
      // Loud: the crew's acknowledged alarms from before the restart are lost; the gateway runs on.
      this.log.error({ err: opened.problem, code: opened.problem.code, movedTo: opened.movedTo, persistent: opened.store.persistent },
        'alarm store unusable: moved aside, alarm engine started empty (episodes from before this start are forgotten)');
    }
    return opened.store;
  }

  /** Episodes to continue: every active one and those cleared within `retainClosedMs` (older ones pruned first). */
  private loadStore(): ReturnType<AlarmStore['load']> {
    const since = this.pruneStore();
    try {
      const episodes = this.alarmStore.load(since, (err) => this.storeProblem(err, 'alarm store row skipped'));
      const active = episodes.filter((e) => e.clearedAtMs === null);
      if (episodes.length > 0) {
        this.log.info({ active: active.length, acknowledged: active.filter((e) => e.ackBy !== null).length, cleared: episodes.length - active.length },
          'alarm episodes restored from the store');
      }
      return episodes;
    } catch (err) {
      this.storeProblem(err as AlarmStoreError, 'alarm store unreadable: alarm engine started empty');
      return [];
    }
  }

  /** Deletes cleared episodes past retention; returns the cut-off (Unix ms). */
  private pruneStore(): number {
    const since = Math.floor(this.deps.clock.nowNs() / 1e6) - this.deps.config.vitals.alarms.retainClosedMs;
    try {
      this.alarmStore.prune(since, KEEP_CLOSED);
    } catch (err) {
      this.storeProblem(err as AlarmStoreError, 'alarm store prune failed');
    }
    return since;
  }

  private storeProblem(err: AlarmStoreError, msg: string): void {
    const code = err.code === 'TM_ERR_ALARM_STORE_ROW' ? 'TM_ERR_ALARM_STORE_ROW' : err.code === 'TM_ERR_ALARM_STORE_CORRUPT' ? 'TM_ERR_ALARM_STORE_CORRUPT' : 'TM_ERR_ALARM_STORE_WRITE';
    const n = (this.alarmStoreProblems[code] += 1);
    // A dead disk fails every write: the first and then every 100th are logged.
    if (n % 100 === 1) this.log.error({ err, code, count: n }, msg);
  }

  private onVitals(f: BuildFrameInput, v: telemed.v1.IVitalsNumerics): unknown {
    const deviceId = deviceOf(f.streamId);
    this.counts.numerics += 1;
    this.engine.onVitals(deviceId, v);
    this.remember(deviceId, f.captureTimeNs, v);
    const frame = f.trafficClass === VITALS && f.durable ? f : { ...f, trafficClass: VITALS, durable: true };
    return this.deps.durable(frame);
  }

  /** Hot path: one Map write; the page's view object is built only while a page listens. */
  private remember(deviceId: string, atNs: number, v: telemed.v1.IVitalsNumerics): void {
    // A GPS fix may come without a position (no fix): the last known one stays.
    const position = v.position ?? this.latest.get(deviceId)?.position ?? null;
    this.latest.set(deviceId, { atNs, vitals: v, position });
    if (this.listeners.size > 0) this.publishLive({ type: 'vitals', vitals: vitalsView(deviceId, atNs, v, position) });
  }

  private onWaveform(f: BuildFrameInput, w: telemed.v1.IWaveformChunk): unknown {
    this.counts.waveformChunks += 1;
    const deviceId = deviceOf(f.streamId);
    this.engine.onWaveform(deviceId);
    if (this.recorder) {
      if (!this.liveWaveStreams.has(f.streamId)) this.liveWaveStreams.add(f.streamId);
      this.recorder.add(f.streamId, f.captureTimeNs, w);
    }
    if (this.listeners.size > 0) {
      this.publishLive({
        type: 'waveform', deviceId, stream: f.streamId.slice(deviceId.length + 1), channel: w.channel ?? '', code: w.code ?? '',
        sampleRateHz: w.sampleRateHz ?? 0, firstSampleIndex: Number(w.firstSampleIndex ?? 0), scale: w.scale ?? 1, unit: w.unit ?? '',
        // A typed array would serialise as an object: the page gets a plain array.
        samples: Array.isArray(w.samples) ? w.samples : Array.from(w.samples ?? []),
      });
    }
    const frame = f.trafficClass === WAVEFORM && !f.durable ? f : { ...f, trafficClass: WAVEFORM, durable: false };
    return this.deps.realtime(frame);
  }

  private sendRecorded(r: RecordedFrame): void {
    this.counts.recordedFrames += 1;
    this.sendDurable({
      streamId: recordedStreamId(r.liveStreamId), trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true,
      captureTimeNs: r.captureTimeNs, payload: { waveform: r.waveform },
    });
  }

  /** A frame we made ourselves: a refusal (outbox full) is counted here; the uplink alarms it. */
  private sendDurable(frame: BuildFrameInput): void {
    const refused = (err: unknown): void => {
      this.counts.refused += 1;
      if (!isTelemedError(err) || this.counts.refused % 1000 === 1) this.log.warn({ err, streamId: frame.streamId, refused: this.counts.refused }, 'vitals frame not taken by the uplink');
    };
    try {
      const taken = this.deps.durable(frame);
      if (taken instanceof Promise) taken.catch(refused);
    } catch (err) {
      refused(err);
    }
  }

  private publishLive(msg: VitalsLiveMessage): void {
    for (const l of this.listeners) {
      try {
        l(msg);
      } catch (err) {
        this.log.error({ err }, 'live listener failed');
      }
    }
  }
}

function vitalsView(deviceId: string, atNs: number, v: telemed.v1.IVitalsNumerics, p: telemed.v1.IGeoPosition | null): DeviceVitalsView {
  return {
    deviceId, atMs: Math.floor(atNs / 1e6),
    numerics: (v.numerics ?? []).map((n) => {
      const ok = typeof n.value === 'number' && Number.isFinite(n.value);
      return { code: n.code ?? '', label: n.label ?? '', unit: n.unit ?? '', valid: n.valid !== false && ok, value: ok ? n.value ?? null : null };
    }),
    position: p ? { latitudeDeg: p.latitudeDeg ?? 0, longitudeDeg: p.longitudeDeg ?? 0, speedMps: p.speedMps ?? 0, headingDeg: p.headingDeg ?? 0, accuracyM: p.accuracyM ?? 0 } : null,
  };
}

function deviceOf(streamId: string): string {
  const slash = streamId.indexOf('/');
  return slash < 0 ? streamId : streamId.slice(0, slash);
}
