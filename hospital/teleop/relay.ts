import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { Clock, DecodedEnvelope } from '../../protocols/index.js';
import type { ImageMeta } from '../video/index.js';
import type { Accessor } from '../auth/access.js';
import { CloseCode, HospitalErrorCode } from '../errors.js';
import { TeleopErrorCode } from './errors.js';
import type { DownlinkSend, Lease, LeaseBook } from './lease-book.js';
import { leaseView } from './lease-book.js';
import { armCommandEnvelope, checkClientMessage, imageMessage, MAX_CLIENT_MESSAGE_BYTES, telemetryMessage, type TeleopClientMessage } from './messages.js';

/** What the relay needs of a browser socket (a `ws` WebSocket fits; unit tests pass a fake). */
export type TeleopSocket = Pick<WebSocket, 'bufferedAmount' | 'readyState' | 'OPEN' | 'send' | 'close' | 'terminate'>;

export interface TeleopRelayOptions {
  readonly book: LeaseBook;
  readonly send: DownlinkSend;
  readonly clock: Clock;
  readonly log: Logger;
  /** Counts a refusal by code (telemed_teleop_refused_total). */
  readonly refused: (code: string) => void;
  /** Counts relayed commands, telemetry sent and telemetry replaced by a newer sample. */
  readonly counted: (what: 'command' | 'telemetry' | 'replaced' | 'image' | 'image-replaced') => void;
  /**
   * Above this many bytes waiting in a socket, telemetry is not queued behind them: the newest
   * sample waits (one per socket, a newer one replaces it) until the socket drains. Default 64 KiB.
   */
  readonly maxBufferedBytes?: number;
  /** Messages a socket may send per second before they are dropped (RATE_LIMITED). Default 200. */
  readonly maxMessagesPerSecond?: number;
}

interface Pending { readonly seq: number | undefined; readonly sentAtMs: number | undefined; readonly atMono: number }

interface Client {
  readonly user: Accessor;
  readonly tokenHash: string;
  /** The lease this socket last commanded under; telemetry of that lease's arm comes here. */
  leaseId: string | null;
  /** Newest telemetry not yet written because the socket was behind (newest wins). */
  waiting: string | null;
  /** Newest ultrasound image (binary message) not yet written; its own slot, a newer image replaces it. */
  waitingImage: Buffer | null;
  flushTimer: NodeJS.Timeout | null;
  /** Commands relayed and not yet echoed by telemetry, by command id (oldest first, bounded). */
  readonly pending: Map<number, Pending>;
  rttMs: number | null;
  windowStartMono: number;
  windowCount: number;
}

/** Commands awaiting their telemetry echo per socket; older ones are forgotten. */
const MAX_PENDING = 64;
/** A socket behind on telemetry is looked at again this often, ms (ws has no drain event for bufferedAmount). */
const FLUSH_POLL_MS = 5;
const CLOSE_GRACE_MS = 5000;
/** A socket holding this many times `maxBufferedBytes` unsent is closed 4429. */
const HARD_BOUND_FACTOR = 16;

/**
 * The /teleop sockets: browser commands under the person's own lease, stamped and relayed as
 * ArmCommand CONTROL frames; ArmTelemetry of the leased arm back, newest wins; the round trip of
 * each command (hub arrival → the telemetry sample whose last_command_id reaches it) reported.
 * A refused message answers `{type:"error", code}` and the socket carries on.
 */
export class TeleopRelay {
  private readonly clients = new Map<TeleopSocket, Client>();
  private readonly maxBuffered: number;
  private readonly maxRate: number;

  constructor(private readonly o: TeleopRelayOptions) {
    this.maxBuffered = o.maxBufferedBytes ?? 64 * 1024;
    this.maxRate = o.maxMessagesPerSecond ?? 200;
  }

  get size(): number {
    return this.clients.size;
  }

