import { createHash } from 'node:crypto';
import { telemed } from '../../protocols/index.js';
import {
  PRIORITY_RANK, deviceAlarmCondition, limitsByCode, priorityFromWire, priorityToWire, type AlarmLimit, type ConditionSide,
} from './alarm-limits.js';
import type { AlarmStore, StoredEpisode } from './alarm-store.js';
import type { AlarmEngineCounts, AlarmEngineOptions, AlarmView } from './alarm-types.js';
import type { AlarmStoreError } from './errors.js';

export type { AlarmEngineCounts, AlarmEngineOptions, AlarmView } from './alarm-types.js';

const { AlarmKind, AlarmState } = telemed.v1;

interface Episode {
  readonly key: string;
  readonly view: AlarmView;
  edge: boolean;
  /** The monitor's own alarm ids holding this episode active. */
  readonly monitor: Set<string>;
  /**
   * Mono ms since which the monitor's hold is stale: the monitor went away (its alarm ids belong to a
   * session that ended, e.g. a reboot) and has not announced the alarm again since. Null otherwise.
   */
  staleSinceMs: number | null;
}

/** Debounce state of one edge condition: when it was first seen holding (mono ms), null when not. */
interface Pending { since: number | null }

const RECENT_CLEARED = 20;
const MAX_ALARM_ID = 120;

/**
 * The edge alarm engine: limits with debounce and hysteresis, technical alarms (invalid value /
 * probe off, no data, device gone), the monitor's own alarms merged into the same episodes, and
 * acknowledgements from the hospital. Pure: no timers (the pipeline calls tick()), time from the
 * injected clock. An episode has one alarm_id from raise to clear; a recurrence is a new episode.
 */
export class AlarmEngine {
  readonly counts: AlarmEngineCounts = { raised: 0, cleared: 0, acknowledged: 0, deduplicated: 0, unitMismatch: 0, unknownAcks: 0, restored: 0, storeErrors: 0 };
  private readonly limits: ReadonlyMap<string, AlarmLimit>;
  private readonly active = new Map<string, Episode>();
  private readonly byId = new Map<string, Episode>();
  private readonly recent: Episode[] = [];
  private readonly pending = new Map<string, Pending>();
  /** Mono ms of the last data per device. */
  private readonly lastData = new Map<string, number>();
  private readonly patientRefs = new Map<string, string>();
  /** Devices whose session is faulted now. */
  private readonly faulted = new Set<string>();
  /**
   * Devices that measure the patient (a limited numeric or a waveform seen). Losing one is a high
   * priority alarm; losing another device (the GPS) is a low one: the crew must not be woken for it.
   */
  private readonly monitors = new Set<string>();
  /** Devices with a TM_ALARM_NO_DATA episode active (so onData clears it without a key lookup per chunk). */
  private readonly silent = new Set<string>();
  /** Restored active episodes of devices no longer configured: cleared on the first tick. */
  private orphans: Episode[] = [];

  constructor(private readonly opts: AlarmEngineOptions) {
    this.limits = limitsByCode(opts.limits);
    for (const s of opts.restored ?? []) this.restore(s);
  }

  /** Episodes active now. */
  get activeCount(): number {
    return this.active.size;
  }

  limitOf(code: string): AlarmLimit | undefined {
    return this.limits.get(code);
  }

  /** Numerics of one reading of `deviceId` (VitalsNumerics.numerics). */
  onVitals(deviceId: string, vitals: telemed.v1.IVitalsNumerics): void {
    const now = this.opts.clock.monoMs();
    this.onData(deviceId, now);
    if (vitals.patientRef) this.patientRefs.set(deviceId, vitals.patientRef);
    for (const n of vitals.numerics ?? []) {
      const limit = n.code ? this.limits.get(n.code) : undefined;
      if (!limit) continue;
      if (!this.monitors.has(deviceId)) this.monitors.add(deviceId);
      this.evaluate(deviceId, limit, n, now);
    }
  }

  /** A waveform chunk from `deviceId`: it is alive, and a patient monitor. */
  onWaveform(deviceId: string, now = this.opts.clock.monoMs()): void {
    if (!this.monitors.has(deviceId)) this.monitors.add(deviceId);
    this.onData(deviceId, now);
  }

