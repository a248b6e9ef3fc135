// Issue 12 target "durability under power loss, not only SIGKILL", for the hub's acks (item 1).
//
// The model. A power cut keeps what was fsynced and may lose anything written after. records.db
// runs in WAL mode: once fsync(WAL) returns, every transaction committed before it is durable
// (the database file only receives copies of WAL pages, and SQLite fsyncs the WAL before it copies
// and restarts it only after fsyncing the database). So "the data directory as the disk holds it
// after a cut at moment T" is, at worst, the files as they were when the last fsync before T
// completed. The store's fsync is injected: at a randomly chosen fsync the test copies records.db
// and its WAL (the "disk"), and at the next one it cuts the power (T). Every ack the gateway
// received before T must be in the copy once SQLite opens it (WAL recovery, a hub restart).
// Pages the checkpoint thread writes meanwhile are in the copied WAL too, so a torn database page
// in the copy is repaired by recovery exactly as after a real cut.
import { copyFileSync, existsSync, fsync as realFsync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHospital, type RunningHospital } from '../../hospital/main.js';
import { SqliteRecordsStore } from '../../hospital/store/sqlite-store.js';
import { FakeGateway, memoryLogger, tempDir, testConfig } from '../../hospital/test-support.js';

describe('hub power loss: no acked frame missing after restart', () => {
  const dir = tempDir();
  let hub: RunningHospital | undefined;
  afterAll(async () => { await hub?.close(); dir.remove(); });

  it('every frame acked before a cut at a random fsync boundary is in the data dir the disk kept', async () => {
    const data = join(dir.path, 'hub');
    const disk = join(dir.path, 'disk-after-cut');
    mkdirSync(disk, { recursive: true });
    const snapshotAt = 3 + Math.floor(Math.random() * 8);
    let fsyncs = 0;
    let cut = false;
    const store = new SqliteRecordsStore(data, undefined, {
      fsync: (fd, cb) => realFsync(fd, (err) => {
        fsyncs += 1;
        if (fsyncs === snapshotAt) {
          for (const f of ['records.db', 'records.db-wal']) if (existsSync(join(data, f))) copyFileSync(join(data, f), join(disk, f));
        } else if (fsyncs === snapshotAt + 1) {
          cut = true; // T: the power goes before this fsync's acks (or any later) can leave
        }
        cb(err);
      }),
    });
    hub = await startHospital(await testConfig(data), { logger: memoryLogger().logger, store });
    const gw = await FakeGateway.connect(hub.url);
    gw.hello();
    expect((await gw.next('helloAck')).helloAck?.accepted).toBe(true);
    const ackedBeforeCut = new Map<string, number>();
    gw.ws.on('message', () => {
      if (cut) return;
      const last = gw.received.at(-1);
      for (const s of last?.ack?.streams ?? []) ackedBeforeCut.set(s.streamId ?? '', Math.max(ackedBeforeCut.get(s.streamId ?? '') ?? 0, Number(s.seq ?? 0)));
    });
    // Two streams, sent in bursts with pauses so acks and fsyncs interleave with arrivals.
    let seq = 0;
    while (!cut && seq < 20_000) {
      for (let i = 0; i < 50; i++) {
        seq += 1;
        gw.send(gw.vitals(seq, { streamId: 'vitals/a' }));
        gw.send(gw.vitals(seq, { streamId: 'vitals/b' }));
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(cut).toBe(true);
    expect(ackedBeforeCut.size).toBeGreaterThan(0);
    gw.ws.terminate();

    // Restart on what the disk kept.
    const restarted = new SqliteRecordsStore(disk);
    try {
      const acks = await restarted.streamAcks('clinic-1');
      for (const [streamId, acked] of ackedBeforeCut) {
        expect(acks.get(streamId) ?? 0).toBeGreaterThanOrEqual(acked);
        expect(await restarted.countFrames('clinic-1', streamId)).toBeGreaterThanOrEqual(acked);
      }
    } finally {
      await restarted.close();
    }
  }, 60_000);
});