  add(ws: TeleopSocket, user: Accessor, tokenHash: string): void {
    const own = this.o.book.active().filter((l) => l.holder === user.username);
    // A person holding exactly one lease watches its arm at once (telemetry before the first command).
    const leaseId = own.length === 1 ? own[0]?.id ?? null : null;
    this.clients.set(ws, { user, tokenHash, leaseId, waiting: null, waitingImage: null, flushTimer: null, pending: new Map(), rttMs: null, windowStartMono: this.o.clock.monoMs(), windowCount: 0 });
    this.write(ws, JSON.stringify({ type: 'hello', username: user.username, leases: own.map(leaseView) }));
  }

  remove(ws: TeleopSocket): void {
    const c = this.clients.get(ws);
    if (c?.flushTimer != null) clearTimeout(c.flushTimer);
    this.clients.delete(ws);
  }

  /** One text frame from a browser. */
  onMessage(ws: TeleopSocket, data: Buffer | string): void {
    const c = this.clients.get(ws);
    if (c === undefined) return;
    const now = this.o.clock.monoMs();
    if (now - c.windowStartMono >= 1000) { c.windowStartMono = now; c.windowCount = 0; }
    c.windowCount += 1;
    if (c.windowCount > this.maxRate) {
      // One error per window, not one per dropped message.
      if (c.windowCount === this.maxRate + 1) this.refuse(ws, c, TeleopErrorCode.RATE_LIMITED, `more than ${this.maxRate} messages per second`, undefined);
      else this.o.refused(TeleopErrorCode.RATE_LIMITED);
      return;
    }
    const text = typeof data === 'string' ? data : data.toString('utf8');
    let msg: unknown;
    try {
      if (Buffer.byteLength(text) > MAX_CLIENT_MESSAGE_BYTES) throw new Error('too large');
      msg = JSON.parse(text);
    } catch {
      this.refuse(ws, c, TeleopErrorCode.BAD_MESSAGE, 'not a JSON message', undefined);
      return;
    }
    if (!checkClientMessage.Check(msg)) {
      const first = checkClientMessage.Errors(msg).First();
      this.refuse(ws, c, TeleopErrorCode.BAD_MESSAGE, `bad message${first ? `: ${first.path} ${first.message}` : ''}`, seqOf(msg));
      return;
    }
    if (msg.type === 'ping') {
      this.write(ws, JSON.stringify({ type: 'pong', seq: msg.seq ?? null, sentAtMs: msg.sentAtMs ?? null, rttMs: c.rttMs }));
      return;
    }
    this.command(ws, c, msg);
  }

  private command(ws: TeleopSocket, c: Client, msg: Exclude<TeleopClientMessage, { type: 'ping' }>): void {
    const lease = this.o.book.get(msg.leaseId);
    // Another person's lease is refused exactly like an unknown one.
    if (lease === undefined || lease.holder !== c.user.username) {
      this.refuse(ws, c, TeleopErrorCode.NO_LEASE, 'no lease of yours with that id', msg.seq);
      return;
    }
    if (lease.state !== 'active') {
      this.refuse(ws, c, TeleopErrorCode.LEASE_ENDED, `lease ${lease.state}`, msg.seq);
      return;
    }
    if ((msg.gatewayId !== undefined && msg.gatewayId !== lease.gatewayId) || (msg.armId !== undefined && msg.armId !== lease.armId)) {
      this.refuse(ws, c, TeleopErrorCode.WRONG_ARM, 'the lease is for another arm', msg.seq);
      return;
    }
    const commandId = this.o.book.nextCommandId(lease);
    const res = this.o.send(lease.gatewayId, armCommandEnvelope(lease, msg, commandId, this.o.clock.nowNs()));
    if (res !== 'sent') {
      this.refuse(ws, c, res === 'not-connected' ? TeleopErrorCode.GATEWAY_OFFLINE : TeleopErrorCode.DOWNLINK_BUSY, `downlink: ${res}`, msg.seq);
      return;
    }
    this.o.counted('command');
    if (c.leaseId !== lease.id) { c.leaseId = lease.id; c.pending.clear(); }
    c.pending.set(commandId, { seq: msg.seq, sentAtMs: msg.sentAtMs, atMono: this.o.clock.monoMs() });
    if (c.pending.size > MAX_PENDING) c.pending.delete(c.pending.keys().next().value as number);
  }

