import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock, DecodedEnvelope, EnvelopeInit } from '../../protocols/index.js';
import { ALL_SITES, type Accessor } from '../auth/access.js';
import { LeaseBook } from './lease-book.js';
import { parseImageMessage } from './messages.js';
import type { ImageMeta } from '../video/index.js';
import { TeleopRelay, type TeleopSocket } from './relay.js';

class FakeSocket {
  readonly OPEN = 1 as const;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: { type: string; [k: string]: unknown }[] = [];
  closedWith: number | null = null;
  send(data: string | Buffer): void {
    if (typeof data === 'string') this.sent.push(JSON.parse(data) as { type: string });
    else { const { header, jpeg } = parseImageMessage(data); this.sent.push({ ...header, jpeg }); }
  }
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

  it('images: only to the sockets of the arm\'s lease holder; behind the bound one waits, newer ones replace it', () => {
    const { relay, ws, counts, lease, book } = setup();
    relay.onLeaseGranted(lease);
    const other = new FakeSocket();
    relay.add(other as unknown as TeleopSocket, { username: 'dr.ma', role: 'specialist', scope: ALL_SITES }, 'tok2');
    const meta = (frameId: number): ImageMeta => ({ streamId: 'arm-1/ultrasound', frameId, width: 8, height: 8, quality: 70, depthMm: 90, gainDb: 0, captureTimeNs: 2e18, receivedAtNs: 2e18, bytes: 4, parts: 1 });
    const jpeg = (n: number) => new Uint8Array([0xff, 0xd8, n, 0xff, 0xd9]);
    // dr.li's socket was open at the grant: it watches the arm from then on.
    relay.onImage('clinic-1', 'arm-1', jpeg(1), meta(1));
    relay.onImage('clinic-1', 'arm-2', jpeg(9), meta(9)); // no lease on arm-2
    relay.onImage('clinic-2', 'arm-1', jpeg(9), meta(9)); // another gateway's arm-1
    expect(ws.of('image').map((m) => [m['frameId'], m['gatewayId'], m['armId']])).toEqual([[1, 'clinic-1', 'arm-1']]);
    expect([...(ws.of('image')[0]?.['jpeg'] as Buffer)]).toEqual([0xff, 0xd8, 1, 0xff, 0xd9]);
    expect(other.of('image')).toEqual([]);
    ws.bufferedAmount = 5000;
    for (const f of [2, 3, 4]) relay.onImage('clinic-1', 'arm-1', jpeg(f), meta(f));
    vi.advanceTimersByTime(50);
    expect(ws.of('image')).toHaveLength(1);
    expect(counts['image-replaced']).toBe(2);
    ws.bufferedAmount = 0;
    vi.advanceTimersByTime(5);
    expect(ws.of('image').map((m) => m['frameId'])).toEqual([1, 4]);
    expect(counts['image']).toBe(2);
    // The lease ends: nothing more, and nothing waiting is written.
    ws.bufferedAmount = 5000;
    relay.onImage('clinic-1', 'arm-1', jpeg(5), meta(5));
    book.release(lease.id, 'dr.li');
    relay.onLeaseEnded(lease);
    ws.bufferedAmount = 0;
    vi.advanceTimersByTime(20);
    relay.onImage('clinic-1', 'arm-1', jpeg(6), meta(6));
    expect(ws.of('image').map((m) => m['frameId'])).toEqual([1, 4]);
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
