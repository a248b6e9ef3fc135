import { afterEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { systemClock, TrafficClass } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { FakeHub } from './fake-hub.js';
import { MemoryOutbox } from './outbox.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import type { BuildFrameInput } from './streams.js';
import { Uplink } from './uplink.js';

const SECRET = 'rollback-credential-77';
const STREAM = 'sim-1/vitals';
let hub: FakeHub | undefined;
let uplink: Uplink | undefined;

afterEach(async () => {
  await uplink?.close();
  await hub?.close();
  uplink = hub = undefined;
});

function vitals(n: number): BuildFrameInput {
  return {
    streamId: STREAM, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: systemClock.nowNs(),
    payload: { vitals: { deviceId: 'sim-1', numerics: [{ code: 'MDC_ECG_HEART_RATE', value: n, unit: '/min' }] } },
  };
}

function start(url: string, outbox: 'memory' | 'sqlite', retainAckedMs: number): { uplink: Uplink; lines: string[] } {
  const config = loadGatewayConfig({
    gatewayId: 'clinic-1', hub: { url, credential: SECRET }, reconnect: { initialMs: 10, maxMs: 40, jitter: 0 },
    outbox: { kind: outbox, retainAckedMs },
  });
  const retention = { retainAckedMs, retainAckedBytes: config.outbox.retainAckedBytes };
  const box = outbox === 'memory' ? new MemoryOutbox(config.outbox.maxBytes, retention) : new SqliteOutbox({ dataDir: ':memory:', maxBytes: config.outbox.maxBytes, retention });
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString()); cb(); } }));
  const u = new Uplink(config, { clock: systemClock, logger, outbox: box });
  u.start();
  return { uplink: u, lines };
}

const ready = (u: Uplink) => vi.waitFor(() => expect(u.session.state).toBe('ready'), { timeout: 3000, interval: 5 });
const drained = (u: Uplink) => vi.waitFor(() => expect(u.outbox.bytes).toBe(0), { timeout: 5000, interval: 5 });

describe('uplink: a hub that went back below its acks gets the retained frames again', () => {
  for (const kind of ['memory', 'sqlite'] as const) {
    it(`${kind} outbox: re-queues the frames above the hub's mark with the same seqs, states hub_retained, logs and counts`, async () => {
      hub = await FakeHub.start({ credential: SECRET });
      const s = start(hub.url, kind, 3_600_000);
      uplink = s.uplink;
      await ready(uplink);
      for (let i = 1; i <= 10; i++) uplink.publish(vitals(i));
      await drained(uplink);
      expect(hub.stored.get(STREAM)).toBe(10);
      expect(uplink.outbox.retainedFrames).toBe(10);
      // The hub restores a backup holding 4 of them and comes back.
      hub.stored.set(STREAM, 4);
      const before = hub.dataFrames(STREAM).length;
      hub.dropAll();
      await vi.waitFor(() => expect(hub?.hellos).toBe(2), { timeout: 3000, interval: 5 });
      const hello = hub.received.filter((e) => e.payload === 'hello').at(-1)?.hello;
      expect(hello?.hubAcked).toEqual([expect.objectContaining({ streamId: STREAM, seq: 10 })]);
      expect(hello?.hubRetained).toEqual([expect.objectContaining({ streamId: STREAM, seq: 1 })]);
      await ready(uplink);
      await vi.waitFor(() => expect(hub?.stored.get(STREAM)).toBe(10), { timeout: 5000, interval: 5 });
      const resent = hub.dataFrames(STREAM).slice(before).map((e) => e.header.seq);
      expect(resent).toEqual([5, 6, 7, 8, 9, 10]);
      expect(hub.dataFrames(STREAM).slice(before).map((e) => e.vitals?.numerics?.[0]?.value)).toEqual([5, 6, 7, 8, 9, 10]);
      expect(uplink.rollback).toEqual({ resentAfterRollback: 6, missingAfterRollback: 0 });
      expect(uplink.session.hubRollbacks).toBe(1);
      expect(s.lines.some((l) => l.includes('resent after hub rollback') && l.includes('"resent":6'))).toBe(true);
    });
  }

  it('without retention the lost frames are reported as a gap (missing), none resent', async () => {
    hub = await FakeHub.start({ credential: SECRET });
    const s = start(hub.url, 'sqlite', 0);
    uplink = s.uplink;
    await ready(uplink);
    for (let i = 1; i <= 5; i++) uplink.publish(vitals(i));
    await drained(uplink);
    hub.stored.set(STREAM, 2);
    hub.dropAll();
    await vi.waitFor(() => expect(uplink?.rollback.missingAfterRollback).toBe(3), { timeout: 3000, interval: 5 });
    expect(uplink.rollback.resentAfterRollback).toBe(0);
    const warn = s.lines.find((l) => l.includes('resent after hub rollback'));
    expect(JSON.parse(warn ?? '{}')).toMatchObject({ code: 'TM_WARN_HUB_ROLLBACK', missingFrom: 3, missingTo: 5, missing: 3, resent: 0 });
  });
});

describe('RetentionPruner', () => {
  it('runs every interval and, while a run prunes anything, goes on in back-to-back batches until one finds nothing', async () => {
    const { ManualTimers } = await import('./manual-timers.js');
    const { PRUNE_BATCH_FRAMES } = await import('./outbox-retention.js');
    const { RetentionPruner } = await import('./rollback-resend.js');
    let due = PRUNE_BATCH_FRAMES * 2 + 5;
    const calls: number[] = [];
    const outbox = { pruneRetained: (max: number) => { const n = Math.min(max, due); due -= n; calls.push(n); return n; } } as unknown as MemoryOutbox;
    const timers = new ManualTimers();
    const pruner = new RetentionPruner(outbox, timers, 60_000, pino({ level: 'silent' }));
    pruner.start();
    timers.advance(59_999);
    expect(calls).toEqual([]);
    timers.advance(1);
    expect(calls).toEqual([PRUNE_BATCH_FRAMES]);
    timers.advance(RetentionPruner.catchUpMs);
    timers.advance(RetentionPruner.catchUpMs);
    expect(calls).toEqual([PRUNE_BATCH_FRAMES, PRUNE_BATCH_FRAMES, 5]);
    // A short batch (SqliteOutbox's byte bound) is no proof of being caught up: one more run.
    timers.advance(RetentionPruner.catchUpMs);
    expect(calls).toEqual([PRUNE_BATCH_FRAMES, PRUNE_BATCH_FRAMES, 5, 0]);
    timers.advance(RetentionPruner.catchUpMs * 10);
    expect(calls).toHaveLength(4); // caught up: back to the interval
    pruner.stop();
    timers.advance(120_000);
    expect(calls).toHaveLength(4);
  });
});
