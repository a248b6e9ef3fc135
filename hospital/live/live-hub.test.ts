import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createMetrics } from '../metrics.js';
import { AccessPolicy, ALL_SITES } from '../auth/access.js';
import { LiveHub, type LiveClient, type LiveSocket } from './live-hub.js';

const access = new AccessPolicy([]);
const admin: LiveClient = { user: { username: 'it.admin', role: 'admin', scope: ALL_SITES }, tokenHash: 'h' };

class FakeSocket implements LiveSocket {
  readonly OPEN = 1 as const;
  readyState: 0 | 1 | 2 | 3 = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  send(data: string): void { this.sent.push(data); this.bufferedAmount += data.length; }
  close(code?: number): void { this.closedWith = code; this.readyState = 2; }
  terminate(): void { this.readyState = 3; }
}

describe('LiveHub', () => {
  it('never lets a socket buffer past the bound: it is closed 4429 and counted', async () => {
    const metrics = createMetrics();
    const hub = new LiveHub(1000, 10, metrics, pino({ level: 'silent' }), access);
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    hub.add(slow, admin);
    hub.add(fast, admin);
    const msg = { type: 'snapshot', gateways: [] } as const; // 32 bytes of JSON
    for (let i = 0; i < 40; i++) {
      hub.broadcast(msg);
      fast.bufferedAmount = 0; // the fast one drains at once
    }
    expect(slow.closedWith).toBe(4429);
    expect(slow.sent.length * JSON.stringify(msg).length).toBeLessThanOrEqual(1000);
    expect(fast.sent).toHaveLength(40);
    expect(hub.size).toBe(1);
    expect((await metrics.liveDropped.get()).values[0]?.value).toBe(1);
    expect((await metrics.liveClients.get()).values[0]?.value).toBe(1);
  });

  it('refuses clients past maxClients', () => {
    const hub = new LiveHub(1000, 1, createMetrics(), pino({ level: 'silent' }), access);
    expect(hub.add(new FakeSocket(), admin)).toBe(true);
    expect(hub.add(new FakeSocket(), admin)).toBe(false);
  });
});
