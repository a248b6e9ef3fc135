import { SerialPort } from 'serialport';
import type { CartWire } from './cart-simulator.js';

/** Opens the cart's end of a real serial line or pty. */
export async function openSerialWire(path: string, baudRate = 921_600): Promise<CartWire & { close(): Promise<void> }> {
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
