import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import type { ArmWire } from './arm-simulator.js';

/** The arm's end of a real serial line or pty. */
export async function openSerialWire(path: string, baudRate = 921_600): Promise<ArmWire & { close(): Promise<void> }> {
  const port = new SerialPort({ path, baudRate, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => undefined);
  return {
    write: (data) =>
      new Promise((resolve, reject) => {
        if (!port.isOpen) return reject(new Error('port closed'));
        port.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
        port.drain((err) => (err ? reject(err) : resolve()));
      }),
    onData: (l) => port.on('data', (b: Buffer) => l(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))),
    close: () => new Promise((r) => (port.isOpen ? port.close(() => r()) : r())),
  };
}

/**
 * The arm controller as a TCP server (`tcp://HOST:PORT` on the driver side). One host at a time,
 * like a serial line: a second connection is closed at once. Bytes to no host are dropped.
 */
export async function listenTcpWire(host: string, port: number): Promise<ArmWire & { readonly port: number; close(): Promise<void> }> {
  let client: Socket | null = null;
  let listener: ((d: Uint8Array) => void) | null = null;
  const server: Server = createServer((s) => {
    if (client) { s.destroy(); return; }
    client = s;
    s.setNoDelay(true);
    s.on('data', (b: Buffer) => listener?.(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    s.on('error', () => undefined);
    s.on('close', () => { if (client === s) client = null; });
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => resolve()); });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    write: (data) =>
      new Promise((resolve) => {
        const c = client;
        if (!c || c.destroyed) return resolve();
        if (c.write(data)) resolve();
        else c.once('drain', () => resolve());
      }),
    onData: (l) => { listener = l; },
    close: () => new Promise((r) => { client?.destroy(); server.close(() => r()); }),
  };
}
