import type { Logger } from 'pino';
import type WebSocket from 'ws';
import { CloseCode, HospitalErrorCode } from '../errors.js';
import type { HospitalMetrics } from '../metrics.js';
import type { LiveMessage } from './messages.js';

/** What the hub needs of a dashboard socket (a `ws` WebSocket fits; tests may pass a fake). */
export type LiveSocket = Pick<WebSocket, 'bufferedAmount' | 'readyState' | 'OPEN' | 'send' | 'close' | 'terminate'>;

/** A slow consumer gets this long to take its close frame before the socket is cut, ms. */
const CLOSE_GRACE_MS = 5000;

/**
 * Fan-out to dashboard sockets. Policy when a socket is slow: never buffer past
 * `maxBufferedBytes`; the socket is closed 4429 and counted, the others are unaffected.
 */
export class LiveHub {
  private readonly sockets = new Set<LiveSocket>();

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly maxClients: number,
    private readonly metrics: HospitalMetrics,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.sockets.size;
  }

  /** Admits a socket; false when the hub is full (the caller closes it). */
  add(ws: LiveSocket): boolean {
    if (this.sockets.size >= this.maxClients) return false;
    this.sockets.add(ws);
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

  broadcast(msg: LiveMessage): void {
    if (this.sockets.size === 0) return;
    const text = JSON.stringify(msg);
    for (const ws of this.sockets) this.sendText(ws, text);
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
    for (const ws of this.sockets) ws.close(CloseCode.GOING_AWAY, HospitalErrorCode.SHUTTING_DOWN);
    this.sockets.clear();
    this.metrics.liveClients.set(0);
  }
}
