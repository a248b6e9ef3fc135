import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { TrafficClass, encodeEnvelope } from '../../protocols/index.js';
import { walAfterCheckpoints } from '../../protocols/storage/test-support.js';
import { MemoryOutbox } from './outbox.js';
import { outboxConformance } from './outbox.conformance.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { StreamSequencer } from './streams.js';

outboxConformance('MemoryOutbox', { make: (maxBytes, retention) => new MemoryOutbox(maxBytes, retention) });

outboxConformance('SqliteOutbox in memory', { make: (maxBytes, retention) => new SqliteOutbox({ dataDir: ':memory:', maxBytes, ...(retention ? { retention } : {}) }) });

const root = mkdtempSync(join(tmpdir(), 'telemed-outbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dirOf = new WeakMap<object, string>();
outboxConformance('SqliteOutbox on disk', {
  make: (maxBytes, retention) => {
    const dataDir = join(root, String(n++));
    const box = new SqliteOutbox({ dataDir, maxBytes, ...(retention ? { retention } : {}) });
    dirOf.set(box, dataDir);
    return box;
  },
  reopen: (box, maxBytes, retention) => {
    const dataDir = dirOf.get(box);
    if (dataDir === undefined) throw new Error('reopen of an outbox this factory did not make');
    box.close();
    const again = new SqliteOutbox({ dataDir, maxBytes, ...(retention ? { retention } : {}) });
    dirOf.set(again, dataDir);
    return again;
  },
});

describe('SqliteOutbox stored bytes', () => {
  it('stores exactly the bytes encodeEnvelope gives for the frame (kept from build, not encoded again)', () => {
    const dataDir = join(root, 'stored-bytes');
    const box = new SqliteOutbox({ dataDir, maxBytes: 1 << 24 });
    const seq = new StreamSequencer('gw-1', () => 60_000, () => 0);
    const data = new Uint8Array(16_384).map((_, i) => (i * 31) & 0xff);
    const chunk = seq.build({
      streamId: 'cart-1/ecg-record', trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: 1_700_000_000_000_000_000,
      payload: { ecgChunk: { recordId: 'r1', offset: 16_384, data } },
    }, 5);
    const vitals = seq.build({
      streamId: 'mon-1/vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: 42,
      payload: { vitals: { deviceId: 'mon-1', numerics: [{ code: 'MDC_ECG_HEART_RATE', label: 'HR', value: 72, unit: '/min', valid: true }] } },
    }, 5);
    box.appendBatch([chunk, vitals]);
    box.close();
    const db = new Database(join(dataDir, 'outbox.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT stream_id, size, env FROM frames ORDER BY stream_id').all() as { stream_id: string; size: number; env: Buffer }[];
      expect(rows.map((r) => r.stream_id)).toEqual(['cart-1/ecg-record', 'mon-1/vitals']);
      for (const [row, frame] of [[rows[0], chunk], [rows[1], vitals]] as const) {
        const expected = encodeEnvelope(frame.env);
        expect(row?.size).toBe(expected.length);
        expect(Buffer.compare(row?.env ?? Buffer.alloc(0), Buffer.from(expected))).toBe(0);
      }
    } finally {
      db.close();
    }
  });
});

describe('SqliteOutbox WAL checkpoints', () => {
  const seqr = new StreamSequencer('gw-1', () => 60_000, () => 0);
  const chunk = (stream: string): ReturnType<StreamSequencer['build']> => seqr.build({
    streamId: stream, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: 1,
    payload: { ecgChunk: { recordId: 'r1', data: new Uint8Array(16_384).fill(3) } },
  }, 5);

  it('checkpoints on its own thread: no automatic checkpoint in a commit, the WAL is copied into the database', async () => {
    const dataDir = join(root, 'checkpoint');
    const box = new SqliteOutbox({ dataDir, maxBytes: 1 << 26 });
    for (let i = 0; i < 40; i++) box.appendBatch(Array.from({ length: 10 }, () => chunk('c')));
    try {
      const s = await walAfterCheckpoints(join(dataDir, 'outbox.db'));
      expect(s.log).toBeGreaterThan(1000); // past where SQLite would have checkpointed inside a commit
      expect(s.checkpointed).toBe(s.log);
    } finally {
      box.close();
    }
  });

  it('setDownlinkHighSynced: the mark counts at once, promises settle in order, and it is on disk after', async () => {
    const dataDir = join(root, 'marks-synced');
    const box = new SqliteOutbox({ dataDir, maxBytes: 1 << 24 });
    const order: number[] = [];
    const a = box.setDownlinkHighSynced('hub/dx', 3).then(() => order.push(3));
    expect(box.downlinkHigh('hub/dx')).toBe(3);
    const b = box.setDownlinkHighSynced('hub/dx', 4).then(() => order.push(4));
    await Promise.all([a, b]);
    expect(order).toEqual([3, 4]);
    box.close();
    const again = new SqliteOutbox({ dataDir, maxBytes: 1 << 24 });
    expect(again.downlinkHigh('hub/dx')).toBe(4);
    again.close();
    const mem = new SqliteOutbox({ dataDir: ':memory:', maxBytes: 1 << 24 });
    await mem.setDownlinkHighSynced('hub/dx', 7);
    expect(mem.downlinkHigh('hub/dx')).toBe(7);
    mem.close();
  });
});

describe('SqliteOutbox migrations 4 and 5 (acked frames retained, cumulative bytes)', () => {
  it('takes an outbox.db from before retention: its rows are unacked, the ack is one below the oldest held frame', () => {
    const dataDir = join(root, 'migrate-4');
    const seqr = new StreamSequencer('gw-1', () => 60_000, () => 0);
    const frame = (stream: string) => seqr.build({
      streamId: stream, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: 1,
      payload: { vitals: { deviceId: 'mon-1', numerics: [{ code: 'MDC_ECG_HEART_RATE', value: 72, unit: '/min' }] } },
    }, 5);
    const box = new SqliteOutbox({ dataDir, maxBytes: 1 << 20, checkpointThread: false });
    box.appendBatch([frame('a'), frame('a'), frame('a'), frame('a'), frame('a'), frame('a'), frame('b'), frame('b')]);
    box.close();
    // What the old code left after acks of a:1..3 and b:1..2: those rows deleted, no acked_seq.
    const db = new Database(join(dataDir, 'outbox.db'));
    db.exec(`DELETE FROM frames WHERE (stream_id = 'a' AND seq <= 3) OR stream_id = 'b';
      DROP TABLE ack_marks; ALTER TABLE streams DROP COLUMN acked_seq; ALTER TABLE frames DROP COLUMN cum_bytes;
      DELETE FROM migrations WHERE id IN (4, 5);`);
    db.close();
    const again = new SqliteOutbox({ dataDir, maxBytes: 1 << 20, checkpointThread: false, retention: { retainAckedMs: 60_000, retainAckedBytes: 1 << 20 } });
    try {
      expect([again.ackedSeq('a'), again.ackedSeq('b'), again.frames, again.retainedFrames]).toEqual([3, 2, 3, 0]);
      expect(again.pendingBatch('a', 0, 10).map((f) => f.seq)).toEqual([4, 5, 6]);
      expect([...again.hubAcked()].sort()).toEqual([['a', 3], ['b', 2]]);
      // Nothing below the ack is held, so nothing of it is claimed as resendable.
      expect([...again.hubRetained()].sort()).toEqual([['a', 4], ['b', 3]]);
      expect(again.bytes).toBe(again.pendingBatch('a', 0, 10).reduce((n, f) => n + f.size, 0));
      again.ack('a', 5);
      expect([again.frames, again.retainedFrames, again.bytes]).toEqual([1, 2, again.pendingBatch('a', 0, 10)[0]?.size]);
      again.ack('a', 6);
      expect([again.frames, again.bytes, again.retainedFrames]).toEqual([0, 0, 3]);
    } finally {
      again.close();
    }
  });
});
