import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLink, type LinkProfile } from './index.js';
import { closed, connect, connectRaw, pattern, probe, probeReader, startTarget, until } from './test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const profile = (events: LinkProfile['events'] = {}): LinkProfile => ({
  name: 'test',
  description: 'test',
  up: { delayMs: 5, jitterMs: 0, rateBps: 8_000_000, queueMs: 100 },
  down: { delayMs: 5, jitterMs: 0, rateBps: 0 },
  events,
});

async function setup(p: LinkProfile) {
  const chunks: Buffer[] = [];
  let received = 0;
  const target = await startTarget((s) =>
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      received += c.length;
    }),
  );
  const link = await startLink({ targetHost: '127.0.0.1', targetPort: target.port, profile: p, seed: 11 });
  cleanups.push(() => target.close(), () => link.close());
  const client = await connect(link.port);
  client.on('error', () => undefined);
  cleanups.push(() => Promise.resolve(void client.destroy()));
  return { target, link, client, chunks, received: () => received };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('outage', () => {
  it('delivers nothing during an outage, then resumes with no byte lost', async () => {
    const { link, client, chunks, received } = await setup(profile());
    let offset = 0;
    const send = (n: number): void => {
      client.write(pattern(offset, n));
      offset += n;
    };
    send(20_000);
    await until(() => received() === 20_000, 2000, 'first batch');
    link.setOutage(true);
    send(50_000);
    await tick(300);
    const duringOutage = received() - 20_000;
    expect(link.stats().state).toBe('outage');
    link.setOutage(false);
    send(30_000);
    await until(() => received() === 100_000, 3000, 'all bytes after outage');
    console.log(`[link] outage 300 ms: ${duringOutage} B delivered during it, ${received()} of 100000 B after it, contents identical`);
    expect(duringOutage).toBe(0);
    expect(Buffer.concat(chunks).equals(pattern(0, 100_000))).toBe(true);
  });

  it('an outage that refuses new connections resets them, existing ones are kept', async () => {
    const { link, client, received } = await setup(profile());
    link.setOutage(true, { refuseNew: true });
    await closed(connectRaw(link.port));
    expect(link.stats().refused).toBe(1);
    expect(client.destroyed).toBe(false);
    link.setOutage(false);
    client.write(pattern(0, 1000));
    await until(() => received() === 1000, 2000, 'existing connection still carries data');
  });
});

describe('forced disconnect', () => {
  it('disconnectAll closes both the client and the target side', async () => {
    const { target, link, client } = await setup(profile());
    await until(() => target.sockets.length === 1, 2000, 'target accept');
    const server = target.sockets[0] as net.Socket;
    const bothClosed = Promise.all([closed(client), closed(server)]);
    link.disconnectAll();
    await bothClosed;
    expect(client.destroyed && server.destroyed).toBe(true);
    await until(() => link.stats().connections === 0, 1000, 'connection count back to 0');
  });

  it('a handover event resets connections, then refuses new ones for its outage', async () => {
    const { target, link, client } = await setup(profile({ handover: { everyMs: [400, 400], outageMs: [100, 100], refuseNew: true } }));
    await until(() => target.sockets.length === 1, 2000, 'target accept');
    const t0 = performance.now();
    await closed(client);
    const resetAt = performance.now() - t0;
    await closed(connectRaw(link.port));
    expect(link.stats().refused).toBeGreaterThanOrEqual(1);
    await until(() => link.stats().state === 'up', 1000, 'outage end');
    const after = await connect(link.port);
    cleanups.push(() => Promise.resolve(void after.destroy()));
    after.write('x');
    await until(() => target.sockets.length === 2, 1000, 'new connection after handover');
    console.log(`[link] handover at 400 ms: client reset after ${resetAt.toFixed(0)} ms of waiting, new connections refused during the 100 ms outage, accepted after`);
  });
});

describe('half-close', () => {
  it('a FIN travels after the data and the reply still comes back', async () => {
    // An HTTP/1.0-style exchange: request, FIN, reply, FIN, over a delayed link.
    const target = await startTarget((s) => {
      let req = '';
      s.on('data', (c: Buffer) => (req += c.toString()));
      s.on('end', () => s.end(`echo:${req}`));
    });
    const link = await startLink({ targetHost: '127.0.0.1', targetPort: target.port, profile: profile(), seed: 1 });
    cleanups.push(() => target.close(), () => link.close());
    const client = await connect(link.port);
    let reply = '';
    client.on('data', (c: Buffer) => (reply += c.toString()));
    const done = closed(client);
    client.end('ping');
    await done;
    expect(reply).toBe('echo:ping');
  });
});

describe('stall', () => {
  it('a stall holds delivery for its duration, then delivers everything in order', async () => {
    const seqs: number[] = [];
    const arrivals: number[] = [];
    const read = probeReader((seq) => {
      seqs.push(seq);
      arrivals.push(performance.now());
    });
    const target = await startTarget((s) => s.on('data', read));
    const p = profile({ stall: { everyMs: [200, 200], durationMs: [150, 150], direction: 'up' } });
    const link = await startLink({ targetHost: '127.0.0.1', targetPort: target.port, profile: p, seed: 1 });
    const client = await connect(link.port);
    cleanups.push(() => target.close(), () => link.close(), () => Promise.resolve(void client.destroy()));
    for (let i = 0; i < 60; i++) {
      client.write(probe(i));
      await tick(5);
    }
    await until(() => seqs.length === 60, 3000, 'all probes');
    let maxGap = 0;
    for (let i = 1; i < arrivals.length; i++) maxGap = Math.max(maxGap, (arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0));
    console.log(`[link] stall 150 ms: longest gap between deliveries ${maxGap.toFixed(1)} ms, ${seqs.length} probes in order`);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(maxGap).toBeGreaterThan(140);
    expect(maxGap).toBeLessThan(200);
  });
});