  /** ArmTelemetry from a gateway: to the sockets driving that arm's current lease. */
  onTelemetry(gatewayId: string, env: DecodedEnvelope): void {
    const t = env.armTelemetry;
    if (t == null || this.clients.size === 0) return;
    const lease = this.o.book.current(gatewayId, t.armId ?? '');
    if (lease === undefined) return;
    const echoed = Number(t.lastCommandId ?? 0);
    const now = this.o.clock.monoMs();
    for (const [ws, c] of this.clients) {
      if (c.leaseId !== lease.id) continue;
      this.echo(ws, c, echoed, now);
      const text = JSON.stringify(telemetryMessage(gatewayId, t, Number(env.header.captureTimeNs ?? 0), c.rttMs));
      this.offerTelemetry(ws, c, text);
    }
  }

  /**
   * A reassembled ultrasound image (hospital/video ImageAssembler): to the sockets watching or
   * driving that arm's current lease only (the same scoping as telemetry: a lease is granted only
   * to a specialist of the gateway's site), as one binary message (messages.ts imageMessage).
   * Newest wins per socket: behind the bound one image waits, a newer one replaces it.
   */
  onImage(gatewayId: string, armId: string, jpeg: Uint8Array, meta: ImageMeta): void {
    if (this.clients.size === 0) return;
    const lease = this.o.book.current(gatewayId, armId);
    if (lease === undefined) return;
    let msg: Buffer | null = null;
    for (const [ws, c] of this.clients) {
      if (c.leaseId !== lease.id) continue;
      msg ??= imageMessage(gatewayId, armId, lease.id, jpeg, meta);
      if (c.waitingImage === null && c.waiting === null && ws.bufferedAmount <= this.maxBuffered) {
        this.write(ws, msg);
        this.o.counted('image');
        continue;
      }
      if (c.waitingImage !== null) this.o.counted('image-replaced');
      c.waitingImage = msg;
      c.flushTimer ??= setTimeout(() => this.flush(ws, c), FLUSH_POLL_MS);
    }
  }

  /** Tells the lease's sockets it ended (released, handed over, expired, revoked). */
  onLeaseEnded(lease: Lease): void {
    for (const [ws, c] of this.clients) {
      if (c.leaseId !== lease.id && c.user.username !== lease.holder) continue;
      if (c.leaseId === lease.id) { c.leaseId = null; c.pending.clear(); c.waiting = null; c.waitingImage = null; }
      this.write(ws, JSON.stringify({ type: 'lease', lease: leaseView(lease) }));
    }
  }

  /** Tells a person's sockets about a lease granted to them (asked for, or handed over); idle ones watch its arm. */
  onLeaseGranted(lease: Lease): void {
    for (const [ws, c] of this.clients) {
      if (c.user.username !== lease.holder) continue;
      if (c.leaseId === null || this.o.book.get(c.leaseId)?.state !== 'active') c.leaseId = lease.id;
      this.write(ws, JSON.stringify({ type: 'lease', lease: leaseView(lease) }));
    }
  }

  /** Closes a session's sockets (logout, expiry, revocation): 4403 TM_ERR_SESSION_ENDED. */
  endSession(tokenHash: string): number {
    let n = 0;
    for (const [ws, c] of this.clients) {
      if (c.tokenHash !== tokenHash) continue;
      this.remove(ws);
      ws.close(CloseCode.SESSION_ENDED, HospitalErrorCode.SESSION_ENDED);
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      n += 1;
    }
    return n;
  }

  /** The people behind a session's sockets. */
  usersOf(tokenHash: string): string[] {
    const out = new Set<string>();
    for (const c of this.clients.values()) if (c.tokenHash === tokenHash) out.add(c.user.username);
    return [...out];
  }

