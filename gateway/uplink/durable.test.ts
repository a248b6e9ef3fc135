// The uplink's durable path with the SQLite outbox: numbering across restarts, refusals that
// leave no gap, group commit, the rate-limited outbox-full alarm, and the bounded backlog reader.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CLASS_DEFAULTS, TrafficClass, type Clock } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { BacklogReader } from './backlog.js';
import { ManualTimers } from './manual-timers.js';
import { MemoryOutbox } from './outbox.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { StreamSequencer, type BuildFrameInput, type OutFrame } from './streams.js';
import { Uplink } from './uplink.js';

const root = mkdtempSync(join(tmpdir(), 'telemed-durable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let t = 1_000;
const clock: Clock = { nowNs: () => (1_700_000_000_000 + t) * 1e6, monoMs: () => t };
const log = pino({ level: 'silent' });
const config = (maxBytes = 1 << 20) => loadGatewayConfig({ gatewayId: 'g', hub: { url: 'ws://127.0.0.1:1/uplink', credential: 'c' }, outbox: { maxBytes, groupCommitMs: 2 } });
const reading = (bytes = 50, streamId = 'dev/rec'): BuildFrameInput => ({
  streamId, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: clock.nowNs(), payload: { ecgChunk: { data: new Uint8Array(bytes) } },
});

describe('uplink durable path (not connected)', () => {
  it('continues each stream\'s numbering from the SQLite outbox after a restart, also when it was drained', () => {
    const dataDir = join(root, 'restart');
    const box1 = new SqliteOutbox({ dataDir, maxBytes: 1 << 20, clock });
    const u1 = new Uplink(config(), { clock, logger: log, outbox: box1 });
    for (let i = 0; i < 5; i++) u1.publish(reading());
    u1.publish(reading(50, 'dev/other'));
    box1.ack('dev/other', 1); // the hub had everything of this stream
    box1.close();

    const box2 = new SqliteOutbox({ dataDir, maxBytes: 1 << 20, clock });
    const u2 = new Uplink(config(), { clock, logger: log, outbox: box2 });
    expect(u2.publish(reading()).seq).toBe(6);
    expect(u2.publish(reading(50, 'dev/other')).seq).toBe(2);
    box2.close();
  });

  it('gives a refused seq back (no gap), raises one alarm per 10 s, and counts every refusal', () => {
    const timers = new ManualTimers();
    const alarms: number[] = [];
    const box = new MemoryOutbox(1024);
    const u = new Uplink(config(1024), { clock, logger: log, outbox: box, timers, hooks: { outboxFull: (n) => alarms.push(n) } });
    expect(u.publish(reading(600)).seq).toBe(1);
    for (let i = 0; i < 3; i++) expect(() => u.publish(reading(600))).toThrow(expect.objectContaining({ code: 'TM_ERR_OUTBOX_FULL' }));
    expect(alarms).toEqual([1]);
    t += 9_999;
    expect(() => u.publish(reading(600))).toThrow();
    expect(alarms).toEqual([1]);
    t += 1;
    expect(() => u.publish(reading(600))).toThrow();
    expect(alarms).toEqual([1, 5]);
    expect(u.fullAlarm.state).toMatchObject({ refused: 5, alarms: 2 });
    expect(u.scheduler.stats().bulk.dropped.outbox_full).toBe(5);
    box.ack('dev/rec', 1);
    expect(u.publish(reading(600)).seq).toBe(2); // the refused numbers were never used
  });

  it('group-commits submitted readings, refusing only those that do not fit, without gaps', async () => {
    const timers = new ManualTimers();
    const box = new SqliteOutbox({ dataDir: join(root, 'group'), maxBytes: 1024, clock });
    const u = new Uplink(config(1024), { clock, logger: log, outbox: box, timers });
    const sizes = [300, 300, 600, 250, 10];
    const results = sizes.map((b) => u.submit(reading(b)).then((f) => f.seq, (err: { code?: string }) => err.code));
    expect(box.frames).toBe(0); // nothing is on disk (nor told) before the commit
    timers.advance(2);
    expect(await Promise.all(results)).toEqual([1, 2, 'TM_ERR_OUTBOX_FULL', 3, 4]);
    expect(box.pendingBatch('dev/rec', 0, 10).map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    expect(box.highestSeq('dev/rec')).toBe(4);
    await u.close();
    box.close();
  });
});

describe('BacklogReader', () => {
  it('keeps at most a bounded read-ahead of a long backlog in the scheduler, in seq order per stream', () => {
    const seqr = new StreamSequencer('g', (c) => CLASS_DEFAULTS[c].budgetMs);
    const box = new MemoryOutbox(1 << 30);
    for (let i = 0; i < 3000; i++) for (const s of ['a', 'b']) box.append(seqr.build(reading(10, s), 0));
    const reader = new BacklogReader({ lowWaterFrames: 100, maxQueuedBytes: 1 << 20, batchFrames: 40 });
    reader.add('a', 500, 3000);
    reader.add('b', 0, 2000); // frames after 2000 were published live after the resume
    const queue: OutFrame[] = [];
    const sent: Record<string, number[]> = { a: [], b: [] };
    let maxQueued = 0;
    for (;;) {
      reader.refill(box, (f) => queue.push(f));
      maxQueued = Math.max(maxQueued, queue.length);
      const f = queue.shift();
      if (!f) break;
      reader.taken(f);
      sent[f.streamId]?.push(f.seq);
    }
    expect(maxQueued).toBeLessThanOrEqual(100 + 2 * 40);
    expect(sent['a']).toEqual(Array.from({ length: 2500 }, (_, i) => 501 + i));
    expect(sent['b']).toEqual(Array.from({ length: 2000 }, (_, i) => 1 + i));
    expect(reader.streams).toBe(0);
  });

  it('leaves a live durable flood in the outbox past maxQueuedBytes, reads it back in order before the outage backlog', () => {
    const seqr = new StreamSequencer('g', (c) => CLASS_DEFAULTS[c].budgetMs);
    const box = new MemoryOutbox(1 << 30);
    const reader = new BacklogReader({ lowWaterFrames: 10, maxQueuedBytes: 5000, batchFrames: 4 });
    // An outage's backlog of stream 'old', then 30 live frames of 'cart' while the scheduler fills.
    for (let i = 0; i < 20; i++) box.append(seqr.build(reading(10, 'old'), 0));
    reader.add('old', 0, 20);
    const queue: OutFrame[] = [];
    let schedulerBytes = 0;
    for (let i = 0; i < 30; i++) {
      const f = seqr.build(reading(1000, 'cart'), 0);
      box.append(f);
      if (!reader.deferLive(f.streamId, f.seq, schedulerBytes)) {
        queue.push(f);
        schedulerBytes += f.size;
      }
    }
    // Queued until the scheduler held maxQueuedBytes (each frame is ~1 kB); the rest stayed on disk.
    expect(queue.length).toBeGreaterThanOrEqual(4);
    expect(queue.length).toBeLessThanOrEqual(6);
    expect(reader.deferredStreams).toBe(1);
    const sent: string[] = [];
    for (;;) {
      reader.refill(box, (f) => queue.push(f));
      const f = queue.shift();
      if (!f) break;
      reader.taken(f);
      sent.push(`${f.streamId}:${f.seq}`);
    }
    const cart = sent.filter((x) => x.startsWith('cart:')).map((x) => Number(x.split(':')[1]));
    expect(cart).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // Live before backlog: every cart frame left the queue before the first old one.
    expect(sent.findIndex((x) => x.startsWith('old:'))).toBeGreaterThan(sent.lastIndexOf('cart:30') - 1);
    expect(sent.filter((x) => x.startsWith('old:'))).toHaveLength(20);
    expect(reader.deferredStreams + reader.streams).toBe(0);
  });
});