  /** Any data from `deviceId`: it is alive. */
  onData(deviceId: string, now = this.opts.clock.monoMs()): void {
    this.lastData.set(deviceId, now);
    if (this.silent.delete(deviceId)) this.clearEdge(deviceId, 'device:no-data');
  }

  /** The device session's state: `faulted` raises TM_ALARM_DEVICE_GONE at once, `running` clears it. */
  onDeviceState(deviceId: string, state: string): void {
    const now = this.opts.clock.monoMs();
    if (state === 'faulted') {
      this.faulted.add(deviceId);
      const monitor = this.monitors.has(deviceId);
      this.raiseEdge(deviceId, 'device:gone', {
        kind: 'technical', priority: monitor ? 'high' : 'low', code: 'TM_ALARM_DEVICE_GONE',
        text: `${monitor ? 'monitor' : 'device'} ${deviceId} disconnected or faulted`, value: null, unit: '',
      });
      // What was pending was measured on a session that is gone: start over when data returns.
      this.resetPending(deviceId);
      // The monitor's alarm ids die with its session (a rebooted monitor numbers afresh): its
      // episodes stay active, held by nobody, until it announces them again or the grace ends (tick).
      for (const ep of this.episodesOf(deviceId)) {
        if (ep.monitor.size === 0) continue;
        ep.monitor.clear();
        ep.staleSinceMs = now;
        this.syncSources(ep);
      }
    } else if (state === 'running') {
      this.faulted.delete(deviceId);
      this.clearEdge(deviceId, 'device:gone');
      // The grace for re-announcing counts from the monitor's return.
      for (const ep of this.episodesOf(deviceId)) if (ep.staleSinceMs !== null) ep.staleSinceMs = now;
    }
  }

  /** Periodic check (the pipeline calls it every second): devices silent for `noDataMs`. */
  tick(): void {
    const now = this.opts.clock.monoMs();
    if (this.orphans.length > 0) {
      const orphans = this.orphans;
      this.orphans = [];
      for (const ep of orphans) if (this.active.get(ep.key) === ep) this.clear(ep);
    }
    for (const ep of [...this.active.values()]) {
      if (ep.staleSinceMs === null || this.faulted.has(ep.view.deviceId) || now - ep.staleSinceMs < this.opts.noDataMs) continue;
      ep.staleSinceMs = null;
      // Back for noDataMs and it did not announce the alarm again: the monitor no longer has it.
      if (!ep.edge && ep.monitor.size === 0) this.clear(ep);
    }
    for (const [deviceId, last] of this.lastData) {
      if (now - last < this.opts.noDataMs) continue;
      const key = `${deviceId}|device:no-data`;
      if (this.active.has(key)) continue;
      this.silent.add(deviceId);
      this.raiseEdge(deviceId, 'device:no-data', {
        kind: 'technical', priority: this.monitors.has(deviceId) ? 'medium' : 'low', code: 'TM_ALARM_NO_DATA',
        text: `no data from ${this.monitors.has(deviceId) ? 'monitor' : 'device'} ${deviceId} for ${Math.round((now - last) / 1000)} s`, value: null, unit: '',
      });
      this.resetPending(deviceId);
    }
  }

  /** The monitor's own alarm: merged into the edge episode of the same condition, else its own episode. */
  onDeviceAlarm(deviceId: string, alarm: telemed.v1.IAlarm): void {
    const monitorId = alarm.alarmId || alarm.code || 'alarm';
    const cond = deviceAlarmCondition(alarm.code ?? '', this.limits);
    const key = cond ? `${deviceId}|${cond.code}:${cond.side}` : `${deviceId}|monitor:${monitorId}`;
    const state = alarm.state ?? AlarmState.ALARM_STATE_UNSPECIFIED;
    if (state === AlarmState.ALARM_STATE_ACTIVE) {
      const ep = this.active.get(key);
      if (ep) {
        if (ep.monitor.size === 0 && ep.edge) this.counts.deduplicated += 1;
        ep.monitor.add(monitorId);
        ep.staleSinceMs = null;
        this.syncSources(ep);
        return;
      }
      const created = this.raise(key, deviceId, {
        kind: alarm.kind === AlarmKind.ALARM_KIND_TECHNICAL ? 'technical' : 'physiological',
        priority: priorityFromWire(alarm.priority), code: alarm.code || 'TM_ALARM_MONITOR',
        text: alarm.text || alarm.code || 'monitor alarm', value: Number.isFinite(alarm.value) ? Number(alarm.value) : null, unit: alarm.unit ?? '',
      }, false);
      created.monitor.add(monitorId);
      this.syncSources(created);
    } else if (state === AlarmState.ALARM_STATE_CLEARED) {
      const ep = this.active.get(key);
      if (!ep) return;
      ep.monitor.delete(monitorId);
      this.syncSources(ep);
      if (!ep.edge && ep.monitor.size === 0) this.clear(ep);
    } else if (state === AlarmState.ALARM_STATE_ACKNOWLEDGED) {
      const ep = this.active.get(key);
      if (ep) this.acknowledge(ep.view.alarmId, 'the monitor', this.opts.clock.nowNs());
    }
  }

