import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { walAfterCheckpoints } from '../../protocols/storage/test-support.js';
import { tempDir, type TempDir } from '../test-support.js';
import { frame, recordsStoreConformance } from './records-store.conformance.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteRecordsStore } from './sqlite-store.js';

recordsStoreConformance('sqlite file', () => {
  const dir = tempDir();
  let store = new SqliteRecordsStore(dir.path);
  return Promise.resolve({
    get store() { return store; },
    async reopen() { await store.close(); store = new SqliteRecordsStore(dir.path); return store; },
    cleanup() { dir.remove(); return Promise.resolve(); },
  });
});

recordsStoreConformance('sqlite :memory:', () => {
  const store = new SqliteRecordsStore(':memory:');
  return Promise.resolve({ store, reopen: () => Promise.reject(new Error('in-memory')), cleanup: () => Promise.resolve() });
}, false);

describe('SqliteRecordsStore specifics', () => {
  let dir: TempDir;
  let store: SqliteRecordsStore;
  beforeEach(() => { dir = tempDir(); store = new SqliteRecordsStore(dir.path); });
  afterEach(async () => { await store.close(); dir.remove(); });

  it('checkpoints its WAL on a thread of its own: no automatic checkpoint inside a commit on the event loop', async () => {
    // 400 frames of 16 KiB: ~1600 WAL pages, past the 1000 where SQLite would checkpoint in a commit.
    for (let b = 0; b < 40; b++) {
      await store.storeFrames(Array.from({ length: 10 }, (_, i) => ({ ...frame(b * 10 + i + 1), raw: new Uint8Array(16_384).fill(7) })));
    }
    const s = await walAfterCheckpoints(join(dir.path, 'records.db'));
    expect(s.log).toBeGreaterThan(1000);
    expect(s.checkpointed).toBe(s.log);
  });

  it('uses WAL and records its migrations in order, once', async () => {
    await store.close();
    store = new SqliteRecordsStore(dir.path); // a second open must not re-apply anything
    const db = new Database(join(dir.path, 'records.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // Every defined migration, each once (helpers add theirs; ids need not be contiguous).
    expect(db.prepare('SELECT id FROM migrations ORDER BY id').pluck().all()).toEqual(MIGRATIONS.map((m) => m.id).sort((a, b) => a - b));
    expect(MIGRATIONS.map((m) => m.id)).toEqual(expect.arrayContaining([1, 2, 3, 6]));
    db.close();
  });

  it('rejects with TM_ERR_STORE once closed', async () => {
    await store.close();
    await expect(store.storeFrames([frame(1)])).rejects.toMatchObject({ code: 'TM_ERR_STORE' });
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
