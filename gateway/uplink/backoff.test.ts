import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { systemClock } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { UplinkSession } from './session.js';
import { mulberry32 } from '../../protocols/random.js';
import { FakeHub } from './fake-hub.js';
import type { Timers } from './timers.js';

/** Records timers instead of running them; the test fires them by hand. */
class ManualTimers implements Timers {
  pending = new Map<number, { fn: () => void; ms: number }>();
  private id = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    this.id += 1;
    this.pending.set(this.id, { fn, ms });
    return this.id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  setInterval(fn: () => void, ms: number): unknown {
    return this.setTimeout(fn, ms);
  }
  clearInterval(h: unknown): void {
    this.clearTimeout(h);
  }
  /** Removes and returns the only pending timer. */
  takeOnly(): { fn: () => void; ms: number } {
    expect(this.pending.size).toBe(1);
    const [id, t] = [...this.pending][0] ?? [0, undefined];
    this.pending.delete(id);
    if (!t) throw new Error('no timer');
    return t;
  }
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

let session: UplinkSession | undefined;
let hub: FakeHub | undefined;
afterEach(async () => {
  await session?.close();
  await hub?.close();
  session = hub = undefined;
});

function makeSession(url: string, credential: string, timers: Timers, seed: number): UplinkSession {
  return new UplinkSession({
    url, gatewayId: 'g', credential, siteKind: 'clinic', siteName: '', softwareVersion: 't',
    reconnect: { initialMs: 100, maxMs: 1000, jitter: 0.5 }, pingIntervalMs: 1000, helloTimeoutMs: 3000,
    clock: systemClock, logger: pino({ level: 'silent' }), timers, random: mulberry32(seed),
  });
}

describe('reconnect backoff', () => {
  it('follows the jittered exponential schedule exactly, capped at maxMs', async () => {
    const port = await closedPort();
    const cfg = loadGatewayConfig({ gatewayId: 'g', hub: { url: `ws://127.0.0.1:${port}/uplink`, credential: 'c' }, reconnect: { initialMs: 100, maxMs: 1000, jitter: 0.5 } });
    const timers = new ManualTimers();
    session = new UplinkSession({
      url: cfg.hub.url, gatewayId: 'g', credential: 'c', siteKind: 'clinic', siteName: '', softwareVersion: 't',
      reconnect: cfg.reconnect, pingIntervalMs: 1000, helloTimeoutMs: 1000,
      clock: systemClock, logger: pino({ level: 'silent' }), timers, random: mulberry32(3),
    });
    const expectedRandom = mulberry32(3);
    const expected = [100, 200, 400, 800, 1000, 1000].map((b) => Math.round(b * (1 - 0.5 * expectedRandom())));
    const seen: number[] = [];
    session.start();
    for (let i = 0; i < expected.length; i++) {
      await vi.waitFor(() => expect(timers.pending.size).toBe(1), { timeout: 2000, interval: 2 });
      expect(session.state).toBe('backoff');
      const t = timers.takeOnly();
      seen.push(t.ms);
      t.fn();
      expect(session.state).toBe('connecting');
    }
    expect(seen).toEqual(expected);
    expect(session.reconnects).toBe(expected.length);
  });

  it('retries a refused credential at the max backoff, with jitter, staying refused', async () => {
    hub = await FakeHub.start({ credential: 'right' });
    const timers = new ManualTimers();
    session = makeSession(hub.url, 'wrong', timers, 9);
    const expectedRandom = mulberry32(9);
    session.start();
    for (let i = 0; i < 3; i++) {
      await vi.waitFor(() => {
        expect(session?.state).toBe('refused');
        expect(timers.pending.size).toBe(1);
      }, { timeout: 2000, interval: 2 });
      const t = timers.takeOnly();
      expect(t.ms).toBe(Math.round(1000 * (1 - 0.5 * expectedRandom())));
      t.fn();
    }
    expect(hub.hellos).toBe(3);
  });

  it('gives up on a hub that never answers Hello after helloTimeoutMs and backs off', async () => {
    hub = await FakeHub.start({ credential: 'c', ignoreHello: true });
    const timers = new ManualTimers();
    session = makeSession(hub.url, 'c', timers, 1);
    session.start();
    await vi.waitFor(() => expect(hub?.hellos).toBe(1), { timeout: 2000, interval: 2 });
    expect(session.state).toBe('authenticating');
    const helloTimer = timers.takeOnly();
    expect(helloTimer.ms).toBe(3000);
    helloTimer.fn();
    await vi.waitFor(() => expect(session?.state).toBe('backoff'), { timeout: 2000, interval: 2 });
    expect(timers.takeOnly().ms).toBeLessThanOrEqual(100);
  });
});
