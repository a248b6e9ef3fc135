// SqliteOutbox retention at scale (issue 12 item 2): a prune is bounded by bytes as well as frames
// (a delete costs pages, and a BULK chunk is five of them), and the counters read at open come
// back the same from a file holding retained and pending rows of several streams.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { TrafficClass } from '../../protocols/index.js';
import { PRUNE_BATCH_BYTES, type RetentionOptions } from './outbox-retention.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { StreamSequencer, type OutFrame } from './streams.js';

const root = mkdtempSync(join(tmpdir(), 'telemed-outbox-prune-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seqr = new StreamSequencer('gw-1', () => 60_000, () => 0);
const chunk = (streamId: string, i: number): OutFrame => seqr.build({
  streamId, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: 1,
  payload: { ecgChunk: { recordId: 'rec-1', offset: i * 16384, totalSize: 300 * 16384, data: new Uint8Array(16384).fill(i & 255), contentType: 'application/octet-stream', last: false } },
}, 5);

describe('SqliteOutbox pruning and open with retained rows', () => {
  let now = 1_000_000;
  const retention: RetentionOptions = { retainAckedMs: 60_000, retainAckedBytes: 1 << 30, nowMs: () => now };

  beforeEach(() => {
    seqr = new StreamSequencer('gw-1', () => 60_000, () => 0);
  });

  it('one pruneRetained call deletes at most PRUNE_BATCH_BYTES (and one frame more), the next ones the rest', () => {
    const box = new SqliteOutbox({ dataDir: join(root, 'bytes'), maxBytes: 1 << 30, checkpointThread: false, retention });
    try {
      const frames = Array.from({ length: 300 }, (_, i) => chunk('ecg/cart-1', i));
      box.appendBatch(frames);
      box.ack('ecg/cart-1', 300);
      const size = Math.max(...frames.map((f) => f.size));
      expect([box.frames, box.retainedFrames, box.retainedBytes]).toEqual([0, 300, frames.reduce((n, f) => n + f.size, 0)]);
      now += 120_000; // every ack past the window
      const first = box.pruneRetained();
      expect(first).toBeGreaterThan(0);
      expect(first * size).toBeLessThanOrEqual(PRUNE_BATCH_BYTES + size); // 4096 frames (all 300) before
      let total = first;
      for (let n = box.pruneRetained(); n > 0; n = box.pruneRetained()) total += n;
      expect([total, box.retainedFrames, box.retainedBytes]).toEqual([300, 0, 0]);
      expect(box.hubRetained().get('ecg/cart-1')).toBe(301);
    } finally {
      box.close();
    }
  });

  it('reopens a file with retained, pruned and pending rows of several streams to the same counters', () => {
    const dataDir = join(root, 'reopen');
    const box = new SqliteOutbox({ dataDir, maxBytes: 1 << 30, checkpointThread: false, retention });
    const cart1 = Array.from({ length: 200 }, (_, i) => chunk('ecg/cart-1', i));
    box.appendBatch(cart1);
    box.appendBatch(Array.from({ length: 50 }, (_, i) => chunk('ecg/cart-2', i)));
    box.ack('ecg/cart-1', 180);
    box.ack('ecg/cart-2', 50);
    now += 120_000;
    expect(box.pruneRetained(70)).toBe(70); // cart-1 1..70 deleted; 71..180 retained; 181..200 pending
    const state = (b: SqliteOutbox) => ({
      frames: b.frames, bytes: b.bytes, retainedFrames: b.retainedFrames, retainedBytes: b.retainedBytes,
      retained: [...b.hubRetained()].sort(), acked: [...b.hubAcked()].sort(), streams: [...b.streams()].sort(),
    });
    const before = state(box);
    expect(before).toMatchObject({ frames: 20, retainedFrames: 180 - 70 + 50, retained: [['ecg/cart-1', 71], ['ecg/cart-2', 1]], streams: ['ecg/cart-1'] });
    box.close();
    const again = new SqliteOutbox({ dataDir, maxBytes: 1 << 30, checkpointThread: false, retention });
    try {
      expect(state(again)).toEqual(before);
      expect(again.pendingBatch('ecg/cart-1', 0, 100).map((f) => f.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 181 + i));
      expect(again.requeue('ecg/cart-1', 100)).toEqual({ resent: 80, resentBytes: cart1.slice(100, 180).reduce((n, f) => n + f.size, 0), missing: null });
    } finally {
      again.close();
    }
  });
});