  /**
   * A clinician's acknowledgement (from the hub, or the monitor): the episode stays active but is
   * marked, and is not raised again while it lasts. Returns what happened.
   */
  acknowledge(alarmId: string, by: string, atNs: number): 'acknowledged' | 'duplicate' | 'cleared' | 'unknown' {
    const ep = this.byId.get(alarmId);
    if (!ep) {
      this.counts.unknownAcks += 1;
      return 'unknown';
    }
    if (ep.view.acknowledged) return 'duplicate';
    ep.view.acknowledged = { by, atMs: Math.floor(atNs / 1e6) };
    // On disk before the caller returns to the uplink session, which then writes the downlink mark.
    this.persist((s) => s.acknowledged(alarmId, by, ep.view.acknowledged?.atMs ?? 0));
    if (ep.view.state === 'cleared') {
      this.opts.changed?.();
      return 'cleared';
    }
    this.counts.acknowledged += 1;
    this.send(ep, AlarmState.ALARM_STATE_ACKNOWLEDGED, `acknowledged by ${by}`);
    this.opts.changed?.();
    return 'acknowledged';
  }

  /** Active episodes first (priority, then newest), then the recently cleared. */
  views(): AlarmView[] {
    const act = [...this.active.values()].map((e) => e.view)
      .sort((a, b) => PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || b.raisedAtMs - a.raisedAtMs);
    return [...act, ...this.recent.map((e) => e.view).reverse()];
  }

  private evaluate(deviceId: string, limit: AlarmLimit, n: telemed.v1.INumeric, now: number): void {
    const value = n.value;
    const invalidKey = `${limit.code}:invalid`;
    // Drivers set `valid: false` for "not available" (sentinels, probe off); absent means valid.
    if (n.valid === false || typeof value !== 'number' || !Number.isFinite(value)) {
      if (this.hold(deviceId, invalidKey, now, this.opts.technicalDelayMs)) {
        this.raiseEdge(deviceId, invalidKey, {
          kind: 'technical', priority: 'medium', code: 'TM_ALARM_PARAM_INVALID', text: `${limit.label}: no valid value (probe off?)`, value: null, unit: limit.unit,
        });
      }
      // No evidence either way about the limits: their debounce starts over.
      this.pendingOf(deviceId, `${limit.code}:high`).since = null;
      this.pendingOf(deviceId, `${limit.code}:low`).since = null;
      return;
    }
    this.pendingOf(deviceId, invalidKey).since = null;
    this.clearEdge(deviceId, invalidKey);
    if (n.unit && limit.unit && n.unit !== limit.unit) {
      this.counts.unitMismatch += 1;
      return;
    }
    const delay = limit.delayMs ?? this.opts.delayMs;
    if (limit.high !== null) this.side(deviceId, limit, 'high', value, value > limit.high, value <= limit.high - limit.hysteresis, now, delay);
    if (limit.low !== null) this.side(deviceId, limit, 'low', value, value < limit.low, value >= limit.low + limit.hysteresis, now, delay);
  }

  /** One limit: raise after `delay` of violation, clear only past the hysteresis band. */
  private side(deviceId: string, limit: AlarmLimit, side: ConditionSide, value: number, violated: boolean, clearable: boolean, now: number, delay: number): void {
    const cond = `${limit.code}:${side}`;
    const ep = this.active.get(`${deviceId}|${cond}`);
    if (ep?.edge) {
      ep.view.value = value;
      if (clearable) this.clearEdge(deviceId, cond);
      return;
    }
    if (!violated) {
      this.pendingOf(deviceId, cond).since = null;
      return;
    }
    if (!this.hold(deviceId, cond, now, delay)) return;
    const lim = side === 'high' ? limit.high : limit.low;
    this.raiseEdge(deviceId, cond, {
      kind: 'physiological', priority: side === 'high' ? limit.highPriority : limit.lowPriority,
      code: `${limit.code}/${side === 'high' ? 'MDC_EVT_HI' : 'MDC_EVT_LO'}`,
      text: `${limit.label} ${side} ${formatValue(value)} ${limit.unit} (limit ${String(lim)})`, value, unit: limit.unit,
    });
  }

