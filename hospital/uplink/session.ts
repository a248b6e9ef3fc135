import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import {
  className, decodeEnvelope, encodeEnvelope, isTelemedError, PROTOCOL_VERSION, telemed,
  type Clock, type DecodedEnvelope, type EnvelopeInit, type HeaderInit, type EnvelopeLimits,
} from '../../protocols/index.js';
import type { HospitalConfig } from '../config.js';
import { CloseCode, HospitalErrorCode } from '../errors.js';
import type { DropReason, HospitalMetrics } from '../metrics.js';
import type { StoredDownFrame } from '../store/downlink-outbox.js';
import type { RecordsStore, RolledBackStream } from '../store/records-store.js';
import type { TimeseriesWriter } from '../timeseries/timeseries.js';
import { AckBatcher, type PendingFrame } from './ack-batcher.js';
import { Downlink } from './downlink.js';
import { ClockFilter } from '../../protocols/clock-filter.js';
import { DeliveryCount } from '../../protocols/transport/delivery-count.js';
import { checkHello } from './hello.js';
import { UplinkErrorCode } from './errors.js';
import { salvageDurableHeader } from './rejected-frame.js';
import type { HelloGate } from './hello-gate.js';
import type { DownlinkResult, GatewayRegistry, SessionHandle } from './registry.js';

/** Explicit session states (STYLE.md): one field, one transition table. */
export type SessionState = 'awaiting-hello' | 'authenticating' | 'ready' | 'closing' | 'closed';
type SessionEvent = 'hello' | 'accepted' | 'close' | 'socket-closed';

const TRANSITIONS: Readonly<Record<SessionState, Partial<Record<SessionEvent, SessionState>>>> = {
  'awaiting-hello': { hello: 'authenticating', close: 'closing', 'socket-closed': 'closed' },
  authenticating: { accepted: 'ready', close: 'closing', 'socket-closed': 'closed' },
  ready: { close: 'closing', 'socket-closed': 'closed' },
  closing: { 'socket-closed': 'closed' },
  closed: {},
};

/** Everything a session needs from the hub. */
export interface UplinkContext {
  readonly config: HospitalConfig;
  readonly store: RecordsStore;
  readonly registry: GatewayRegistry;
  readonly metrics: HospitalMetrics;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timeseries: TimeseriesWriter;
  readonly dummyHash: string;
  /** Bounds concurrent credential checks (hello-gate.ts); none in unit tests. */
  readonly helloGate?: HelloGate;
  /** The gateway id of this connection's verified client certificate (peer-cert.ts); null or absent: none. */
  readonly peerGatewayId?: string | null;
}

/** Ping ids remembered for matching Pongs. */
const MAX_PENDING_PINGS = 8;

/** One gateway WebSocket on /uplink (protocols/SESSION.md). */
export class UplinkSession implements SessionHandle {
  readonly sessionId = randomUUID();
  private state: SessionState = 'awaiting-hello';
  private gatewayId: string | null = null;
  private log: Logger;
  private readonly limits: EnvelopeLimits;
  private readonly clockSync = new ClockFilter();
  private readonly pings = new Map<number, number>();
  private readonly badFrames: number[] = [];
  private readonly batcher: AckBatcher;
  /** Bytes taken off this socket and when the last arrived: the gateway's pacer runs on them. */
  private readonly delivery = new DeliveryCount();
  private rateAckTimer: NodeJS.Timeout | null = null;
  /** Scheduler + pacer toward the gateway; exists while ready. */
  private downlink: Downlink | null = null;
  private nextPingId = 1;
  private helloTimer: NodeJS.Timeout | null;
  private pingTimer: NodeJS.Timeout | null = null;
  private resolveFinished!: () => void;
  /** Resolves once the socket is closed and every received durable frame has been stored. */
  readonly finished = new Promise<void>((resolve) => { this.resolveFinished = resolve; });

