import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { createMetrics } from '../metrics.js';
import { GatewayRegistry, type GatewayView, type SessionHandle } from './registry.js';

const session = (): SessionHandle & { closedWith: number | undefined } => ({
  sessionId: 's', closedWith: undefined,
  sendDownlink: () => 'sent',
  close(code) { this.closedWith = code; },
});

describe('GatewayRegistry', () => {
  let mono = 0;
  const clock = { nowNs: () => 1.7e18 + mono * 1e6, monoMs: () => mono };
  beforeEach(() => { vi.useFakeTimers(); mono = 0; });
  afterEach(() => { vi.useRealTimers(); });

  it('publishes connect at once and activity at most every interval, never losing the last', () => {
    const reg = new GatewayRegistry(['g1'], createMetrics(), clock, pino({ level: 'silent' }), 500);
    const seen: GatewayView[] = [];
    reg.onGatewayUpdate((v) => seen.push(v));
    reg.attach('g1', session(), { siteKind: 'ambulance', siteName: 'A1' });
    expect(seen).toHaveLength(1);
    for (let i = 0; i < 10; i++) { mono += 10; reg.frameReceived('g1', 3, 20 + i); }
    expect(seen).toHaveLength(1);
    mono = 500;
    vi.advanceTimersByTime(500);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ framesReceived: 10, latency: { vitals: { count: 10, lastMs: 29 } } });
    reg.close();
  });

  it('replaces a session (4409) and counts connected gateways once', async () => {
    const metrics = createMetrics();
    const reg = new GatewayRegistry(['g1'], metrics, clock, pino({ level: 'silent' }), 500);
    const a = session();
    const b = session();
    reg.attach('g1', a, { siteKind: null, siteName: null });
    reg.attach('g1', b, { siteKind: null, siteName: null });
    expect(a.closedWith).toBe(4409);
    expect((await metrics.gatewaysConnected.get()).values[0]?.value).toBe(1);
    reg.detach('g1', a); // stale: ignored
    expect(reg.connectedCount()).toBe(1);
    reg.detach('g1', b);
    expect(reg.connectedCount()).toBe(0);
    expect(reg.sendToGateway('g1', {})).toBe('not-connected');
    reg.close();
  });
});
