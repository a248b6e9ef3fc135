import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../test-support.js';
import { SqliteRecordsStore } from './sqlite-store.js';

const bytes = (n: number, seq: number): Uint8Array => new Uint8Array(n).fill(seq & 0xff);

describe('DownlinkOutbox (hub, SQLite)', () => {
  let dir: TempDir;
  let store: SqliteRecordsStore;
  beforeEach(() => { dir = tempDir(); store = new SqliteRecordsStore(dir.path, 1000); });
  afterEach(async () => { await store.close(); dir.remove(); });

  it('numbers per (gateway, stream) from 1 and hands the seq to the encoder', () => {
    const seen: number[] = [];
    const put = (gw: string, s: string): number => {
      const r = store.downlink.append(gw, s, 2, (seq) => { seen.push(seq); return bytes(10, seq); });
      if (!r.ok) throw new Error('refused');
      return r.frame.seq;
    };
    expect([put('g1', 'dx'), put('g1', 'dx'), put('g1', 'status'), put('g2', 'dx'), put('g1', 'dx')]).toEqual([1, 2, 1, 1, 3]);
    expect(seen).toEqual([1, 2, 1, 1, 3]);
    expect(store.downlink.pending('g1').map((f) => `${f.streamId}:${f.seq}:${f.trafficClass}`)).toEqual(['dx:1:2', 'dx:2:2', 'status:1:2', 'dx:3:2']);
    expect(store.downlink.heldBytes('g1')).toBe(40);
  });

  it('deletes cumulatively on ack and keeps numbering after the rows are gone and after a reopen', async () => {
    for (let i = 0; i < 3; i++) store.downlink.append('g1', 'dx', 2, (seq) => bytes(100, seq));
    expect(store.downlink.ack('g1', 'dx', 2)).toBe(200);
    expect(store.downlink.pending('g1').map((f) => f.seq)).toEqual([3]);
    expect(store.downlink.ack('g1', 'dx', 2)).toBe(0); // an old ack again changes nothing
    expect(store.downlink.ack('g1', 'dx', 3)).toBe(100);
    await store.close();
    store = new SqliteRecordsStore(dir.path, 1000);
    expect(store.downlink.pending('g1')).toEqual([]);
    const r = store.downlink.append('g1', 'dx', 2, (seq) => bytes(100, seq));
    expect(r.ok && r.frame.seq).toBe(4);
  });

  it('tells ack listeners of their streams which frames an ack deleted, once, oldest first', () => {
    for (let i = 0; i < 3; i++) store.downlink.append('g1', 'dx', 2, (seq) => bytes(10, seq));
    store.downlink.append('g1', 'other', 1, (seq) => bytes(10, seq));
    store.downlink.append('g2', 'dx', 2, (seq) => bytes(10, seq + 100));
    const heard: string[] = [];
    const off = store.downlink.onAcked(['dx'], (frames) => {
      for (const f of frames) heard.push(`${f.gatewayId}/${f.streamId}:${f.seq}:${f.trafficClass}:${f.env[0]}`);
    });
    store.downlink.ack('g1', 'dx', 2);
    store.downlink.ack('g1', 'dx', 2); // nothing left up to 2: nothing heard
    store.downlink.ack('g1', 'other', 1); // not a listened stream
    store.downlink.ack('g2', 'dx', 1);
    expect(heard).toEqual(['g1/dx:1:2:1', 'g1/dx:2:2:2', 'g2/dx:1:2:101']);
    off();
    store.downlink.ack('g1', 'dx', 3);
    expect(heard).toHaveLength(3);
    expect(store.downlink.pending('g1')).toEqual([]);
  });

  it('survives a reopen with frames, bytes and their exact bytes', async () => {
    store.downlink.append('g1', 'dx', 3, (seq) => bytes(300, seq + 40));
    await store.close();
    store = new SqliteRecordsStore(dir.path, 1000);
    const [f] = store.downlink.pending('g1');
    expect(f?.seq).toBe(1);
    expect([...(f?.env ?? [])]).toEqual([...bytes(300, 41)]);
    expect(store.downlink.heldBytes('g1')).toBe(300);
  });

  it('refuses past the per-gateway byte cap without using a seq, and takes more after an ack', () => {
    expect(store.downlink.append('g1', 'dx', 2, () => bytes(600, 1)).ok).toBe(true);
    const refused = store.downlink.append('g1', 'dx', 2, () => bytes(500, 2));
    expect(refused).toEqual({ ok: false, heldBytes: 600 });
    expect(store.downlink.append('g2', 'dx', 2, () => bytes(500, 2)).ok).toBe(true); // caps are per gateway
    expect(store.downlink.pending('g1').map((f) => f.seq)).toEqual([1]);
    store.downlink.ack('g1', 'dx', 1);
    const r = store.downlink.append('g1', 'dx', 2, () => bytes(500, 2));
    expect(r.ok && r.frame.seq).toBe(2);
  });

  it('has one downlink epoch per database: the same after a reopen, another for a new database', async () => {
    const first = store.downlink.epoch;
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    await store.close();
    store = new SqliteRecordsStore(dir.path, 1000);
    expect(store.downlink.epoch).toBe(first);
    const other = tempDir();
    const fresh = new SqliteRecordsStore(other.path, 1000);
    try {
      expect(fresh.downlink.epoch).toMatch(/^[0-9a-f]{32}$/);
      expect(fresh.downlink.epoch).not.toBe(first);
    } finally {
      await fresh.close();
      other.remove();
    }
  });
});