  constructor(private readonly ws: WebSocket, private readonly ctx: UplinkContext) {
    this.log = ctx.log.child({ sessionId: this.sessionId });
    this.limits = ctx.config.limits;
    const up = ctx.config.uplink;
    this.batcher = new AckBatcher({
      delayMs: up.ackDelayMs, maxFrames: up.ackMaxFrames, maxPending: up.maxPendingFrames,
      store: (records) => ctx.store.storeFrames(records),
      onStored: (batch, result) => this.afterStore(batch, result.outcomes, result.acks),
      onError: (err) => {
        this.log.error({ err }, 'storing frames failed; closing so the gateway resends');
        this.close(1011, HospitalErrorCode.STORE, 'hub could not store frames');
      },
      onPressure: (paused) => (paused ? ws.pause() : ws.resume()),
    });
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => this.onSocketClosed());
    ws.on('error', (err) => this.log.info({ err }, 'uplink socket error'));
    this.helloTimer = setTimeout(() => {
      this.log.info('no Hello in time');
      this.close(CloseCode.HELLO_TIMEOUT, HospitalErrorCode.HELLO_TIMEOUT, 'no Hello within the timeout');
    }, up.helloTimeoutMs);
  }

  get currentState(): SessionState {
    return this.state;
  }

  private transition(ev: SessionEvent): boolean {
    const next = TRANSITIONS[this.state][ev];
    if (next === undefined) return false;
    this.state = next;
    return true;
  }

  private send(env: EnvelopeInit): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const bytes = encodeEnvelope(env, this.limits.maxFrameBytes);
    // The gateway's bytes_received counts every message (but uncounted Acks); the pacer must too.
    if (this.delivery.counts(env.ack !== undefined)) this.downlink?.onSessionBytes(bytes.length);
    this.ws.send(bytes);
  }

  private header(): HeaderInit {
    return { gatewayId: this.gatewayId ?? '', sendTimeNs: this.ctx.clock.nowNs() };
  }

  sendDownlink(env: EnvelopeInit): DownlinkResult {
    if (this.state !== 'ready' || this.ws.readyState !== this.ws.OPEN || this.downlink === null) return 'not-connected';
    return this.downlink.send({ ...env, header: { ...env.header, gatewayId: this.gatewayId ?? '' } });
  }

  sendStoredDownlink(f: StoredDownFrame): boolean {
    if (this.state !== 'ready' || this.ws.readyState !== this.ws.OPEN || this.downlink === null) return false;
    this.downlink.sendStored(f);
    return true;
  }

  close(code: number, reasonCode: string, reason: string): void {
    if (!this.transition('close')) return;
    this.stopTimers();
    this.send({ header: this.header(), goodbye: { reasonCode, reason } });
    this.ws.close(code, reasonCode);
    // A peer that never completes the close handshake must not hold the socket.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  private stopTimers(): void {
    if (this.helloTimer !== null) clearTimeout(this.helloTimer);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.rateAckTimer !== null) clearTimeout(this.rateAckTimer);
    this.helloTimer = null;
    this.pingTimer = null;
    this.rateAckTimer = null;
  }

  private onSocketClosed(): void {
    if (!this.transition('socket-closed')) return;
    this.stopTimers();
    // Frames already received are stored even though their ack can no longer be sent: the
    // gateway resends them and they are then counted as duplicates and acked.
    this.batcher.close()
      .catch((err: unknown) => this.log.error({ err }, 'final store failed'))
      .finally(() => this.resolveFinished());
    const unacked = this.downlink?.close() ?? [];
    this.downlink = null;
    // They stay in the downlink outbox and go again on the next session.
    if (unacked.length > 0) this.log.info({ unacked: unacked.length }, 'durable downlink frames not acked by the gateway before the session ended');
    if (this.gatewayId !== null) this.ctx.registry.detach(this.gatewayId, this);
    this.log.info('uplink closed');
  }

  private bad(reason: DropReason, cls: string, err?: unknown): void {
    this.ctx.metrics.framesDropped.inc({ class: cls, reason });
    this.log.info({ reason, code: isTelemedError(err) ? err.code : undefined }, 'bad uplink frame skipped');
    const now = this.ctx.clock.monoMs();
    const { badFrameLimit, badFrameWindowMs } = this.ctx.config.uplink;
    this.badFrames.push(now);
    while ((this.badFrames[0] ?? now) < now - badFrameWindowMs) this.badFrames.shift();
    if (this.badFrames.length > badFrameLimit) {
      this.close(CloseCode.PROTOCOL, HospitalErrorCode.TOO_MANY_BAD_FRAMES, `more than ${badFrameLimit} bad frames in ${badFrameWindowMs} ms`);
    }
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const t = this.ctx.clock.nowNs();
    if (this.state === 'closing' || this.state === 'closed') return;
    // binaryType 'nodebuffer': one Buffer per message (an array only if fragmented); no copy.
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!isBinary) { this.received(bytes.length, t); this.bad('text', 'unspecified'); return; }
    let env: DecodedEnvelope;
    try {
      env = decodeEnvelope(bytes, this.limits);
    } catch (err) {
      this.received(bytes.length, t);
      if (!this.keepRejected(bytes, err, t)) this.bad('decode', 'unspecified', err);
      return;
    }
    if (this.delivery.counts(env.payload === 'ack')) this.received(bytes.length, t);
    // A Batch is only valid after the Hello (awaiting-hello refuses it like any non-Hello).
    if (env.payload === 'batch' && this.state !== 'awaiting-hello') this.onBatch(env.batch?.frames ?? [], t);
    else this.onEnvelope(bytes, env, t);
  }

  /** Counts a message into the delivery feedback the gateway paces on, and schedules its report. */
  private received(bytes: number, t: number): void {
    this.delivery.add(bytes, t);
    this.armRateAck();
  }

  /**
   * SESSION.md §2a: every inner frame of a Batch is handled exactly as if it had come alone (dedup,
   * store, ack, fan-out); one that does not decode is counted (`decode`) and skipped without
   * losing its siblings, and one that is itself a Batch is refused in onFrame (`unknown-payload`).
   */
  private onBatch(frames: readonly Uint8Array[], t: number): void {
    for (const inner of frames) {
      if (this.state === 'closing' || this.state === 'closed') return;
      let env: DecodedEnvelope;
      try {
        env = decodeEnvelope(inner, this.limits);
      } catch (err) {
        if (!this.keepRejected(inner, err, t)) this.bad('decode', 'unspecified', err);
        continue;
      }
      this.onEnvelope(inner, env, t);
    }
  }

  private onEnvelope(bytes: Uint8Array, env: DecodedEnvelope, t: number): void {
    switch (this.state) {
      case 'awaiting-hello': this.onHello(env); return;
      case 'authenticating':
        // Nothing is buffered for an unauthenticated peer (issue 12, item 12): the socket is
        // paused during the check, and a frame that was already read is a protocol error.
        this.refuse(CloseCode.PROTOCOL, HospitalErrorCode.HELLO_REQUIRED, 'nothing may follow the Hello before the HelloAck');
        return;
      case 'ready': this.onFrame(bytes, env, t); return;
      default: return;
    }
  }

  private refuse(code: number, reasonCode: string, reason: string): void {
    this.send({ header: this.header(), helloAck: { accepted: false, reasonCode, reason, protocolVersion: PROTOCOL_VERSION } });
    this.close(code, reasonCode, reason);
    // An unauthenticated peer gets nothing more read from it (no frames parsed while it is cut off).
    this.ws.pause();
  }

  private onHello(env: DecodedEnvelope): void {
    this.transition('hello');
    if (this.helloTimer !== null) clearTimeout(this.helloTimer);
    this.helloTimer = null;
    // Read nothing more until the credential is checked: TCP holds the peer back, not our heap.
    this.ws.pause();
    checkHello(env, this.ctx.config, this.ctx.dummyHash, this.ctx.helloGate, this.ctx.peerGatewayId ?? null).then(async (verdict) => {
      this.ws.resume();
      if (this.state !== 'authenticating') return;
      if (!verdict.ok) {
        if (verdict.reasonCode === HospitalErrorCode.AUTH_FAILED) this.ctx.metrics.gatewayAuthFailures.inc();
        if (verdict.reasonCode === UplinkErrorCode.CLIENT_CERT_MISMATCH) this.ctx.metrics.uplinkRefused.inc({ reason: verdict.reasonCode });
        this.log.info({ gatewayId: verdict.gatewayId, reasonCode: verdict.reasonCode, certGatewayId: this.ctx.peerGatewayId ?? null }, 'gateway Hello refused');
        this.refuse(verdict.closeCode, verdict.reasonCode, verdict.reason);
        return;
      }
      const rolledBack = await this.reconcile(verdict.gatewayId, env.hello);
      const acks = await this.ctx.store.streamAcks(verdict.gatewayId);
      if (this.state !== 'authenticating' || !this.transition('accepted')) return;
      this.gatewayId = verdict.gatewayId;
      this.downlink = new Downlink({
        socket: this.ws, clock: this.ctx.clock, maxFrameBytes: this.limits.maxFrameBytes,
        maxHeldBytes: this.ctx.config.uplink.maxBufferedBytes, maxQueuedFrames: 256, mode: this.ctx.config.uplink.downlinkMode,
        onDrop: (f, reason) => this.log.debug({ class: f.className, reason }, 'downlink frame dropped'),
      });
      this.log = this.log.child({ gatewayId: verdict.gatewayId });
      this.ctx.registry.attach(verdict.gatewayId, this, verdict.site);
      const acksUncounted = env.hello?.acksUncounted === true;
      this.send({
        header: this.header(),
        helloAck: {
          accepted: true, sessionId: this.sessionId, hubTimeNs: this.ctx.clock.nowNs(), protocolVersion: PROTOCOL_VERSION,
          // We unpack Batches up to our frame limit (SESSION.md §2a).
          maxBatchBytes: this.limits.maxFrameBytes,
          // Our downlink numbering's epoch: a new one tells the gateway to forget its marks (§4).
          downlinkEpoch: this.ctx.store.downlink.epoch,
          streams: [...acks].map(([streamId, seq]) => ({ streamId, seq })),
          rolledBack: rolledBack.map((r) => ({ streamId: r.streamId, seq: r.hubSeq })),
          // Ack-only messages leave the byte accounting when the gateway asked (SESSION.md §2b).
          ...(acksUncounted ? { acksUncounted } : {}),
        },
      });
      // From the message after the HelloAck on: the gateway reads it before any Ack of ours.
      this.delivery.acksUncounted = acksUncounted;
      // Durable downlink frames still unacked (queued while offline, or sent before a hub restart
      // or a broken connection) go first; the gateway drops any it already has by seq.
      const pending = this.ctx.store.downlink.pending(verdict.gatewayId);
      for (const f of pending) this.downlink.sendStored(f);
      this.log.info({ streams: acks.size, downlinkPending: pending.length }, 'gateway connected');
      this.ping();
      this.pingTimer = setInterval(() => this.ping(), this.ctx.config.uplink.pingIntervalMs);
      this.pingTimer.unref();
    }).catch((err: unknown) => {
      this.log.error({ err }, 'Hello handling failed');
      this.close(1011, HospitalErrorCode.STORE, 'hub failed while accepting the Hello');
    });
  }

  /**
   * Issue 12 item 2: the gateway's Hello says what we had acked and delivered. Uplink streams we
   * are behind on are recorded as gaps and moved on (the store); a downlink stream whose mark is
   * past what this database ever numbered (same epoch: a restored backup keeps it) means our
   * numbering went backwards, so the epoch changes before the HelloAck carries it: the gateway
   * clears its marks and the renumbered frames are delivered, not dropped as duplicates.
   */
  private async reconcile(gatewayId: string, hello: telemed.v1.IHello | null | undefined): Promise<readonly RolledBackStream[]> {
    const hubAcked = new Map((hello?.hubAcked ?? []).map((s) => [s.streamId ?? '', Number(s.seq ?? 0)] as const));
    const retained = new Map((hello?.hubRetained ?? []).map((s) => [s.streamId ?? '', Number(s.seq ?? 0)] as const));
    const rolledBack = hubAcked.size === 0 ? [] : await this.ctx.store.reconcileAcks(gatewayId, hubAcked, Math.round(this.ctx.clock.nowNs() / 1e6), retained);
    for (const r of rolledBack) {
      this.ctx.metrics.hubRollbacks.inc({ direction: 'uplink' });
      const fields = { code: HospitalErrorCode.HUB_ROLLBACK, gatewayId, streamId: r.streamId, hubSeq: r.hubSeq, gatewaySeq: r.gatewaySeq, missing: r.gatewaySeq - r.hubSeq, gap: r.gapTo - r.hubSeq };
      if (r.gapTo === r.hubSeq) this.log.warn(fields, 'hub store is behind what this gateway was acked (restored backup or lost WAL): the gateway resends from its retained frames, no gap');
      else this.log.warn(fields, 'hub store is behind what this gateway was acked (restored backup or lost WAL): what the gateway no longer holds recorded as a gap, the rest resent');
    }
    const downlink = this.ctx.store.downlink;
    if ((hello?.downlinkEpoch ?? '') === downlink.epoch) {
      const behind = (hello?.downlinkMarks ?? []).filter((m) => Number(m.seq ?? 0) > downlink.lastSeq(gatewayId, m.streamId ?? ''));
      if (behind.length > 0) {
        const old = downlink.epoch;
        downlink.rotateEpoch();
        await this.ctx.store.durable();
        this.ctx.metrics.hubRollbacks.inc({ direction: 'downlink' }, behind.length);
        this.log.warn({ code: HospitalErrorCode.HUB_ROLLBACK, gatewayId, streams: behind.map((m) => m.streamId), oldEpoch: old, newEpoch: downlink.epoch },
          'gateway holds downlink marks past our numbering: new downlink epoch');
      }
    }
    return rolledBack;
  }

  private ping(): void {
    const id = this.nextPingId++;
    const t1 = this.ctx.clock.nowNs();
    this.pings.set(id, t1);
    if (this.pings.size > MAX_PENDING_PINGS) this.pings.delete(this.pings.keys().next().value as number);
    this.send({ header: this.header(), ping: { id, t1Ns: t1 } });
  }

  private onFrame(bytes: Uint8Array, env: DecodedEnvelope, t: number): void {
    switch (env.payload) {
      case 'ping': {
        const p = env.ping;
        this.send({ header: this.header(), pong: { id: p?.id ?? 0, t1Ns: Number(p?.t1Ns ?? 0), t2Ns: t, t3Ns: this.ctx.clock.nowNs() } });
        return;
      }
      case 'pong': this.onPong(env.pong, t); return;
      case 'goodbye':
        this.log.info({ reasonCode: env.goodbye?.reasonCode }, 'gateway said goodbye');
        this.close(CloseCode.NORMAL, 'TM_GOODBYE', 'goodbye');
        return;
      case 'ack':
        this.onGatewayAck(env.ack ?? {}, Number(env.header.sendTimeNs ?? 0));
        return;
      case 'hello':
      case 'helloAck':
      case 'batch':
        this.bad('unknown-payload', 'unspecified');
        return;
      default: this.onData(bytes, env, t);
    }
  }

  /** Pacer feedback, then the acked durable downlink frames leave the outbox for good. */
  private onGatewayAck(ack: telemed.v1.IAck, sendTimeNs: number): void {
    this.downlink?.onAck(ack, sendTimeNs);
    const gatewayId = this.gatewayId;
    if (gatewayId === null) return;
    try {
      for (const s of ack.streams ?? []) this.ctx.store.downlink.ack(gatewayId, s.streamId ?? '', Number(s.seq ?? 0));
    } catch (err) {
      // Not fatal: the frames stay stored, go again next session and the gateway drops them by seq.
      this.log.error({ err }, 'deleting acked downlink frames failed');
    }
  }

  private onPong(p: telemed.v1.IPong | null | undefined, t4: number): void {
    const t1 = this.pings.get(p?.id ?? -1);
    if (p == null || t1 === undefined || this.gatewayId === null) return;
    this.pings.delete(p.id ?? -1);
    this.clockSync.add(t1, Number(p.t2Ns ?? 0), Number(p.t3Ns ?? 0), t4);
    const best = this.clockSync.best();
    if (best !== undefined) this.ctx.registry.updateClock(this.gatewayId, best.delayNs / 1e6, best.offsetNs / 1e6);
  }

  /**
   * prom-client children per class, looked up once: `inc({ class })` hashes its label object on
   * every call, a measurable share of the hub's per-frame cost at tens of thousands of frames/s.
   */
  private readonly perClass = new Map<string, { frames: { inc(): void }; latency: { observe(v: number): void } }>();

  private classMetrics(cls: string): { frames: { inc(): void }; latency: { observe(v: number): void } } {
    let m = this.perClass.get(cls);
    if (m === undefined) {
      m = { frames: this.ctx.metrics.frames.labels({ class: cls }), latency: this.ctx.metrics.frameLatency.labels({ class: cls }) };
      this.perClass.set(cls, m);
    }
    return m;
  }

  private onData(bytes: Uint8Array, env: DecodedEnvelope, t: number): void {
    const gatewayId = this.gatewayId ?? '';
    const h = env.header;
    const cls = className(h.trafficClass);
    if (h.gatewayId !== '' && h.gatewayId !== gatewayId) { this.bad('gateway-mismatch', cls); return; }
    this.classMetrics(cls).frames.inc();
    const capture = Number(h.captureTimeNs);
    const captureLocal = capture > 0 ? this.clockSync.toLocalNs(capture) : undefined;
    // Before the first Pong there is no offset; a latency without one would be a guess.
    let latencyMs: number | undefined;
    if (captureLocal !== undefined) {
      latencyMs = Math.max(0, (t - captureLocal) / 1e6);
      this.classMetrics(cls).latency.observe(latencyMs / 1000);
    }
    this.ctx.registry.frameReceived(gatewayId, h.trafficClass, latencyMs);
    if (!h.durable) { this.ctx.registry.emitFrame(gatewayId, env); return; }
    this.batcher.add({
      env,
      record: {
        gatewayId, streamId: h.streamId, seq: Number(h.seq), trafficClass: h.trafficClass,
        captureTimeNs: capture, receivedAtNs: t, payloadKind: env.payload, raw: bytes,
      },
    });
  }

  /**
   * A durable frame that failed validation but whose header is sound (rejected-frame.ts) is stored
   * as rejected, with the wire error's code, and acked like any other: one bad frame never blocks
   * its stream, and nothing is lost silently (raw bytes kept, logged and counted with the code).
   */
  private keepRejected(bytes: Uint8Array, err: unknown, t: number): boolean {
    if (this.state !== 'ready' || this.gatewayId === null) return false;
    const h = salvageDurableHeader(bytes, this.limits, this.gatewayId);
    if (h === null) return false;
    const code = isTelemedError(err) ? err.code : 'TM_ERR_ENVELOPE';
    this.ctx.metrics.framesRejected.inc({ code });
    this.log.warn({ code: HospitalErrorCode.FRAME_REJECTED, wireCode: code, streamId: h.streamId, seq: h.seq }, 'durable frame breaks the wire limits: stored as rejected and acked');
    this.batcher.add({
      env: null,
      record: {
        gatewayId: this.gatewayId, streamId: h.streamId, seq: h.seq, trafficClass: h.trafficClass,
        captureTimeNs: h.captureTimeNs, receivedAtNs: t, payloadKind: 'rejected', raw: bytes, rejectCode: code,
      },
    });
    return true;
  }

  private afterStore(batch: readonly PendingFrame[], outcomes: readonly string[], acks: ReadonlyMap<string, number>): void {
    batch.forEach((f, i) => {
      if (outcomes[i] === 'duplicate') { this.ctx.metrics.framesDuplicate.inc({ class: className(f.record.trafficClass) }); return; }
      if (f.env === null) return; // kept as rejected: stored and acked, nothing to fan out
      this.ctx.registry.emitFrame(f.record.gatewayId, f.env);
      if (f.env.payload === 'vitals') this.ctx.timeseries.writeVitals(f.record.gatewayId, f.env);
    });
    this.sendAck([...acks].map(([streamId, seq]) => ({ streamId, seq })));
  }

  /**
   * Every Ack carries delivery feedback for the gateway's pacer: the bytes taken off this socket and
   * when the last of them arrived (SESSION.md §2), plus our send time so it can subtract the hold.
   */
  private sendAck(streams: telemed.v1.IStreamAck[]): void {
    this.send({ header: this.header(), ack: { streams, ...this.delivery.report() } });
  }

  /** Realtime frames are not acked per stream, but the gateway still needs feedback to pace: an Ack without streams within ackDelayMs. */
  private armRateAck(): void {
    if (this.rateAckTimer !== null || this.state !== 'ready') return;
    this.rateAckTimer = setTimeout(() => {
      this.rateAckTimer = null;
      if (this.state === 'ready' && this.delivery.unreported) this.sendAck([]);
    }, this.ctx.config.uplink.ackDelayMs);
    this.rateAckTimer.unref();
  }
}
