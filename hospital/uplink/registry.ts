import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { className, encodeEnvelope, type ClassName, type Clock, type DecodedEnvelope, type EnvelopeInit } from '../../protocols/index.js';
import type { DownlinkOutbox, StoredDownFrame } from '../store/downlink-outbox.js';
import { UplinkErrorCode } from './errors.js';
import { CloseCode, HospitalErrorCode } from '../errors.js';
import type { HospitalMetrics } from '../metrics.js';
import { LatencyWindow, type LatencySummary } from './latency-window.js';

export type SiteKind = 'clinic' | 'ambulance';

/** A gateway as dashboards see it (docs/CONTRACTS.md GatewayView). Times are ISO strings. */
export interface GatewayView {
  readonly id: string;
  /** From the gateway's Hello; null until it has connected once since the hub started. */
  readonly siteKind: SiteKind | null;
  readonly siteName: string | null;
  readonly connected: boolean;
  readonly connectedAt: string | null;
  readonly lastSeenAt: string | null;
  /** Round-trip delay of the best clock sample (RFC 5905 δ), ms; null before the first Pong. */
  readonly rttMs: number | null;
  /** Gateway clock minus hub clock (RFC 5905 θ), ms; null before the first Pong. */
  readonly clockOffsetMs: number | null;
  readonly framesReceived: number;
  readonly latency: Readonly<Partial<Record<ClassName, LatencySummary>>>;
}

/**
 * Outcome of a downlink send (docs/CONTRACTS.md "Durable downlink"): `sent` handed to the current
 * session; `queued` durable and stored, the gateway is offline and gets it when it reconnects;
 * `not-connected` a realtime frame for an offline gateway (nothing kept); `backpressure` refused
 * (realtime: the session's queue is full; durable: the gateway's outbox is at its byte cap,
 * TM_ERR_DOWNLINK_FULL, counted and logged).
 */
export type DownlinkResult = 'sent' | 'queued' | 'not-connected' | 'backpressure';

/** Where durable downlink frames are kept until acked, and the frame size limit for encoding them. */
export interface DurableDownlink {
  readonly outbox: DownlinkOutbox;
  /** Largest encoded frame, bytes (config limits.maxFrameBytes). */
  readonly maxFrameBytes: number;
}

/** What the registry needs of a live uplink session. */
export interface SessionHandle {
  readonly sessionId: string;
  /** Encodes and sends one frame unless the socket already holds too many unsent bytes. */
  sendDownlink(env: EnvelopeInit): DownlinkResult;
  /**
   * Hands a stored durable frame to the session's scheduler; false when the session cannot take
   * it. Optional for test doubles: without it a durable send reports `queued`.
   */
  sendStoredDownlink?(frame: StoredDownFrame): boolean;
  close(code: number, reasonCode: string, reason: string): void;
}

interface Entry {
  id: string;
  siteKind: SiteKind | null;
  siteName: string | null;
  session: SessionHandle | null;
  connectedAtMs: number | null;
  lastSeenAtMs: number | null;
  rttMs: number | null;
  clockOffsetMs: number | null;
  framesReceived: number;
  latency: Map<ClassName, LatencyWindow>;
  lastUpdateMono: number;
  updateTimer: NodeJS.Timeout | null;
}

export type GatewayListener = (view: GatewayView) => void;
export type FrameListener = (gatewayId: string, env: DecodedEnvelope) => void;

/** Most gateways tracked; unknown ids cannot get here (Hello is checked first), so this is a backstop. */
const MAX_GATEWAYS = 10_000;

/**
 * Every gateway the hub knows, its current session and its statistics. The seam for everything
 * that talks to gateways: live fan-out listens here, diagnoses and arm commands go out through
 * `sendToGateway`.
 */
