import net from 'node:net';
import { once } from 'node:events';

/** A competing bulk TCP flow through the emulator's own bottleneck (an always-backlogged neighbour in the cell). */
export interface GreedyFlow {
  /** 'up' writes client → sink, 'down' sink → client. */
  readonly direction: 'up' | 'down';
  /** Bytes that came out of the far end of the emulator so far (all reconnections summed). */
  delivered(): number;
  /** Connections opened (more than one after a forced disconnect or a handover). */
  connects(): number;
  /** Stops writing, closes the sockets and the sink. */
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x47);
/** After a reset (disconnect, handover) the flow reconnects as a download or upload app would. */
const RECONNECT_MS = 200;

/** Writes as fast as the socket takes: stops on write() === false, goes on at 'drain'. */
function pump(s: net.Socket): void {
  const go = (): void => {
    while (!s.destroyed && s.write(CHUNK));
  };
  s.on('drain', go);
  go();
}

/**
 * Opens a greedy flow: a sink server on loopback (the far end), and a client that connects to
 * `entryPort` (an emulator listener that forwards to `sinkPort()`), reconnecting after resets.
 */
export async function openGreedyFlow(direction: 'up' | 'down', entryPort: number, registerSink: (port: number) => void): Promise<GreedyFlow> {
  let delivered = 0;
  let connects = 0;
  let closed = false;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  const sink = net.createServer({ noDelay: true }, (s) => {
    track(s);
    if (direction === 'up') s.on('data', (c: Buffer) => void (delivered += c.length));
    else pump(s);
  });
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const addr = sink.address();
  registerSink(typeof addr === 'object' && addr ? addr.port : 0);

  const dial = (): void => {
    if (closed) return;
    connects++;
    const c = net.connect({ host: '127.0.0.1', port: entryPort, noDelay: true });
    track(c);
    c.on('connect', () => (direction === 'up' ? pump(c) : c.on('data', (d: Buffer) => void (delivered += d.length))));
    c.on('close', () => {
      if (!closed) setTimeout(dial, RECONNECT_MS).unref();
    });
  };
  dial();

  return {
    direction,
    delivered: () => delivered,
    connects: () => connects,
    async close() {
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => sink.close(() => r()));
    },
  };
}
