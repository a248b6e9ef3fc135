import { createServer, type Server, type Socket } from 'node:net';
import type { ArmWire } from './arm-simulator.js';

/** The arm's end of a real serial line or pty: the same byte pipe as the cart simulator's (ArmWire is CartWire's shape). */
export { openSerialWire } from '../ecg-cart/serial-wire.js';

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
