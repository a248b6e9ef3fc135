// Behaviour every RecordsStore must show (STYLE.md: one conformance suite per interface, run
// against every implementation). A PostgreSQL store calls this from its own test file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FrameRecord, RecordsStore } from './records-store.js';

export const frame = (seq: number, streamId = 's1', gatewayId = 'g1'): FrameRecord => ({
  gatewayId, streamId, seq, trafficClass: 3, captureTimeNs: 1e18, receivedAtNs: 1e18 + 5e6, payloadKind: 'vitals', raw: new Uint8Array([seq & 0xff, 1, 2]),
});

export interface StoreHarness {
  readonly store: RecordsStore;
  /** Closes and reopens the same data. */
  reopen(): Promise<RecordsStore>;
  cleanup(): Promise<void>;
}

/** `persistent: false` (an in-memory store) leaves out the reopen test, which it cannot pass. */
export function recordsStoreConformance(name: string, open: () => Promise<StoreHarness>, persistent = true): void {
  describe(`RecordsStore conformance: ${name}`, () => {
    let h: StoreHarness;
    let store: RecordsStore;
    beforeEach(async () => { h = await open(); store = h.store; });
    afterEach(async () => { await store.close(); await h.cleanup(); });

    it('stores a batch, acks cumulatively and dedups by (gateway, stream, seq)', async () => {
      const r1 = await store.storeFrames([frame(1), frame(2), frame(1, 's2')]);
      expect(r1.outcomes).toEqual(['stored', 'stored', 'stored']);
      expect(Object.fromEntries(r1.acks)).toEqual({ s1: 2, s2: 1 });
      const r2 = await store.storeFrames([frame(2), frame(3)]);
      expect(r2.outcomes).toEqual(['duplicate', 'stored']);
      expect(Object.fromEntries(r2.acks)).toEqual({ s1: 3 });
      expect(await store.countFrames('g1', 's1')).toBe(3);
      expect(Object.fromEntries(await store.streamAcks('g1'))).toEqual({ s1: 3, s2: 1 });
      expect((await store.storeFrames([frame(1, 's1', 'g2')])).outcomes).toEqual(['stored']);
    });

    it('does not ack past a gap, and closes it when the missing frame arrives', async () => {
      const r1 = await store.storeFrames([frame(1), frame(3), frame(4)]);
      expect(Object.fromEntries(r1.acks)).toEqual({ s1: 1 });
      const r2 = await store.storeFrames([frame(2)]);
      expect(Object.fromEntries(r2.acks)).toEqual({ s1: 4 });
      expect((await store.storeFrames([frame(3)])).outcomes).toEqual(['duplicate']);
    });

    if (persistent) it('keeps acks across a reopen', async () => {
      await store.storeFrames([frame(1), frame(2)]);
      store = await h.reopen();
      expect(Object.fromEntries(await store.streamAcks('g1'))).toEqual({ s1: 2 });
      expect((await store.storeFrames([frame(2), frame(3)])).outcomes).toEqual(['duplicate', 'stored']);
    });

    it('keeps users and hashed sessions, and purges expired ones', async () => {
      await store.upsertUser({ username: 'u', role: 'admin', passwordHash: 'h1' });
      await store.upsertUser({ username: 'u', role: 'clinician', passwordHash: 'h2' });
      expect(await store.findUser('u')).toEqual({ username: 'u', role: 'clinician', passwordHash: 'h2' });
      expect(await store.findUser('nobody')).toBeUndefined();
      await store.putSession({ tokenHash: 'a', username: 'u', role: 'clinician', expiresAtMs: 100 });
      await store.putSession({ tokenHash: 'b', username: 'u', role: 'clinician', expiresAtMs: 300 });
      expect(await store.purgeSessions(200)).toBe(1);
      expect(await store.findSession('a')).toBeUndefined();
      expect((await store.findSession('b'))?.username).toBe('u');
      await store.deleteSession('b');
      expect(await store.findSession('b')).toBeUndefined();
    });
  });
}
