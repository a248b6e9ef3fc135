// Issue 12 item 2: the hub's database goes backwards (an operator restores last night's backup, or
// a WAL is lost) while a gateway streams durable frames. At first the hub saw a gap at the first
// resent frame and never acked that stream again; then it recorded the lost range as a gap and
// moved on (the gateway had deleted those frames at the ack). Now the gateway keeps acked frames
// for outbox.retainAckedMs (24 h by default) and says from which seq it can resend (Hello.hub_retained): the hub keeps
// its ack where its data ends, the gateway re-queues the retained frames (same seqs) and every frame
// it ever sent is in the hub afterwards. Both sides log and count it (TM_ERR_HUB_ROLLBACK /
// TM_WARN_HUB_ROLLBACK); stream_gaps stays empty.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { hashSecret } from '../../hospital/auth/password.js';
import { decodeEnvelope, TrafficClass } from '../../protocols/index.js';
import { waitFor } from '../helpers/cli-process.js';
import { HubProcess } from '../helpers/hub-process.js';

const STREAM = 'monitor-1/vitals';

describe('hub backup restored mid-stream', () => {
  let dir: string;
  let hub: HubProcess;
  let gw: RunningGateway;
  let produced = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telemed-hub-rollback-'));
    const credential = 'rollback-secret-' + Math.random().toString(36).slice(2);
    hub = await HubProcess.create(dir, { dataDir: join(dir, 'hub'), gateways: [{ id: 'amb-3', secretHash: await hashSecret(credential) }] });
    await hub.start();
    gw = await startGateway(loadGatewayConfig({
      gatewayId: 'amb-3', siteKind: 'ambulance', siteName: 'rollback test',
      hub: { url: `ws://127.0.0.1:${hub.port}/uplink`, credential },
      host: '127.0.0.1', port: 0, dataDir: join(dir, 'gw'), reconnect: { initialMs: 50, maxMs: 500, jitter: 0.5 },
      // No outbox settings: retention is on by default (outbox.retainAckedMs 24 h), so a default
      // gateway survives a hub restore without a gap; this test fails if that default is dropped.
    }), { logger: pino({ level: 'silent' }) });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await hub?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  const publish = (n: number): void => {
    for (let i = 0; i < n; i++) {
      gw.uplink.publish({
        streamId: STREAM, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: Date.now() * 1e6,
        payload: { vitals: { deviceId: 'monitor-1', numerics: [{ code: 'MDC_PULS_OXIM_SAT_O2', value: 95, unit: '%', valid: true }] } },
      });
      produced++;
    }
  };
  const drained = (what: string) => waitFor(what, () => gw.uplink.outbox.bytes === 0, 15_000);

  it('detects the rollback on both sides and resends what the restore lost: every frame sent is in the hub, no gap', async () => {
    await waitFor('gateway ready', () => gw.uplink.session.state === 'ready');
    publish(200);
    await drained('first frames acked');
    // The backup: a consistent copy of the live database (SQLite online backup API).
    const live = new Database(join(dir, 'hub', 'records.db'), { readonly: true });
    await live.backup(join(dir, 'backup.db'));
    live.close();
    const backedUp = 200;

    publish(300);
    await drained('frames after the backup acked (the gateway deleted them)');
    const ackedBeforeRestore = produced;

    // The hub dies and the operator restores the backup; the gateway keeps producing meanwhile.
    await hub.kill('SIGKILL');
    for (const f of ['records.db-wal', 'records.db-shm']) await rm(join(dir, 'hub', f), { force: true });
    await copyFile(join(dir, 'backup.db'), join(dir, 'hub', 'records.db'));
    publish(100);
    await hub.start();
    await waitFor('gateway reconnected', () => gw.uplink.session.state === 'ready', 10_000);
    publish(100);
    // The old hub never acked this stream again; now it drains.
    await drained('every frame after the restore acked');

    expect(gw.uplink.session.hubRollbacks).toBe(1);
    // Exactly the frames the restore lost went again, from the gateway's retained copies.
    expect(gw.uplink.rollback).toEqual({ resentAfterRollback: ackedBeforeRestore - backedUp, missingAfterRollback: 0 });
    expect(hub.output).toContain('TM_ERR_HUB_ROLLBACK');
    expect(hub.output).toContain('no gap');
    const db = new Database(join(dir, 'hub', 'records.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT stream_id, from_seq, to_seq, code FROM stream_gaps').all()).toEqual([]);
      // Every frame the gateway ever sent, once, in seq order, with what it carried.
      const rows = db.prepare('SELECT seq, raw FROM frames WHERE gateway_id = ? AND stream_id = ? ORDER BY seq').all('amb-3', STREAM) as { seq: number; raw: Buffer }[];
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: produced }, (_, i) => i + 1));
      for (const r of rows) expect(decodeEnvelope(new Uint8Array(r.raw)).vitals?.deviceId).toBe('monitor-1');
      const ack = db.prepare('SELECT acked_seq FROM stream_acks WHERE gateway_id = ? AND stream_id = ?').pluck().get('amb-3', STREAM);
      expect(ack).toBe(produced);
    } finally {
      db.close();
    }
    // The gateway still retains the acked frames (until retainAckedMs), outside the outbox's cap.
    expect(gw.uplink.outbox.retainedFrames).toBe(produced);
    expect(gw.uplink.outbox.bytes).toBe(0);
    const status = (await (await fetch(`${gw.url}/api/status`)).json()) as { outbox: Record<string, number> };
    expect(status.outbox).toMatchObject({ bytes: 0, frames: 0, retainedFrames: produced, resentAfterRollback: ackedBeforeRestore - backedUp, missingAfterRollback: 0 });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain(`telemed_gateway_hub_rollback_frames_total{outcome="resent"} ${ackedBeforeRestore - backedUp}`);
  }, 90_000);
});
