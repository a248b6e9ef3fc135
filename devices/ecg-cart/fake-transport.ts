import { CartError, CartErrorCode } from '../../protocols/ecg-cart/index.js';
import { ReadQueue } from './read-queue.js';
import type { OpenOptions, SerialTransport } from './transport.js';

/** The device side of a fake port: what a simulator or a test script talks to. */
export interface FakePortEnd {
  /** Bytes from the device to the host; resolves when delivered (paced like the host's writes). */
  write(data: Uint8Array): Promise<void>;
  /** Bytes the host wrote. One listener. */
  onData(listener: (data: Uint8Array) => void): void;
  /** Pulls the cable: the host's read rejects with TM_ERR_CART_PORT_IO and the path disappears. */
  unplug(): void;
  readonly path: string;
}

export interface FakeBusOptions {
  /** Seed of the fragmentation pattern. Default 1. */
  readonly seed?: number;
  /** Largest fragment delivered by one read, bytes. Default 64. */
  readonly maxFragment?: number;
  /** Line rate for slow writes, bytes per second. Default 92160 (921600 baud 8N1). */
  readonly bytesPerSecond?: number;
}

interface PortRecord {
  end: FakePortEnd;
  toDevice: ((d: Uint8Array) => void) | null;
  host: FakeSerialTransport | null;
}

/**
 * An in-memory set of serial ports and symlinks, like /dev plus /dev/serial/by-id. Faithful to the
 * real thing where drivers get it wrong: asynchronous open, exclusive open, reads that arrive in
 * arbitrary fragments, writes that take line time, unplug errors.
 */
export class FakeSerialBus {
  private readonly ports = new Map<string, PortRecord>();
  private readonly links = new Map<string, string>();
  private rnd: number;
  readonly maxFragment: number;
  readonly bytesPerSecond: number;

  constructor(opts: FakeBusOptions = {}) {
    this.rnd = opts.seed ?? 1;
    this.maxFragment = opts.maxFragment ?? 64;
    this.bytesPerSecond = opts.bytesPerSecond ?? 92_160;
  }

  /** Deterministic fragment sizes (xorshift32). */
  nextFragment(): number {
    let x = this.rnd;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.rnd = x >>> 0 || 1;
    return 1 + (this.rnd % this.maxFragment);
  }

  /** Creates a device node at `path` and returns its device end. */
  plug(path: string): FakePortEnd {
    if (this.ports.has(path)) throw new CartError(CartErrorCode.BAD_STATE, `fake port ${path} exists`);
    const rec: PortRecord = { end: undefined as unknown as FakePortEnd, toDevice: null, host: null };
    rec.end = {
      path,
      write: async (data) => {
        await lineDelay(data.length, this.bytesPerSecond);
        rec.host?.deliver(data);
      },
      onData: (l) => { rec.toDevice = l; },
      unplug: () => {
        this.ports.delete(path);
        rec.host?.lost();
        rec.host = null;
      },
    };
    this.ports.set(path, rec);
    return rec.end;
  }

  /** Points a symlink (e.g. a by-id name) at a port path; re-pointing replaces it. */
  link(alias: string, target: string): void {
    this.links.set(alias, target);
  }

  transport(): FakeSerialTransport {
    return new FakeSerialTransport(this);
  }

  /** @internal */
  resolve(path: string): PortRecord | undefined {
    return this.ports.get(this.links.get(path) ?? path);
  }
}

function lineDelay(bytes: number, bytesPerSecond: number): Promise<void> {
  const ms = (bytes / bytesPerSecond) * 1000;
  return new Promise((r) => (ms < 1 ? setImmediate(r) : setTimeout(r, ms)));
}

export class FakeSerialTransport implements SerialTransport {
  private rec: PortRecord | null = null;
  private queue: ReadQueue | null = null;
  private path: string | null = null;

  constructor(private readonly bus: FakeSerialBus) {}

  get openedPath(): string | null {
    return this.path;
  }

  async open(path: string, opts: OpenOptions): Promise<void> {
    if (this.rec) throw new CartError(CartErrorCode.BAD_STATE, 'transport already open');
    await new Promise((r) => setImmediate(r));
    opts.signal?.throwIfAborted();
    const rec = this.bus.resolve(path);
    if (!rec) throw new CartError(CartErrorCode.PORT_OPEN, 'no such port');
    if (rec.host) throw new CartError(CartErrorCode.PORT_OPEN, 'port is busy (opened exclusively)');
    rec.host = this;
    this.rec = rec;
    this.path = rec.end.path;
    this.queue = new ReadQueue(256 * 1024, { pause: () => undefined, resume: () => undefined });
  }

  /** @internal device → host bytes, delivered in fragments on later turns of the event loop. */
  deliver(data: Uint8Array): void {
    const q = this.queue;
    if (!q) return;
    let at = 0;
    while (at < data.length) {
      const n = Math.min(this.bus.nextFragment(), data.length - at);
      const frag = data.slice(at, at + n);
      setImmediate(() => q.push(frag));
      at += n;
    }
  }

  /** @internal the device went away. */
  lost(): void {
    const q = this.queue;
    // After the fragments already scheduled, as a real tty reports EIO after the last bytes.
    setImmediate(() => q?.fail(new CartError(CartErrorCode.PORT_IO, 'port unplugged')));
    this.rec = null;
    this.path = null;
  }

  read(): Promise<Uint8Array> {
    if (!this.queue) return Promise.reject(new CartError(CartErrorCode.PORT_CLOSED, 'port is closed'));
    return this.queue.read();
  }

  async write(data: Uint8Array): Promise<void> {
    const rec = this.rec;
    if (!rec) throw new CartError(this.queue ? CartErrorCode.PORT_IO : CartErrorCode.PORT_CLOSED, 'port is not open');
    const copy = data.slice();
    await lineDelay(copy.length, this.bus.bytesPerSecond);
    if (this.rec !== rec) throw new CartError(CartErrorCode.PORT_IO, 'port went away during write');
    rec.toDevice?.(copy);
  }

  close(): Promise<void> {
    this.queue?.fail(new CartError(CartErrorCode.PORT_CLOSED, 'port closed'));
    this.queue = null;
    if (this.rec) this.rec.host = null;
    this.rec = null;
    this.path = null;
    return new Promise((r) => setImmediate(r));
  }
}