  /** Debounce: true once the condition has held for `delay` ms (first seen at `since`). */
  private hold(deviceId: string, cond: string, now: number, delay: number): boolean {
    const p = this.pendingOf(deviceId, cond);
    p.since ??= now;
    return now - p.since >= delay;
  }

  private pendingOf(deviceId: string, cond: string): Pending {
    const key = `${deviceId}|${cond}`;
    let p = this.pending.get(key);
    if (!p) {
      p = { since: null };
      this.pending.set(key, p);
    }
    return p;
  }

  private episodesOf(deviceId: string): Episode[] {
    return [...this.active.values()].filter((e) => e.view.deviceId === deviceId);
  }

  private resetPending(deviceId: string): void {
    const prefix = `${deviceId}|`;
    for (const [k, p] of this.pending) if (k.startsWith(prefix)) p.since = null;
  }

  private raiseEdge(deviceId: string, cond: string, what: Omit<AlarmView, 'alarmId' | 'deviceId' | 'state' | 'raisedAtMs' | 'clearedAtMs' | 'acknowledged' | 'sources'>): void {
    const key = `${deviceId}|${cond}`;
    const ep = this.active.get(key);
    if (ep) {
      if (!ep.edge) {
        // The monitor raised it first: one episode, not two.
        this.counts.deduplicated += 1;
        ep.edge = true;
        this.syncSources(ep);
        this.persist((s) => s.setEdge(ep.view.alarmId, true));
      }
      return;
    }
    this.raise(key, deviceId, what, true);
  }

  private clearEdge(deviceId: string, cond: string): void {
    const ep = this.active.get(`${deviceId}|${cond}`);
    if (!ep?.edge) return;
    ep.edge = false;
    this.pendingOf(deviceId, cond).since = null;
    this.syncSources(ep);
    if (ep.monitor.size === 0) this.clear(ep);
    else this.persist((s) => s.setEdge(ep.view.alarmId, false));
  }

  private raise(key: string, deviceId: string, what: Omit<AlarmView, 'alarmId' | 'deviceId' | 'state' | 'raisedAtMs' | 'clearedAtMs' | 'acknowledged' | 'sources'>, edge: boolean): Episode {
    const atMs = Math.floor(this.opts.clock.nowNs() / 1e6);
    const ep: Episode = {
      key, edge, monitor: new Set(), staleSinceMs: null,
      view: { ...what, alarmId: alarmIdOf(key, atMs), deviceId, state: 'active', raisedAtMs: atMs, clearedAtMs: null, acknowledged: null, sources: edge ? ['edge'] : [] },
    };
    this.active.set(key, ep);
    this.byId.set(ep.view.alarmId, ep);
    this.counts.raised += 1;
    // Stored before the frame goes to the outbox: an id the hub may hold is one a restart can continue.
    this.persist((s) => s.raised(storedOf(ep)));
    this.send(ep, AlarmState.ALARM_STATE_ACTIVE, ep.view.text);
    this.opts.changed?.();
    return ep;
  }

  private clear(ep: Episode): void {
    this.active.delete(ep.key);
    ep.view.state = 'cleared';
    ep.view.clearedAtMs = Math.floor(this.opts.clock.nowNs() / 1e6);
    this.counts.cleared += 1;
    const clearedAt = ep.view.clearedAtMs;
    this.persist((s) => s.cleared(ep.view.alarmId, clearedAt));
    this.recent.push(ep);
    if (this.recent.length > RECENT_CLEARED) {
      const old = this.recent.shift();
      if (old) this.byId.delete(old.view.alarmId);
    }
    this.send(ep, AlarmState.ALARM_STATE_CLEARED, `${ep.view.text} — cleared`);
    this.opts.changed?.();
  }

