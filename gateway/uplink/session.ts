import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import {
  decodeEnvelope, encodeEnvelope, telemed, isTelemedError,
  type Clock, type DecodedEnvelope, type EnvelopeInit,
} from '../../protocols/index.js';
import type { AckFeedback } from '../../protocols/transport/index.js';
import { DeliveryCount } from '../../protocols/transport/delivery-count.js';
import { className, type ClassName } from '../../protocols/traffic-class.js';
import { nextLinkState, backoffDelayMs, type BackoffPolicy, type LinkEvent, type LinkState } from './link-state.js';
import { decodeBatchedFrame } from '../../protocols/wire/batch.js';
import { ClockFilter } from '../../protocols/clock-filter.js';
import { buildHello, hubRollbacks, type HelloIdentity } from './hello.js';
import { MemoryMarks, adoptDownlinkEpoch, markDelivered, type DownlinkMarks } from './downlink-marks.js';
import { systemTimers, type Timers } from './timers.js';
import { LinkErrorLog, corkUntilNextTick, openHubSocket, type HubTls } from './hub-socket.js';

export const SUBPROTOCOL = 'telemed.v1';
/** Longest delivery feedback waits, ms (SESSION.md: acks at most every 10 ms). */
const RATE_ACK_DELAY_MS = 10;

/** Options of the uplink session. Times in ms. */
export interface SessionOptions extends Omit<HelloIdentity, 'maxFrameBytes'> {
  /** Hub URL, e.g. ws://127.0.0.1:8080/uplink. */
  readonly url: string;
  readonly reconnect: BackoffPolicy;
  /** Ping period (SESSION.md §3), default 1000. */
  readonly pingIntervalMs: number;
  /** Close if no HelloAck arrives within this, default 5000. */
  readonly helloTimeoutMs: number;
  /** Largest frame accepted from the hub, bytes. Default 1 MiB. */
  readonly maxFrameBytes?: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers?: Timers;
  /** [0, 1) source for jitter; Math.random by default. */
  readonly random?: () => number;
  /**
   * Where the per-stream high-water marks of durable downlink frames live (the outbox: persistent
   * with SQLite, so duplicates are dropped even after our restart). Default: in memory.
   */
  readonly downlinkMarks?: DownlinkMarks;
  /** wss:// material (hub-socket.ts loadHubTls); null/absent for ws://. */
  readonly tls?: HubTls | null;
  /** Logs and counts socket errors (TLS ones once per reconnect storm); default: a LinkErrorLog without counting. */
  readonly linkErrors?: LinkErrorLog;
}

export interface SessionEvents {
  /** (next, previous) */
  state: [LinkState, LinkState];
  /** HelloAck accepted: resume durable streams from its acks. */
  ready: [telemed.v1.IHelloAck];
  /** Cumulative acks from the hub. */
  ack: [telemed.v1.IStreamAck[]];
  /** Delivery feedback of an Ack (rate estimation); `bytesReceived` 0 when the hub does not report it. */
  ackFeedback: [AckFeedback];
  /** A message of `bytes` was handed to the socket (data and session frames alike). */
  bytesSent: [number];
  /** A data frame from the hub (durable ones already acked, duplicates filtered). */
  downlink: [DecodedEnvelope];
  /** New clock-sync estimate. */
  rtt: [{ rttMs: number; offsetMs: number }];
  /** A send completed: the writer may continue. */
  writable: [];
  /** A frame from the hub could not be decoded (counted, skipped). */
  decodeError: [string];
  /** One-way latency of a downlink data frame, hub capture to our receipt, clock offset applied (ms). */
  latency: [{ className: ClassName; ms: number }];
}

/**
 * The gateway's WebSocket session to the hub (protocols/SESSION.md). One `state` field moved only
 * by `apply()` through nextLinkState(); everything that touches the network or a timer happens in
 * the handlers around it.
 */
