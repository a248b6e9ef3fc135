import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { Accessor, AccessPolicy } from '../auth/access.js';
import { CloseCode, HospitalErrorCode } from '../errors.js';
import type { HospitalMetrics } from '../metrics.js';
import type { LiveMessage } from './messages.js';

/** What the hub needs of a dashboard socket (a `ws` WebSocket fits; tests may pass a fake). */
export type LiveSocket = Pick<WebSocket, 'bufferedAmount' | 'readyState' | 'OPEN' | 'send' | 'close' | 'terminate'>;

/** A slow consumer gets this long to take its close frame before the socket is cut, ms. */
const CLOSE_GRACE_MS = 5000;

/** Who is behind a /live socket: the person (for clinic isolation) and their session. */
export interface LiveClient {
  readonly user: Accessor;
  /** SHA-256 of the session token: logout and revocation close the sockets opened with it. */
  readonly tokenHash: string;
}

/** The gateway a message is about; undefined for messages every client gets (their own snapshot). */
function gatewayOf(msg: LiveMessage): string | undefined {
  switch (msg.type) {
    case 'snapshot': return undefined;
    case 'gateway': return msg.gateway.id;
    case 'ecg': return msg.record.gatewayId;
    default: return msg.gatewayId;
  }
}

/**
 * Fan-out to dashboard sockets. Each socket gets only what its person may see (clinic isolation:
 * the AccessPolicy decides). Policy when a socket is slow: never buffer past `maxBufferedBytes`;
 * the socket is closed 4429 and counted, the others are unaffected.
 */
export class LiveHub {
  private readonly sockets = new Map<LiveSocket, LiveClient>();

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly maxClients: number,
    private readonly metrics: HospitalMetrics,
    private readonly log: Logger,
    private readonly access: AccessPolicy,
  ) {}

  get size(): number {
    return this.sockets.size;
  }

  /** Admits a socket; false when the hub is full (the caller closes it). */
  add(ws: LiveSocket, client: LiveClient): boolean {
    if (this.sockets.size >= this.maxClients) return false;
    this.sockets.set(ws, client);
    this.metrics.liveClients.set(this.sockets.size);
    return true;
  }

  remove(ws: LiveSocket): void {
    if (this.sockets.delete(ws)) this.metrics.liveClients.set(this.sockets.size);
  }

  /** Sends to one socket, dropping it if it is too far behind. */
  send(ws: LiveSocket, msg: LiveMessage): void {
    this.sendText(ws, JSON.stringify(msg));
  }

  /** Sends to every socket whose person may see the message's gateway (serialised once). */
  broadcast(msg: LiveMessage): void {
    if (this.sockets.size === 0) return;
    const gatewayId = gatewayOf(msg);
    let text: string | undefined;
    for (const [ws, client] of this.sockets) {
      if (gatewayId !== undefined && !this.access.canSeeGateway(client.user, gatewayId)) continue;
      text ??= JSON.stringify(msg);
      this.sendText(ws, text);
    }
  }

  /** The open sockets and who is behind them (for the session re-check). */
  clients(): [LiveSocket, LiveClient][] {
    return [...this.sockets];
  }

  /**
   * Closes a socket whose session ended (logout, expiry, revoked user or role): 4403
   * TM_ERR_SESSION_ENDED, so the page knows to log in again rather than reconnect.
   */
  endSession(tokenHash: string, why: string): number {
    let n = 0;
    for (const [ws, client] of this.sockets) {
      if (client.tokenHash !== tokenHash) continue;
      this.remove(ws);
      ws.close(CloseCode.SESSION_ENDED, HospitalErrorCode.SESSION_ENDED);
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      n += 1;
    }
    if (n > 0) this.log.info({ code: HospitalErrorCode.SESSION_ENDED, why, sockets: n }, '/live sockets of an ended session closed');
    return n;
  }

  private sendText(ws: LiveSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount + Buffer.byteLength(text) > this.maxBufferedBytes) {
      this.drop(ws);
      return;
    }
    ws.send(text);
  }

  private drop(ws: LiveSocket): void {
    this.remove(ws);
    this.metrics.liveDropped.inc();
    this.log.info({ bufferedBytes: ws.bufferedAmount }, 'dropping slow /live consumer');
    ws.close(CloseCode.SLOW_CONSUMER, HospitalErrorCode.SLOW_CONSUMER);
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Closes every socket (1001). */
  close(): void {
    for (const ws of this.sockets.keys()) ws.close(CloseCode.GOING_AWAY, HospitalErrorCode.SHUTTING_DOWN);
    this.sockets.clear();
    this.metrics.liveClients.set(0);
  }
}