  /**
   * An episode from the store. Active: continued under its id and acknowledgement. Our own limits
   * re-judge an edge episode on the next reading (cleared then if the condition ended while we were
   * down; debounce does not apply to an episode already raised). The monitor's holds are gone with
   * its session: it must announce the alarm again within `noDataMs`, as after a monitor reboot. A
   * device silent since the restart gets TM_ALARM_NO_DATA after `noDataMs`, as any device would.
   */
  private restore(s: StoredEpisode): void {
    const { key, alarmId, deviceId, edge, ackBy, ackAtMs, ...rest } = s;
    const view: AlarmView = {
      ...rest, alarmId, deviceId, state: s.clearedAtMs === null ? 'active' : 'cleared',
      acknowledged: ackBy !== null && ackAtMs !== null ? { by: ackBy, atMs: ackAtMs } : null, sources: [],
    };
    const now = this.opts.clock.monoMs();
    const ep: Episode = { key, view, edge, monitor: new Set(), staleSinceMs: null };
    this.syncSources(ep);
    if (view.state === 'cleared') {
      this.recent.push(ep);
      if (this.recent.length > RECENT_CLEARED) this.byId.delete(this.recent.shift()?.view.alarmId ?? '');
      this.byId.set(alarmId, ep);
      return;
    }
    // Two active rows for one condition cannot come from this engine; keep the newer, close the older in the store.
    const older = this.active.get(key);
    if (older) {
      this.byId.delete(older.view.alarmId);
      this.persist((st) => st.cleared(older.view.alarmId, view.raisedAtMs));
    }
    if (!edge) ep.staleSinceMs = now;
    this.active.set(key, ep);
    this.byId.set(alarmId, ep);
    this.counts.restored += 1;
    if (key.endsWith('|device:no-data')) this.silent.add(deviceId);
    if (view.kind === 'physiological') this.monitors.add(deviceId);
    if (!this.lastData.has(deviceId)) this.lastData.set(deviceId, now);
    if (this.opts.devices && !this.opts.devices.has(deviceId)) this.orphans.push(ep);
  }

  /** A store write; a failure is counted and reported, never thrown at the device or the downlink. */
  private persist(write: (store: AlarmStore) => void): void {
    const store = this.opts.store;
    if (!store) return;
    try {
      write(store);
    } catch (err) {
      this.counts.storeErrors += 1;
      this.opts.storeError?.(err as AlarmStoreError);
    }
  }

  private syncSources(ep: Episode): void {
    const s: ('edge' | 'monitor')[] = [];
    if (ep.edge) s.push('edge');
    if (ep.monitor.size > 0) s.push('monitor');
    ep.view.sources = s;
  }

  private send(ep: Episode, state: telemed.v1.AlarmState, text: string): void {
    const v = ep.view;
    const alarm: telemed.v1.IAlarm = {
      alarmId: v.alarmId, deviceId: v.deviceId,
      kind: v.kind === 'technical' ? AlarmKind.ALARM_KIND_TECHNICAL : AlarmKind.ALARM_KIND_PHYSIOLOGICAL,
      priority: priorityToWire(v.priority), state, code: v.code, text, value: v.value ?? 0, unit: v.unit,
    };
    const ref = this.patientRefs.get(v.deviceId);
    if (ref !== undefined) alarm.patientRef = ref;
    this.opts.emit(v.deviceId, alarm, this.opts.clock.nowNs());
  }
}

/** `<device>|<condition>` raised at Unix ms `atMs`: unique across restarts (the time is in it), ≤ 120 characters. */
function alarmIdOf(key: string, atMs: number): string {
  const id = `${key.replace('|', '/')}@${atMs.toString(36)}`;
  if (id.length <= MAX_ALARM_ID) return id;
  return `${id.slice(0, 80)}~${createHash('sha256').update(id).digest('base64url').slice(0, 22)}`;
}

function storedOf(ep: Episode): StoredEpisode {
  const v = ep.view;
  return {
    alarmId: v.alarmId, key: ep.key, deviceId: v.deviceId, kind: v.kind, priority: v.priority, code: v.code, text: v.text,
    value: v.value, unit: v.unit, raisedAtMs: v.raisedAtMs, clearedAtMs: v.clearedAtMs,
    ackBy: v.acknowledged?.by ?? null, ackAtMs: v.acknowledged?.atMs ?? null, edge: ep.edge,
  };
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