export class UplinkSession extends EventEmitter<SessionEvents> {
  private current: LinkState = 'idle';
  private ws: WebSocket | undefined;
  private attempt = 0;
  private retryTimer: unknown;
  private helloTimer: unknown;
  private pingTimer: unknown;
  private pingId = 0;
  private readonly sync = new ClockFilter();
  private readonly marks: DownlinkMarks;
  /** Bytes taken off this connection's socket and when the last arrived: the hub paces on them. */
  private readonly delivery = new DeliveryCount();
  private rateAckTimer: unknown;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly linkErrors: LinkErrorLog;
  /** Connection attempts after the first. */
  reconnects = 0;
  /** Unix ms when the session last became ready; null when not ready. */
  connectedAt: number | null = null;
  /** Hub frames that failed to decode. */
  decodeErrors = 0;
  /** HelloAcks whose downlink epoch differed from the stored one (hub numbering restarted: marks cleared). */
  downlinkEpochChanges = 0;
  /** Streams found behind what the hub had acked, over all HelloAcks (TM_WARN_HUB_ROLLBACK). */
  hubRollbacks = 0;
  /** Hello.hub_acked of the current connection, kept to compare with its HelloAck. */
  private helloHubAcked: ReadonlyMap<string, number> = new Map();
  /** Largest Batch the hub accepts on this connection, bytes (HelloAck.max_batch_bytes); 0: none. */
  private peerBatchBytes = 0;
  /** Header{gateway_id} of our Batch envelopes, encoded once. */
  readonly batchHeader: Uint8Array;
  /** Decode limits of hub frames, built once (not per message). */
  private readonly limits: { maxFrameBytes: number; maxIdLength: number; maxRepeated: number };

  constructor(private readonly opts: SessionOptions) {
    super();
    this.timers = opts.timers ?? systemTimers;
    this.random = opts.random ?? Math.random;
    this.marks = opts.downlinkMarks ?? new MemoryMarks();
    this.log = opts.logger.child({ component: 'uplink' });
    this.linkErrors = opts.linkErrors ?? new LinkErrorLog(this.log);
    this.batchHeader = telemed.v1.Header.encode({ gatewayId: opts.gatewayId }).finish();
    this.limits = { maxFrameBytes: opts.maxFrameBytes ?? 1024 * 1024, maxIdLength: 128, maxRepeated: 65_536 };
  }

  get state(): LinkState {
    return this.current;
  }
  get rttMs(): number | null {
    return this.sync.rttMs;
  }
  get clockOffsetMs(): number | null {
    return this.sync.offsetMs;
  }
  /**
   * Largest Batch envelope the hub takes on this connection, bytes (SESSION.md §2a); 0 when it
   * announced none (an older hub: one frame per message) or we are not connected.
   */
  get batchLimit(): number {
    return this.current === 'ready' ? this.peerBatchBytes : 0;
  }

  /** Bytes queued in ws and the socket, not yet on the wire. */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** Starts connecting; `signal` aborts the session like close(). */
  start(signal?: AbortSignal): void {
    if (signal?.aborted) {
      this.apply('stop');
      return;
    }
    signal?.addEventListener('abort', () => void this.close('TM_ERR_ABORTED', 'shutdown'), { once: true });
    if (this.apply('start')) this.connect();
  }

  /**
   * Sends one encoded data message (a frame or a Batch of frames); only while ready. Returns false
   * when not sent. `accounted`: bytes of it the caller already reported to its pacer (frame by
   * frame as it took them); the rest (Batch framing) is reported here as `bytesSent`. Messages
   * sent in the same tick leave in one socket write: the TCP socket is corked on the first and
   * uncorked on nextTick, after the writer's loop.
   */
  send(bytes: Uint8Array, accounted = 0): boolean {
    const ws = this.ws;
    if (this.current !== 'ready' || !ws || ws.readyState !== WebSocket.OPEN) return false;
    if (bytes.length > accounted) this.emit('bytesSent', bytes.length - accounted);
    corkUntilNextTick(ws);
    ws.send(bytes, this.onSendDone);
    return true;
  }

  /** One completion handler for every send (no closure per frame). */
  private readonly onSendDone = (err?: Error): void => {
    if (err) this.log.debug({ err: err.message }, 'send failed; the close handler reconnects');
    else this.emit('writable');
  };