export class GatewayRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly gatewayListeners = new Set<GatewayListener>();
  private readonly frameListeners = new Set<FrameListener>();
  private closed = false;
  private readonly downlinkRefused: Counter;

  constructor(
    gatewayIds: readonly string[],
    private readonly metrics: HospitalMetrics,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Least interval between activity updates of one gateway, ms. */
    private readonly updateIntervalMs: number,
    /** Store-and-forward for durable frames; without it durable frames are held in memory by the session only. */
    private readonly durable?: DurableDownlink,
  ) {
    for (const id of gatewayIds) this.entry(id);
    this.downlinkRefused = new Counter({
      name: 'telemed_hub_downlink_refused_total', help: 'Durable downlink frames refused because the gateway\'s downlink outbox was full',
      registers: [metrics.registry],
    });
  }

  private entry(id: string): Entry {
    let e = this.entries.get(id);
    if (e === undefined) {
      if (this.entries.size >= MAX_GATEWAYS) throw new Error('gateway registry full');
      e = { id, siteKind: null, siteName: null, session: null, connectedAtMs: null, lastSeenAtMs: null, rttMs: null, clockOffsetMs: null, framesReceived: 0, latency: new Map(), lastUpdateMono: -Infinity, updateTimer: null };
      this.entries.set(id, e);
    }
    return e;
  }

  private nowMs(): number {
    return this.clock.nowNs() / 1e6;
  }

  onGatewayUpdate(fn: GatewayListener): () => void {
    this.gatewayListeners.add(fn);
    return () => this.gatewayListeners.delete(fn);
  }

  onFrame(fn: FrameListener): () => void {
    this.frameListeners.add(fn);
    return () => this.frameListeners.delete(fn);
  }

  /** Makes `session` the gateway's current one; a previous session is closed 4409. */
  attach(gatewayId: string, session: SessionHandle, site: { siteKind: SiteKind | null; siteName: string | null }): void {
    const e = this.entry(gatewayId);
    const old = e.session;
    e.session = session;
    e.siteKind = site.siteKind;
    e.siteName = site.siteName;
    e.connectedAtMs = this.nowMs();
    e.lastSeenAtMs = e.connectedAtMs;
    if (old !== null) {
      this.log.info({ gatewayId }, 'gateway reconnected; replacing its previous session');
      old.close(CloseCode.REPLACED, HospitalErrorCode.REPLACED, 'replaced by a newer connection');
    } else {
      this.metrics.gatewaysConnected.inc();
    }
    this.publish(e);
  }

  /** Forgets `session` if it is still the current one of the gateway. */
  detach(gatewayId: string, session: SessionHandle): void {
    const e = this.entries.get(gatewayId);
    if (e === undefined || e.session !== session) return;
    e.session = null;
    e.connectedAtMs = null;
    this.metrics.gatewaysConnected.dec();
    this.publish(e);
  }

  isCurrent(gatewayId: string, session: SessionHandle): boolean {
    return this.entries.get(gatewayId)?.session === session;
  }

  updateClock(gatewayId: string, rttMs: number, clockOffsetMs: number): void {
    const e = this.entries.get(gatewayId);
    if (e === undefined) return;
    e.rttMs = rttMs;
    e.clockOffsetMs = clockOffsetMs;
  }

  /** Counts a data frame and its latency (ms, or undefined before the clock is synced). */
  frameReceived(gatewayId: string, trafficClass: number, latencyMs: number | undefined): void {
    const e = this.entries.get(gatewayId);
    if (e === undefined) return;
    e.framesReceived += 1;
    e.lastSeenAtMs = this.nowMs();
    const name = className(trafficClass);
    if (latencyMs !== undefined && name !== 'unspecified') {
      let w = e.latency.get(name);
      if (w === undefined) e.latency.set(name, (w = new LatencyWindow()));
      w.add(latencyMs);
    }
    this.publishThrottled(e);
  }

  /** Hands a received frame (realtime, or durable once stored) to the live fan-out. */
  emitFrame(gatewayId: string, env: DecodedEnvelope): void {
    for (const fn of this.frameListeners) {
      try {
        fn(gatewayId, env);
      } catch (err) {
        this.log.error({ err, gatewayId }, 'frame listener failed');
      }
    }
  }

  /**
   * Sends one frame to a gateway (diagnoses, EcgStatus, arm commands). A durable frame
   * (`header.durable`) gets the next seq of its (gateway, stream), numbered by the hub (a seq in
   * `env` is ignored), and is on disk before this returns; it is resent on every new session until
   * the gateway acks it. Realtime frames go only to a connected gateway. Never queues unboundedly.
   */
  sendToGateway(gatewayId: string, env: EnvelopeInit): DownlinkResult {
    const e = this.entries.get(gatewayId);
    if (env.header?.durable === true && this.durable !== undefined) {
      return e === undefined ? 'not-connected' : this.sendDurable(e, env, this.durable);
    }
    const s = e?.session;
    if (s == null) return 'not-connected';
    return s.sendDownlink(env);
  }

  private sendDurable(e: Entry, env: EnvelopeInit, d: DurableDownlink): DownlinkResult {
    const h = env.header ?? {};
    const streamId = h.streamId ?? '';
    const trafficClass = h.trafficClass ?? 0;
    const res = d.outbox.append(e.id, streamId, trafficClass, (seq) =>
      encodeEnvelope({ ...env, header: { ...h, gatewayId: e.id, seq, durable: true, sendTimeNs: this.clock.nowNs() } }, d.maxFrameBytes));
    if (!res.ok) {
      this.downlinkRefused.inc();
      this.log.error({ gatewayId: e.id, streamId, code: UplinkErrorCode.DOWNLINK_FULL, heldBytes: res.heldBytes, maxBytes: d.outbox.maxBytesPerGateway },
        'durable downlink refused: the gateway\'s downlink outbox is full');
      return 'backpressure';
    }
    return e.session?.sendStoredDownlink?.(res.frame) === true ? 'sent' : 'queued';
  }

  view(gatewayId: string): GatewayView | undefined {
    const e = this.entries.get(gatewayId);
    return e === undefined ? undefined : this.toView(e);
  }

  /** The gateway's site kind from its Hello, without building a view (per-frame callers). */
  siteKindOf(gatewayId: string): SiteKind | null {
    return this.entries.get(gatewayId)?.siteKind ?? null;
  }

  views(): GatewayView[] {
    return [...this.entries.values()].map((e) => this.toView(e));
  }

  connectedCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.session !== null) n += 1;
    return n;
  }

  /** Closes every session (1001) and stops update timers. */
  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) {
      if (e.updateTimer !== null) clearTimeout(e.updateTimer);
      e.updateTimer = null;
      e.session?.close(CloseCode.GOING_AWAY, HospitalErrorCode.SHUTTING_DOWN, 'hub shutting down');
    }
  }

  private toView(e: Entry): GatewayView {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    const latency: Partial<Record<ClassName, LatencySummary>> = {};
    for (const [name, w] of e.latency) latency[name] = w.summary();
    return {
      id: e.id, siteKind: e.siteKind, siteName: e.siteName, connected: e.session !== null,
      connectedAt: iso(e.connectedAtMs), lastSeenAt: iso(e.lastSeenAtMs), rttMs: e.rttMs, clockOffsetMs: e.clockOffsetMs,
      framesReceived: e.framesReceived, latency,
    };
  }

  private publish(e: Entry): void {
    if (e.updateTimer !== null) clearTimeout(e.updateTimer);
    e.updateTimer = null;
    e.lastUpdateMono = this.clock.monoMs();
    if (this.gatewayListeners.size === 0) return;
    const view = this.toView(e);
    for (const fn of this.gatewayListeners) {
      try {
        fn(view);
      } catch (err) {
        this.log.error({ err, gatewayId: e.id }, 'gateway listener failed');
      }
    }
  }

  /** At most one activity update per gateway per interval; the last change is never lost. */
  private publishThrottled(e: Entry): void {
    if (e.updateTimer !== null || this.closed) return;
    const wait = e.lastUpdateMono + this.updateIntervalMs - this.clock.monoMs();
    if (wait <= 0) { this.publish(e); return; }
    e.updateTimer = setTimeout(() => this.publish(e), wait);
    e.updateTimer.unref();
  }
}
