import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock, DecodedEnvelope, EnvelopeInit } from '../../protocols/index.js';
import { ALL_SITES, type Accessor } from '../auth/access.js';
import { LeaseBook } from './lease-book.js';
import { TeleopRelay, type TeleopSocket } from './relay.js';

class FakeSocket {
  readonly OPEN = 1 as const;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: { type: string; [k: string]: unknown }[] = [];
  closedWith: number | null = null;
  send(text: string): void { this.sent.push(JSON.parse(text) as { type: string }); }
  close(code: number): void { this.closedWith = code; this.readyState = 3; }
  terminate(): void { this.readyState = 3; }
  of(type: string) { return this.sent.filter((m) => m.type === type); }
}

const li: Accessor = { username: 'dr.li', role: 'specialist', scope: ALL_SITES };

function setup() {
  const c = { t: 5_000_000 };
  const clock: Clock = { nowNs: () => c.t * 1e6, monoMs: () => c.t };
  const downlink: EnvelopeInit[] = [];
  const send = (_g: string, env: EnvelopeInit) => { downlink.push(env); return 'sent' as const; };
  const book = new LeaseBook({ clock, send, ttlMs: 600_000 });
  const counts: Record<string, number> = {};
  const bump = (k: string) => { counts[k] = (counts[k] ?? 0) + 1; };
  const relay = new TeleopRelay({ book, send, clock, log: pino({ level: 'silent' }), refused: (code) => bump(code), counted: (w) => bump(w), maxBufferedBytes: 1000, maxMessagesPerSecond: 5 });
  const ws = new FakeSocket();
  relay.add(ws as unknown as TeleopSocket, li, 'tok');
  const lease = book.request('dr.li', 'clinic-1', 'arm-1');
  return { c, book, relay, ws, lease, downlink, counts };
}

const telemetry = (forceN: number, lastCommandId = 0): DecodedEnvelope => ({
  header: { gatewayId: 'clinic-1', streamId: 'arm-1/telemetry', captureTimeNs: 1 },
  payload: 'armTelemetry', armTelemetry: { armId: 'arm-1', forceN, lastCommandId },
} as unknown as DecodedEnvelope);

describe('TeleopRelay', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('newest wins: behind the bound one sample waits, newer ones replace it, and only the newest is written once the socket drains', () => {
    const { relay, ws, lease, counts } = setup();
    relay.onMessage(ws as unknown as TeleopSocket, JSON.stringify({ type: 'heartbeat', leaseId: lease.id, seq: 1 }));
    relay.onTelemetry('clinic-1', telemetry(1));
    expect(ws.of('telemetry').map((m) => m['forceN'])).toEqual([1]);
    ws.bufferedAmount = 5000;
    for (const f of [2, 3, 4, 5]) relay.onTelemetry('clinic-1', telemetry(f));
    vi.advanceTimersByTime(50);
    expect(ws.of('telemetry')).toHaveLength(1);
    expect(counts['replaced']).toBe(3);
    ws.bufferedAmount = 0;
    vi.advanceTimersByTime(5);
    expect(ws.of('telemetry').map((m) => m['forceN'])).toEqual([1, 5]);
    expect(counts['telemetry']).toBe(2);
  });

  it('reports the round trip of the newest command the telemetry echoes, once', () => {
    const { c, relay, ws, lease } = setup();
    for (const seq of [1, 2, 3]) relay.onMessage(ws as unknown as TeleopSocket, JSON.stringify({ type: 'jog', leaseId: lease.id, seq, sentAtMs: 100 + seq, twist: { vx: 1, vy: 0, vz: 0 } }));
    c.t += 42;
    relay.onTelemetry('clinic-1', telemetry(0, 2));
    relay.onTelemetry('clinic-1', telemetry(0, 2));
    expect(ws.of('rtt')).toEqual([{ type: 'rtt', commandId: 2, seq: 2, sentAtMs: 102, hubMs: 42 }]);
    expect(ws.of('telemetry').at(-1)?.['rttMs']).toBe(42);
  });

  it('refuses garbage, binary and over-rate messages with codes; the socket carries on', () => {
    const { relay, ws, lease, downlink, counts } = setup();
    const before = downlink.length;
    relay.onMessage(ws as unknown as TeleopSocket, '{not json');
    relay.onMessage(ws as unknown as TeleopSocket, JSON.stringify({ type: 'jog', leaseId: lease.id, seq: 4, twist: { vx: 'fast' } }));
    relay.onMessage(ws as unknown as TeleopSocket, JSON.stringify({ type: 'move', leaseId: lease.id, seq: 5, target: { x: Number.MAX_VALUE, y: 0, z: 0, qw: 1, qx: 0, qy: 0, qz: 0 } }));
    expect(ws.of('error').map((m) => [m['code'], m['seq']])).toEqual([['TM_ERR_TELEOP_BAD_MESSAGE', null], ['TM_ERR_TELEOP_BAD_MESSAGE', 4], ['TM_ERR_TELEOP_BAD_MESSAGE', 5]]);
    relay.onMessage(ws as unknown as TeleopSocket, JSON.stringify({ type: 'stop', leaseId: lease.id, seq: 6 }));
    expect(downlink.length).toBe(before + 1);
    // Five messages per second here: the next ones are dropped, one error per window.
    for (let i = 0; i < 4; i++) relay.onMessage(ws as unknown as TeleopSocket, JSON.stringify({ type: 'ping', seq: 10 + i }));
    expect(ws.of('error').at(-1)?.['code']).toBe('TM_ERR_TELEOP_RATE_LIMITED');
    expect(counts['TM_ERR_TELEOP_RATE_LIMITED']).toBe(3);
    expect(ws.of('error').filter((m) => m['code'] === 'TM_ERR_TELEOP_RATE_LIMITED')).toHaveLength(1);
    expect(ws.closedWith).toBeNull();
  });

  it('closes a socket that never reads its replies past the hard bound (4429)', () => {
    const { relay, ws } = setup();
    ws.bufferedAmount = 16_001;
    relay.onMessage(ws as unknown as TeleopSocket, JSON.stringify({ type: 'ping' }));
    expect(ws.closedWith).toBe(4429);
    expect(relay.size).toBe(0);
  });
});
