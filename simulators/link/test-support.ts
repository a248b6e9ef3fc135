/**
 * Helpers for the link emulator's socket tests (not a test file itself): loopback servers,
 * timestamped probes, small statistics and a manual clock for the bottleneck and pipe models.
 */
import net from 'node:net';
import { once } from 'node:events';
import type { Scheduler } from './scheduler.js';

/** A loopback TCP server on a free port that records each accepted socket. */
export async function startTarget(onSocket: (s: net.Socket) => void): Promise<{ port: number; sockets: net.Socket[]; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    onSocket(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('no address');
  return {
    port: addr.port,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export async function connect(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen: true });
  await once(s, 'connect');
  return s;
}

/** Resolves when `cond` holds, polling every few ms; rejects after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const PROBE_BYTES = 12;

/** A probe record: u32 sequence number + f64 send time (performance.now(), ms). */
export function probe(seq: number): Buffer {
  const b = Buffer.alloc(PROBE_BYTES);
  b.writeUInt32BE(seq, 0);
  b.writeDoubleBE(performance.now(), 4);
  return b;
}

/** Parses probe records out of a byte stream and reports (seq, one-way ms) for each. */
export function probeReader(onProbe: (seq: number, oneWayMs: number) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    const now = performance.now();
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    for (; off + PROBE_BYTES <= pending.length; off += PROBE_BYTES) {
      onProbe(pending.readUInt32BE(off), now - pending.readDoubleBE(off + 4));
    }
    pending = pending.subarray(off);
  };
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

/** A deterministic byte pattern, so the receiver can check that no byte was lost or changed. */
export function pattern(offset: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = ((offset + i) * 31 + ((offset + i) >>> 8)) & 0xff;
  return b;
}

/** Resolves on 'close' whatever the reason (events.once would reject on the 'error' before it). */
export function closed(s: net.Socket): Promise<void> {
  s.on('error', () => undefined);
  return new Promise((r) => s.once('close', () => r()));
}

/** Connects without waiting for the handshake: for connections the link may reset at once. */
export function connectRaw(port: number): net.Socket {
  const s = net.connect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  return s;
}

/** A manual clock: timers fire only when the test advances time, in due order. */
export function fakeScheduler(): { sched: Scheduler; advance: (to: number) => void } {
  let now = 0;
  let timers: { at: number; fn: () => void; live: boolean }[] = [];
  const sched: Scheduler = {
    now: () => now,
    at(at, fn) {
      const t = { at, fn, live: true };
      timers.push(t);
      return { cancel: () => void (t.live = false) };
    },
  };
  const advance = (to: number): void => {
    for (;;) {
      timers = timers.filter((t) => t.live);
      const next = timers.reduce<(typeof timers)[number] | undefined>((a, t) => (t.at <= to && (!a || t.at < a.at) ? t : a), undefined);
      if (!next) break;
      next.live = false;
      now = Math.max(now, next.at);
      next.fn();
    }
    now = to;
  };
  return { sched, advance };
}

/** Writes as fast as the socket takes until it is destroyed (a greedy sender). */
export function greedy(s: net.Socket): void {
  const buf = Buffer.alloc(64 * 1024, 0x33);
  const go = (): void => {
    while (!s.destroyed && s.write(buf));
  };
  s.on('drain', go);
  s.on('error', () => undefined);
  go();
}
