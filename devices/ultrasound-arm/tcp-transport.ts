import { connect, type Socket } from 'node:net';
import { CartError, CartErrorCode } from '../../protocols/ecg-cart/index.js';
import { ReadQueue } from '../ecg-cart/read-queue.js';
import type { OpenOptions, SerialTransport } from '../ecg-cart/transport.js';

/** Arm controllers reachable over TCP in this process: open is exclusive, as for a serial port. */
const openTargets = new Set<string>();
const HIGH_WATER_BYTES = 256 * 1024;

/** Parses `tcp://HOST:PORT`; null for anything else (a serial path). */
export function parseTcpUrl(url: string): { host: string; port: number } | null {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(url);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * The byte-stream seam (devices/ecg-cart/transport.ts) over TCP, for an arm controller on the
 * clinic LAN named `tcp://HOST:PORT`. Same error codes as the serial transports (the seam's codes:
 * PORT_OPEN refused/unreachable/busy, PORT_CLOSED we closed it, PORT_IO the peer went away).
 */
export class TcpTransport implements SerialTransport {
  private socket: Socket | null = null;
  private queue: ReadQueue | null = null;
  private target: string | null = null;

  get openedPath(): string | null {
    return this.target;
  }

  async open(url: string, opts: OpenOptions): Promise<void> {
    if (this.socket) throw new CartError(CartErrorCode.BAD_STATE, 'transport already open');
    opts.signal?.throwIfAborted();
    const t = parseTcpUrl(url);
    if (!t) throw new CartError(CartErrorCode.PORT_OPEN, 'not a tcp://HOST:PORT url');
    const key = `${t.host}:${t.port}`;
    if (openTargets.has(key)) throw new CartError(CartErrorCode.PORT_OPEN, 'arm controller is busy (opened exclusively)');
    openTargets.add(key);
    let socket: Socket;
    try {
      socket = await new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: t.host, port: t.port, noDelay: true });
        const abort = (): void => { s.destroy(); reject(new CartError(CartErrorCode.PORT_OPEN, 'open aborted')); };
        opts.signal?.addEventListener('abort', abort, { once: true });
        s.once('connect', () => { opts.signal?.removeEventListener('abort', abort); resolve(s); });
        s.once('error', (err) => { opts.signal?.removeEventListener('abort', abort); reject(new CartError(CartErrorCode.PORT_OPEN, `cannot connect: ${err.message}`, { cause: err })); });
      });
    } catch (err) {
      openTargets.delete(key);
      throw err;
    }
    const queue = new ReadQueue(HIGH_WATER_BYTES, { pause: () => socket.pause(), resume: () => socket.resume() });
    socket.on('data', (b: Buffer) => queue.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    socket.on('error', (err) => queue.fail(new CartError(CartErrorCode.PORT_IO, 'arm connection failed', { cause: err })));
    socket.on('close', () => {
      if (this.socket === socket) queue.fail(new CartError(CartErrorCode.PORT_IO, 'arm controller closed the connection'));
    });
    this.socket = socket;
    this.queue = queue;
    this.target = key;
  }

  read(): Promise<Uint8Array> {
    if (!this.queue) return Promise.reject(new CartError(CartErrorCode.PORT_CLOSED, 'connection is closed'));
    return this.queue.read();
  }

  write(data: Uint8Array): Promise<void> {
    const s = this.socket;
    if (!s) return Promise.reject(new CartError(CartErrorCode.PORT_CLOSED, 'connection is closed'));
    return new Promise((resolve, reject) => {
      // The callback fires once the bytes are handed to the kernel; backpressure waits it out.
      s.write(data, (err) => (err ? reject(new CartError(this.socket === s ? CartErrorCode.PORT_IO : CartErrorCode.PORT_CLOSED, 'arm write failed', { cause: err })) : resolve()));
    });
  }

  close(): Promise<void> {
    const s = this.socket;
    this.queue?.fail(new CartError(CartErrorCode.PORT_CLOSED, 'connection closed'));
    this.queue = null;
    this.socket = null;
    if (this.target) openTargets.delete(this.target);
    this.target = null;
    if (!s) return Promise.resolve();
    return new Promise((r) => {
      if (s.destroyed) return r();
      s.once('close', () => r());
      s.destroy();
    });
  }
}
