import { createServer, type Server, type Socket } from 'node:net';
import { transportConformance } from '../ecg-cart/transport-conformance.js';
import { TcpTransport } from './tcp-transport.js';

// The TCP transport against a real loopback server that plays the arm controller (one host at a time).
transportConformance('tcp to a loopback arm controller', async () => {
  let peer: Socket | null = null;
  let listener: ((d: Uint8Array) => void) | null = null;
  const waiters: (() => void)[] = [];
  const server: Server = createServer((s) => {
    peer = s;
    s.on('data', (b: Buffer) => listener?.(new Uint8Array(b)));
    s.on('error', () => undefined);
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const connected = (): Promise<Socket> => new Promise((r) => (peer && !peer.destroyed ? r(peer) : waiters.push(() => r(peer!))));
  return {
    hostPath: `tcp://127.0.0.1:${port}`,
    missingPath: 'tcp://127.0.0.1:1',
    make: () => new TcpTransport(),
    peerWrite: async (d) => {
      const s = await connected();
      await new Promise<void>((r) => (s.write(d) ? r() : s.once('drain', () => r())));
    },
    onPeerData: (l) => { listener = l; },
    unplug: async () => { (await connected()).destroy(); },
    dispose: () => new Promise<void>((r) => { peer?.destroy(); server.close(() => r()); }),
  };
});
