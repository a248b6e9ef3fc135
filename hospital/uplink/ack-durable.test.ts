import { afterEach, describe, expect, it } from 'vitest';
import { fsync as realFsync } from 'node:fs';
import type { FsyncFn } from '../../protocols/storage/wal-sync.js';
import { startHospital, type RunningHospital } from '../main.js';
import { SqliteRecordsStore } from '../store/sqlite-store.js';
import { FakeGateway, memoryLogger, tempDir, testConfig, type TempDir } from '../test-support.js';

/**
 * Issue 12 item 1: the hub acks a durable frame only once it is on disk. The store's WAL fsync is
 * injected and held: until it completes, no Ack for the frame may leave the hub (the gateway
 * deletes what is acked, so an ack ahead of the fsync is a frame a power cut loses).
 */
describe('hub acks only what is fsynced', () => {
  let dir: TempDir | undefined;
  let hub: RunningHospital | undefined;
  afterEach(async () => { await hub?.close(); dir?.remove(); });

  it('sends no Ack for a frame until the WAL fsync that covers it completes, and the event loop keeps serving meanwhile', async () => {
    dir = tempDir();
    const held: (() => void)[] = [];
    let fsyncs = 0;
    const fsync: FsyncFn = (fd, cb) => { fsyncs += 1; held.push(() => realFsync(fd, cb)); };
    const store = new SqliteRecordsStore(dir.path, undefined, { fsync });
    hub = await startHospital(await testConfig(dir.path), { logger: memoryLogger().logger, store });
    const gw = await FakeGateway.connect(hub.url);
    gw.hello();
    expect((await gw.next('helloAck')).helloAck?.accepted).toBe(true);
    gw.send(gw.vitals(1));
    gw.send(gw.vitals(2));
    // The frames are committed (visible to a reader) but not yet fsynced: no ack.
    await expect.poll(() => fsyncs).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(gw.received.filter((e) => (e.ack?.streams?.length ?? 0) > 0)).toEqual([]);
    expect(await store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(2);
    // The loop is free while the fsync is held: a ping is answered at once.
    gw.send({ header: { gatewayId: 'clinic-1' }, ping: { id: 7, t1Ns: 1 } });
    expect((await gw.next('pong', 1000)).pong?.id).toBe(7);
    while (held.length > 0) held.shift()?.();
    const ack = await gw.next('ack');
    expect(ack.ack?.streams).toEqual([expect.objectContaining({ streamId: 'vitals/monitor-1', seq: 2 })]);
    gw.ws.terminate();
  });

  it('commits from many batches while one fsync runs share the next fsync (group commit)', async () => {
    dir = tempDir();
    const held: (() => void)[] = [];
    let fsyncs = 0;
    const store = new SqliteRecordsStore(dir.path, undefined, { fsync: (fd, cb) => { fsyncs += 1; held.push(() => realFsync(fd, cb)); } });
    const frame = (seq: number, streamId: string) => ({ gatewayId: 'g', streamId, seq, trafficClass: 3, captureTimeNs: 1, receivedAtNs: 1, payloadKind: 'vitals', raw: new Uint8Array([1]) });
    const first = store.storeFrames([frame(1, 'a')]);
    const later = [2, 3, 4].map((seq) => store.storeFrames([frame(seq, 'a')]));
    let done = 0;
    for (const p of [first, ...later]) void p.then(() => { done += 1; });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(0);
    expect(fsyncs).toBe(1);
    held.shift()?.();
    await first;
    await expect.poll(() => fsyncs).toBe(2);
    expect(done).toBe(1);
    held.shift()?.();
    await Promise.all(later);
    expect(fsyncs).toBe(2);
    await store.close();
  });
});