  /** The people with an open /teleop socket, once each (hand-over candidates are picked from them). */
  onlineUsers(): Accessor[] {
    const out = new Map<string, Accessor>();
    for (const c of this.clients.values()) out.set(c.user.username, c.user);
    return [...out.values()];
  }

  /** Usernames with an open socket (the plugin revokes a lease whose holder has none left after a session end). */
  hasSocketOf(username: string): boolean {
    for (const c of this.clients.values()) if (c.user.username === username) return true;
    return false;
  }

  close(): void {
    for (const ws of [...this.clients.keys()]) {
      this.remove(ws);
      ws.close(CloseCode.GOING_AWAY, HospitalErrorCode.SHUTTING_DOWN);
    }
  }

  private echo(ws: TeleopSocket, c: Client, echoed: number, now: number): void {
    let hit: [number, Pending] | undefined;
    for (const [id, p] of c.pending) {
      if (id > echoed) break;
      hit = [id, p];
      c.pending.delete(id);
    }
    if (hit === undefined) return;
    const [commandId, p] = hit;
    c.rttMs = now - p.atMono;
    this.write(ws, JSON.stringify({ type: 'rtt', commandId, seq: p.seq ?? null, sentAtMs: p.sentAtMs ?? null, hubMs: c.rttMs }));
  }

  /** Newest wins: behind the bound, the sample waits in the one slot, replacing any older one. */
  private offerTelemetry(ws: TeleopSocket, c: Client, text: string): void {
    if (c.waiting === null && ws.bufferedAmount <= this.maxBuffered) {
      this.write(ws, text);
      this.o.counted('telemetry');
      return;
    }
    if (c.waiting !== null) this.o.counted('replaced');
    c.waiting = text;
    c.flushTimer ??= setTimeout(() => this.flush(ws, c), FLUSH_POLL_MS);
  }

  /** Writes what waits (telemetry first: it is small and drives the force gauge) once the socket drained. */
  private flush(ws: TeleopSocket, c: Client): void {
    c.flushTimer = null;
    if (!this.clients.has(ws) || (c.waiting === null && c.waitingImage === null)) return;
    if (ws.bufferedAmount > this.maxBuffered) {
      c.flushTimer = setTimeout(() => this.flush(ws, c), FLUSH_POLL_MS);
      return;
    }
    if (c.waiting !== null) {
      const text = c.waiting;
      c.waiting = null;
      this.write(ws, text);
      this.o.counted('telemetry');
    }
    if (c.waitingImage === null) return;
    if (ws.bufferedAmount > this.maxBuffered) {
      c.flushTimer = setTimeout(() => this.flush(ws, c), FLUSH_POLL_MS);
      return;
    }
    const image = c.waitingImage;
    c.waitingImage = null;
    this.write(ws, image);
    this.o.counted('image');
  }

  private refuse(ws: TeleopSocket, c: Client, code: TeleopErrorCode, message: string, seq: number | undefined): void {
    this.o.refused(code);
    this.o.log.info({ code, username: c.user.username }, '/teleop message refused');
    this.write(ws, JSON.stringify({ type: 'error', code, message, seq: seq ?? null }));
  }

  private write(ws: TeleopSocket, text: string | Buffer): void {
    if (ws.readyState !== ws.OPEN) return;
    // Telemetry never queues (newest wins); what could still pile up is replies to a browser that
    // sends and never reads: past this hard bound the socket is closed, as /live does.
    if (ws.bufferedAmount > HARD_BOUND_FACTOR * this.maxBuffered) {
      this.remove(ws);
      this.o.refused(HospitalErrorCode.SLOW_CONSUMER);
      ws.close(CloseCode.SLOW_CONSUMER, HospitalErrorCode.SLOW_CONSUMER);
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      return;
    }
    ws.send(text);
  }
}

function seqOf(msg: unknown): number | undefined {
  const s = (msg as { seq?: unknown } | null)?.seq;
  return typeof s === 'number' && Number.isSafeInteger(s) ? s : undefined;
}
