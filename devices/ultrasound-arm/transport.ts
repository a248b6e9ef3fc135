import { SerialPortTransport } from '../ecg-cart/serialport-transport.js';
import type { SerialTransport, TransportFactory } from '../ecg-cart/transport.js';
import { TcpTransport, parseTcpUrl } from './tcp-transport.js';

/**
 * The arm driver's byte seam is the cart's (`SerialTransport`: open, read, write, close), so the
 * serial transport, the in-memory fake and the TCP transport all pass the one conformance suite
 * (devices/ecg-cart/transport-conformance.ts).
 */
export type ArmTransport = SerialTransport;

/** `tcp://HOST:PORT` → TCP, anything else → a serial path (resolved again on every open). */
export function transportForUrl(url: string): TransportFactory {
  return parseTcpUrl(url) ? () => new TcpTransport() : () => new SerialPortTransport();
}
