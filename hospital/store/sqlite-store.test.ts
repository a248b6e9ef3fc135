import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { tempDir, type TempDir } from '../test-support.js';
import type { FrameRecord } from './records-store.js';
import { SqliteRecordsStore } from './sqlite-store.js';

const frame = (seq: number, streamId = 's1', gatewayId = 'g1'): FrameRecord => ({
  gatewayId, streamId, seq, trafficClass: 3, captureTimeNs: 1e18, receivedAtNs: 1e18 + 5e6, payloadKind: 'vitals', raw: new Uint8Array([seq & 0xff, 1, 2]),
});

describe('SqliteRecordsStore', () => {
  let dir: TempDir;
  let store: SqliteRecordsStore;
  beforeEach(() => { dir = tempDir(); store = new SqliteRecordsStore(dir.path); });
  afterEach(async () => { await store.close(); dir.remove(); });

  it('uses WAL and records its migrations in order', () => {
    const db = new Database(join(dir.path, 'records.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT id FROM migrations ORDER BY id').pluck().all()).toEqual([1, 2]);
    db.close();
  });

  it('stores a batch, acks cumulatively and dedups by (gateway, stream, seq)', async () => {
    const r1 = await store.storeFrames([frame(1), frame(2), frame(1, 's2')]);
    expect(r1.outcomes).toEqual(['stored', 'stored', 'stored']);
    expect(Object.fromEntries(r1.acks)).toEqual({ s1: 2, s2: 1 });
    const r2 = await store.storeFrames([frame(2), frame(3)]);
    expect(r2.outcomes).toEqual(['duplicate', 'stored']);
    expect(Object.fromEntries(r2.acks)).toEqual({ s1: 3 });
    expect(await store.countFrames('g1', 's1')).toBe(3);
    expect(Object.fromEntries(await store.streamAcks('g1'))).toEqual({ s1: 3, s2: 1 });
  });

  it('does not ack past a gap, and closes it when the missing frame arrives', async () => {
    const r1 = await store.storeFrames([frame(1), frame(3), frame(4)]);
    expect(Object.fromEntries(r1.acks)).toEqual({ s1: 1 });
    const r2 = await store.storeFrames([frame(2)]);
    expect(Object.fromEntries(r2.acks)).toEqual({ s1: 4 });
    expect((await store.storeFrames([frame(3)])).outcomes).toEqual(['duplicate']);
  });

  it('keeps acks across a reopen', async () => {
    await store.storeFrames([frame(1), frame(2)]);
    await store.close();
    store = new SqliteRecordsStore(dir.path);
    expect(Object.fromEntries(await store.streamAcks('g1'))).toEqual({ s1: 2 });
    expect((await store.storeFrames([frame(2), frame(3)])).outcomes).toEqual(['duplicate', 'stored']);
  });

  it('keeps users and hashed sessions, and purges expired ones', async () => {
    await store.upsertUser({ username: 'u', role: 'admin', passwordHash: 'h1' });
    await store.upsertUser({ username: 'u', role: 'clinician', passwordHash: 'h2' });
    expect(await store.findUser('u')).toEqual({ username: 'u', role: 'clinician', passwordHash: 'h2' });
    await store.putSession({ tokenHash: 'a', username: 'u', role: 'clinician', expiresAtMs: 100 });
    await store.putSession({ tokenHash: 'b', username: 'u', role: 'clinician', expiresAtMs: 300 });
    expect(await store.purgeSessions(200)).toBe(1);
    expect(await store.findSession('a')).toBeUndefined();
    expect((await store.findSession('b'))?.username).toBe('u');
  });

  it('takes a 20k-frame load in batches of 64 quickly', async () => {
    const t0 = performance.now();
    const batches = Math.ceil(20_000 / 64);
    for (let b = 0; b < batches; b++) {
      await store.storeFrames(Array.from({ length: 64 }, (_, i) => frame(b * 64 + i + 1, 'bulk')));
    }
    const ms = performance.now() - t0;
    expect(await store.countFrames('g1', 'bulk')).toBe(batches * 64);
    // Generous bound for shared CI machines; the real figure belongs in bench/.
    expect(ms).toBeLessThan(5000);
  });
});