  /** Deliberate close: Goodbye, WebSocket close, no reconnect. Resolves when the socket is gone. */
  async close(reasonCode = 'TM_OK_SHUTDOWN', reason = 'gateway shutting down'): Promise<void> {
    if (this.current === 'closed') return;
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) this.sendSession({ goodbye: { reasonCode, reason } });
    this.apply('stop');
    this.clearTimers();
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'shutdown');
    });
  }

  private apply(event: LinkEvent): boolean {
    const prev = this.current;
    const next = nextLinkState(prev, event);
    if (next === undefined) {
      this.log.debug({ state: prev, event }, 'link event ignored');
      return false;
    }
    this.current = next;
    if (next !== prev) {
      if (next === 'ready') this.connectedAt = Date.now();
      else if (prev === 'ready') this.connectedAt = null;
      this.log.info({ from: prev, to: next }, 'link state');
      this.emit('state', next, prev);
    }
    return true;
  }

  private connect(): void {
    // Byte counts are per connection, like the hub's (a new socket starts from 0 on both sides).
    this.delivery.reset();
    this.peerBatchBytes = 0;
    const ws = openHubSocket(this.opts.url, SUBPROTOCOL, { handshakeTimeout: this.opts.helloTimeoutMs, maxPayload: this.opts.maxFrameBytes ?? 1024 * 1024, tls: this.opts.tls ?? null });
    this.ws = ws;
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.onMessage(ws, data, isBinary));
    ws.on('error', (err) => this.linkErrors.report(err));
    ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason));
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws || !this.apply('open')) return;
    const { hello, hubAcked } = buildHello({ ...this.opts, maxFrameBytes: this.opts.maxFrameBytes ?? 1024 * 1024 }, this.marks);
    this.helloHubAcked = hubAcked;
    this.sendSession({ hello });
    this.helloTimer = this.timers.setTimeout(() => {
      if (this.current === 'authenticating' && ws === this.ws) {
        this.log.warn({ timeoutMs: this.opts.helloTimeoutMs }, 'no HelloAck from hub; reconnecting');
        ws.terminate();
      }
    }, this.opts.helloTimeoutMs);
  }

  private onClose(ws: WebSocket, code: number, reason: Buffer): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.clearTimers();
    this.sync.reset();
    if (this.current === 'closed') return;
    // The hub closes 4401 on a bad credential (SESSION.md §1), with or without a HelloAck first.
    const event: LinkEvent = code === 4401 ? 'refused' : 'lost';
    if (!this.apply(event)) this.apply('lost');
    this.log.info({ code, reason: reason.toString('utf8').slice(0, 64) }, 'uplink closed');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const refused = this.current === 'refused';
    const delay = refused
      ? backoffDelayMs(Number.MAX_SAFE_INTEGER, this.opts.reconnect, this.random)
      : backoffDelayMs(this.attempt, this.opts.reconnect, this.random);
    if (!refused) this.attempt += 1;
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.apply('retry')) {
        this.reconnects += 1;
        this.connect();
      }
    }, delay);
  }

  private onMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (ws !== this.ws) return;
    if (!isBinary) {
      this.countDecodeError('text message (SESSION.md: binary only)');
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const rxNs = this.opts.clock.nowNs();
    let env: DecodedEnvelope;
    try {
      env = decodeEnvelope(bytes, this.limits);
    } catch (err) {
      this.received(bytes.length, rxNs);
      this.countDecodeError(isTelemedError(err) ? err.code : String(err));
      return;
    }
    if (this.delivery.counts(env.payload === 'ack')) this.received(bytes.length, rxNs);
    if (env.payload === 'batch') this.onBatch(ws, env.batch?.frames ?? []);
    else this.dispatch(ws, env);
  }

  /** Counts a message into the delivery feedback the hub paces on, and schedules its report. */
  private received(bytes: number, rxNs: number): void {
    this.delivery.add(bytes, rxNs);
    this.armRateAck();
  }

  /** SESSION.md §2a: each inner frame as if it came alone; a bad one is counted and skipped, its siblings still go. */
  private onBatch(ws: WebSocket, frames: readonly Uint8Array[]): void {
    for (const inner of frames) {
      if (ws !== this.ws) return;
      let env: DecodedEnvelope;
      try {
        env = decodeBatchedFrame(inner, this.limits);
      } catch (err) {
        this.countDecodeError(isTelemedError(err) ? err.code : String(err));
        continue;
      }
      this.dispatch(ws, env);
    }
  }

  private countDecodeError(why: string): void {
    this.decodeErrors += 1;
    this.log.info({ why }, 'undecodable frame from hub skipped');
    this.emit('decodeError', why);
  }

  /** One handler per payload kind (STYLE.md). */
  private dispatch(ws: WebSocket, env: DecodedEnvelope): void {
    switch (env.payload) {
      case 'helloAck':
        return this.onHelloAck(ws, env.helloAck ?? {});
      case 'ack':
        this.emit('ackFeedback', {
          bytesReceived: Number(env.ack?.bytesReceived ?? 0),
          receiveTimeNs: Number(env.ack?.receiveTimeNs ?? 0),
          ackSendTimeNs: Number(env.header.sendTimeNs ?? 0),
        });
        this.emit('ack', env.ack?.streams ?? []);
        return;
      case 'ping':
        return this.onPing(env.ping ?? {});
      case 'pong':
        return this.onPong(env.pong ?? {});
      case 'goodbye':
        this.log.info({ reasonCode: env.goodbye?.reasonCode, reason: env.goodbye?.reason }, 'hub said goodbye');
        return;
      case 'hello':
        this.countDecodeError('hello from hub');
        return;
      default:
        return this.onDownlink(env);
    }
  }

  private onHelloAck(ws: WebSocket, ack: telemed.v1.IHelloAck): void {
    if (this.current !== 'authenticating') return;
    this.timers.clearTimeout(this.helloTimer);
    if (!ack.accepted) {
      // Logged without the credential: only the hub's code and reason.
      this.log.warn({ reasonCode: ack.reasonCode, reason: ack.reason }, 'hub refused this gateway');
      this.apply('refused');
      ws.close(1000, 'refused');
      return;
    }
    this.attempt = 0;
    this.peerBatchBytes = ack.maxBatchBytes ?? 0;
    this.delivery.acksUncounted = ack.acksUncounted === true;
    this.adoptDownlinkEpoch(ack.downlinkEpoch ?? '');
    this.checkRollback(ack);
    this.apply('accepted');
    this.linkErrors.connected();
    this.emit('ready', ack);
    this.pingTimer = this.timers.setInterval(() => this.sendPing(), this.opts.pingIntervalMs);
    this.sendPing();
  }

  /**
   * SESSION.md §4: a HelloAck's downlink epoch, adopted before any downlink frame of this session
   * is handled (the hub sends them after the HelloAck, on the same ordered socket).
   */
  private adoptDownlinkEpoch(epoch: string): void {
    const previous = adoptDownlinkEpoch(this.marks, epoch);
    if (previous === undefined) return;
    this.downlinkEpochChanges += 1;
    this.log.warn({ code: 'TM_WARN_DOWNLINK_EPOCH', previous, epoch }, 'hub downlink numbering restarted (new hub database): downlink high-water marks cleared');
  }

  /**
   * The frames between what the hub stores and what it had acked are gone from the hub and we no
   * longer hold them: logged with the range and counted, never silent.
   */
  private checkRollback(ack: telemed.v1.IHelloAck): void {
    for (const r of hubRollbacks(this.helloHubAcked, ack)) {
      this.hubRollbacks += 1;
      this.log.warn({ code: 'TM_WARN_HUB_ROLLBACK', streamId: r.streamId, hubSeq: r.hubSeq, ackedBefore: r.ackedBefore, missing: r.ackedBefore - r.hubSeq, reconciledByHub: r.reconciledByHub },
        'hub lost frames it had acked (restored backup or lost WAL)');
    }
  }

  private sendPing(): void {
    this.pingId = (this.pingId + 1) >>> 0;
    this.sendSession({ ping: { id: this.pingId, t1Ns: this.opts.clock.nowNs() } });
  }

  private onPing(ping: telemed.v1.IPing): void {
    const t2 = this.opts.clock.nowNs();
    this.sendSession({ pong: { id: ping.id ?? 0, t1Ns: ping.t1Ns ?? 0, t2Ns: t2, t3Ns: this.opts.clock.nowNs() } });
  }

  private onPong(pong: telemed.v1.IPong): void {
    this.sync.add(Number(pong.t1Ns ?? 0), Number(pong.t2Ns ?? 0), Number(pong.t3Ns ?? 0), this.opts.clock.nowNs());
    const rttMs = this.sync.rttMs;
    const offsetMs = this.sync.offsetMs;
    if (rttMs !== null && offsetMs !== null) this.emit('rtt', { rttMs, offsetMs });
  }

  /**
   * SESSION.md §4: durable downlink frames are acked like the hub acks ours, duplicates dropped
   * against the persisted high-water mark. Order: deliver, then mark, then ack: a crash between
   * delivery and mark means the hub resends and the frame is delivered again (at least once), the
   * other order could lose a diagnosis. Listeners of 'downlink' run synchronously inside this.
   */
  private onDownlink(env: DecodedEnvelope): void {
    const h = env.header;
    if (h.durable) {
      const high = this.marks.downlinkHigh(h.streamId);
      if (h.seq <= high) {
        this.sendAck([{ streamId: h.streamId, seq: high }]);
        return;
      }
      this.measureLatency(h);
      this.emit('downlink', env);
      const ack = [{ streamId: h.streamId, seq: h.seq }];
      // The ack goes once the mark is on disk, and only on the socket the frame came in on (a
      // later session could reach a hub with another epoch).
      const synced = markDelivered(this.marks, h.streamId, h.seq);
      this.log.info({ streamId: h.streamId, seq: h.seq, payload: env.payload }, 'durable downlink frame delivered');
      // Acked at once rather than batched: downlink volume is a few diagnoses and commands.
      if (synced === undefined) return this.sendAck(ack);
      const ws = this.ws;
      synced.then(
        () => {
          if (this.ws === ws && this.current === 'ready') this.sendAck(ack);
        },
        (err: unknown) => this.log.error({ err, streamId: h.streamId, seq: h.seq }, 'downlink mark not synced; frame left unacked (the hub resends it)'),
      );
      return;
    }
    this.measureLatency(h);
    this.emit('downlink', env);
  }

  /** SESSION.md §3: capture time on the hub's clock, moved to ours with the offset θ (hub − gateway). */
  private measureLatency(h: telemed.v1.Header): void {
    const offsetMs = this.sync.offsetMs;
    const capture = Number(h.captureTimeNs);
    const cls = className(h.trafficClass);
    if (offsetMs === null || !(capture > 0) || cls === 'unspecified') return;
    const ms = Math.max(0, (this.delivery.lastRxNs - capture) / 1e6 + offsetMs);
    this.emit('latency', { className: cls, ms });
  }

  /** Ack with delivery feedback: bytes taken off the socket and when (the hub's pacer runs on these). */
  private sendAck(streams: telemed.v1.IStreamAck[]): void {
    this.sendSession({ ack: { streams, ...this.delivery.report() } });
  }

  /**
   * Realtime downlink frames are not acknowledged per stream, but the hub still needs delivery
   * feedback to pace: at most 10 ms after bytes arrive, an Ack without streams reports them.
   */
  private armRateAck(): void {
    if (this.rateAckTimer !== undefined || this.current !== 'ready') return;
    this.rateAckTimer = this.timers.setTimeout(() => {
      this.rateAckTimer = undefined;
      if (this.current === 'ready' && this.delivery.unreported) this.sendAck([]);
    }, RATE_ACK_DELAY_MS);
  }

  private sendSession(payload: Omit<EnvelopeInit, 'header'>): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    // send_time_ns lets the hub subtract how long we held an Ack from its RTT samples.
    const bytes = encodeEnvelope({ ...payload, header: { gatewayId: this.opts.gatewayId, sendTimeNs: this.opts.clock.nowNs() } });
    // An uncounted Ack takes no part in the hub's bytes_received, so none in our pacer's count.
    if (this.delivery.counts(payload.ack !== undefined)) this.emit('bytesSent', bytes.length);
    ws.send(bytes);
  }

  private clearTimers(): void {
    this.timers.clearTimeout(this.retryTimer);
    this.timers.clearTimeout(this.helloTimer);
    this.timers.clearInterval(this.pingTimer);
    this.timers.clearTimeout(this.rateAckTimer);
    this.retryTimer = this.helloTimer = this.pingTimer = this.rateAckTimer = undefined;
  }
}
