import { realpath, stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { CartError, CartErrorCode } from '../../protocols/ecg-cart/index.js';
import { ReadQueue } from './read-queue.js';
import type { OpenOptions, SerialTransport } from './transport.js';

/** Bytes held for read() before the port is paused. */
const HIGH_WATER_BYTES = 256 * 1024;

/** How often the device node is checked for existence, ms. */
const PROBE_MS = 250;

/**
 * SerialTransport over the `serialport` package (real tty or pty). Open is exclusive (flock).
 *
 * The binding's poller does not always report a hang-up (seen with ptys whose master goes away
 * while no read is polling), so a cheap probe also checks that the device node still exists: a
 * pulled USB adapter or a dead socat removes it.
 */
export class SerialPortTransport implements SerialTransport {
  private port: SerialPort | null = null;
  private probe: NodeJS.Timeout | null = null;
  private queue: ReadQueue | null = null;
  private path: string | null = null;

  get openedPath(): string | null {
    return this.path;
  }

  async open(path: string, opts: OpenOptions): Promise<void> {
    if (this.port) throw new CartError(CartErrorCode.BAD_STATE, 'transport already open');
    opts.signal?.throwIfAborted();
    let real: string;
    try {
      // Re-resolved on every open: a by-id symlink may now point at another ttyUSBn.
      real = await realpath(path);
    } catch (err) {
      throw new CartError(CartErrorCode.PORT_OPEN, 'serial port path does not resolve', { cause: err });
    }
    const port = new SerialPort({ path: real, baudRate: opts.baudRate, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(new CartError(CartErrorCode.PORT_OPEN, `cannot open serial port: ${err.message}`, { cause: err })) : resolve()));
    });
    if (opts.signal?.aborted) {
      await new Promise<void>((r) => port.close(() => r()));
      opts.signal.throwIfAborted();
    }
    const queue = new ReadQueue(HIGH_WATER_BYTES, { pause: () => port.pause(), resume: () => port.resume() });
    port.on('data', (b: Buffer) => queue.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    port.on('error', (err) => queue.fail(new CartError(CartErrorCode.PORT_IO, 'serial port error', { cause: err })));
    port.on('close', (err?: Error | null) => {
      // A close we did not ask for is an unplug.
      if (this.port === port) queue.fail(new CartError(CartErrorCode.PORT_IO, 'serial port closed underneath us', { cause: err }));
    });
    this.port = port;
    this.queue = queue;
    this.path = real;
    this.probe = setInterval(() => {
      stat(real).catch((err: unknown) => {
        if (this.port !== port) return;
        queue.fail(new CartError(CartErrorCode.PORT_IO, 'serial device node disappeared', { cause: err }));
        void this.close();
      });
    }, PROBE_MS);
    this.probe.unref();
  }

  read(): Promise<Uint8Array> {
    if (!this.queue) return Promise.reject(new CartError(CartErrorCode.PORT_CLOSED, 'port is closed'));
    return this.queue.read();
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new CartError(CartErrorCode.PORT_CLOSED, 'port is closed'));
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      // drain() waits until the binding has written everything queued so far to the OS.
      port.drain((err) => (err ? reject(new CartError(this.port === port ? CartErrorCode.PORT_IO : CartErrorCode.PORT_CLOSED, 'serial write failed', { cause: err })) : resolve()));
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    const queue = this.queue;
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    this.port = null;
    this.queue = null;
    this.path = null;
    if (!port) return;
    queue?.fail(new CartError(CartErrorCode.PORT_CLOSED, 'port closed'));
    if (!port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
