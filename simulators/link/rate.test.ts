import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLink, type LinkProfile } from './index.js';
import { connect, startTarget, until } from './test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const profileUp = (rateBps: number, queueMs: number, delayMs = 5): LinkProfile => ({
  name: 'test',
  description: 'test',
  up: { delayMs, jitterMs: 0, rateBps, queueMs },
  down: { delayMs: 0, jitterMs: 0, rateBps: 0 },
  events: {},
});

/** Writes `total` bytes honouring backpressure (write() false → wait for drain). */
async function sendAll(s: net.Socket, total: number, chunk = 64 * 1024): Promise<void> {
  const buf = Buffer.alloc(chunk, 0x5a);
  for (let sent = 0; sent < total; sent += chunk) {
    if (!s.write(buf.subarray(0, Math.min(chunk, total - sent)))) await new Promise((r) => s.once('drain', r));
  }
}

async function throughput(rateBps: number, totalBytes: number): Promise<{ mbps: number; cpuPct: number; maxQueued: number; queueLimit: number }> {
  let received = 0;
  let first = 0;
  let firstBytes = 0;
  let last = 0;
  const target = await startTarget((s) =>
    s.on('data', (c: Buffer) => {
      const now = performance.now();
      if (received === 0) {
        first = now;
        firstBytes = c.length;
      }
      received += c.length;
      last = now;
    }),
  );
  const link = await startLink({ targetHost: '127.0.0.1', targetPort: target.port, profile: profileUp(rateBps, 100), seed: 3 });
  const client = await connect(link.port);
  cleanups.push(() => target.close(), () => link.close(), () => Promise.resolve(void client.destroy()));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sendAll(client, totalBytes);
  await until(() => received === totalBytes, 10_000, 'all bytes');
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  // Rate over the steady part: from the first delivery to the last, excluding the first chunk.
  const mbps = ((received - firstBytes) * 8) / ((last - first) * 1000);
  return { mbps, cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, maxQueued: link.stats().up.maxQueuedBytes, queueLimit: (rateBps * 100) / 8000 };
}

describe('link rate limit (real loopback sockets)', () => {
  it('8 Mbit/s configured gives 8 Mbit/s ±10 % measured', async () => {
    const r = await throughput(8_000_000, 1_500_000);
    console.log(`[link] rate 8 Mbit/s configured: measured ${r.mbps.toFixed(3)} Mbit/s; whole test process CPU ${r.cpuPct.toFixed(0)} % of one core`);
    expect(r.mbps).toBeGreaterThan(7.2);
    expect(r.mbps).toBeLessThan(8.8);
  });

  it('carries 25 Mbit/s ±10 % without burning a core', async () => {
    const r = await throughput(25_000_000, 4_000_000);
    console.log(`[link] rate 25 Mbit/s configured: measured ${r.mbps.toFixed(3)} Mbit/s; whole test process CPU ${r.cpuPct.toFixed(0)} % of one core (sender + proxy + receiver)`);
    expect(r.mbps).toBeGreaterThan(22.5);
    expect(r.mbps).toBeLessThan(27.5);
    expect(r.cpuPct).toBeLessThan(80);
  });
});

describe('bottleneck queue backpressure', () => {
  it('a full queue stops the proxy reading: the sender blocks while the proxy stays bounded', async () => {
    let received = 0;
    const target = await startTarget((s) => s.on('data', (c: Buffer) => void (received += c.length)));
    // 2 Mbit/s with a 250 ms queue = 62.5 kB of queue.
    const link = await startLink({ targetHost: '127.0.0.1', targetPort: target.port, profile: profileUp(2_000_000, 250, 20), seed: 1 });
    const client = await connect(link.port);
    cleanups.push(() => target.close(), () => link.close(), () => Promise.resolve(void client.destroy()));

    // Offer far more than the link can carry in the test's time: 32 MB at 2 Mbit/s is 2 minutes.
    const chunk = Buffer.alloc(64 * 1024, 1);
    let accepted = 0;
    let blocked = false;
      client.on('drain', () => {
      blocked = false;
      pump();
    });
    function pump(): void {
      while (accepted < 32 * 1024 * 1024) {
        accepted += chunk.length;
        if (!client.write(chunk)) {
          blocked = true;
          return;
        }
      }
    }
    pump();
    // Let the kernel buffers fill; after that the sender can only move at the link rate.
    await new Promise((r) => setTimeout(r, 800));
    const s = link.stats();
    const queueLimit = 62_500;
    console.log(
      `[link] backpressure 2 Mbit/s, 250 ms queue (${queueLimit} B): sender accepted ${(accepted / 1e6).toFixed(2)} MB, ` +
        `sender-side buffered ${(client.writableLength / 1e3).toFixed(0)} kB, proxy read ${(s.up.bytesIn / 1e3).toFixed(0)} kB, ` +
        `proxy max queue ${(s.up.maxQueuedBytes / 1e3).toFixed(1)} kB, proxy max held ${(s.up.maxHeldBytes / 1e3).toFixed(1)} kB, delivered ${(received / 1e3).toFixed(0)} kB, pauses ${s.up.pauses}`,
    );
    expect(blocked).toBe(true);
    expect(client.writableLength).toBeGreaterThan(0);
    expect(s.up.pauses).toBeGreaterThan(0);
    // The proxy holds at most its queue plus one socket read plus the delay line, never the offer.
    expect(s.up.maxQueuedBytes).toBeLessThanOrEqual(queueLimit + 64 * 1024);
    expect(s.up.maxHeldBytes).toBeLessThanOrEqual(queueLimit + 64 * 1024 + 10_000);
    // What the proxy read is what it delivered plus what it holds: nothing piles up inside.
    expect(s.up.bytesIn).toBeLessThan(received + queueLimit + 64 * 1024 + 10_000);
    // And the delivered rate still matches the link (0.8 s minus 20 ms delay at 2 Mbit/s ≈ 195 kB).
    expect(received).toBeGreaterThan(150_000);
    expect(received).toBeLessThan(230_000);
  });
});
