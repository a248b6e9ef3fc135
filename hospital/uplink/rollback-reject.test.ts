import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { PROTOCOL_VERSION, telemed } from '../../protocols/index.js';
import { startHospital, type RunningHospital } from '../main.js';
import { FakeGateway, GATEWAY_SECRET, memoryLogger, tempDir, testConfig, type TempDir } from '../test-support.js';

const chunk = (seq: number, recordId: string): Uint8Array => telemed.v1.Envelope.encode({
  header: { gatewayId: 'clinic-1', streamId: 'ecg/cart-1', seq, trafficClass: 6, durable: true, captureTimeNs: Date.now() * 1e6 },
  ecgChunk: { recordId, offset: 0, totalSize: 4, data: new Uint8Array([1, 2, 3, 4]), contentType: 'application/octet-stream', last: true },
}).finish();

describe('hub: a bad durable frame does not block its stream; downlink rollback changes the epoch', () => {
  let dir: TempDir;
  let hub: RunningHospital;
  let logs: ReturnType<typeof memoryLogger>;
  const open: FakeGateway[] = [];
  beforeEach(async () => {
    dir = tempDir();
    logs = memoryLogger();
    hub = await startHospital(await testConfig(dir.path), { logger: logs.logger });
  });
  afterEach(async () => {
    for (const gw of open.splice(0)) gw.ws.terminate();
    await hub.close();
    dir.remove();
  });

  async function connect(hello: Partial<telemed.v1.IHello> = {}): Promise<{ gw: FakeGateway; ack: telemed.v1.IHelloAck }> {
    const gw = await FakeGateway.connect(hub.url);
    open.push(gw);
    gw.send({ header: { gatewayId: 'clinic-1' }, hello: { protocolVersion: PROTOCOL_VERSION, gatewayId: 'clinic-1', credential: GATEWAY_SECRET, siteKind: 1, siteName: 'Test clinic', ...hello } });
    const ack = (await gw.next('helloAck')).helloAck ?? {};
    expect(ack.accepted).toBe(true);
    return { gw, ack };
  }

  it('stores a durable frame whose record id breaks the wire limit as rejected (coded, counted) and acks past it', async () => {
    const { gw } = await connect();
    gw.ws.send(chunk(1, 'x'.repeat(300)));
    gw.ws.send(chunk(2, 'ecg-ok'));
    let seq = 0;
    while (seq < 2) seq = Number((await gw.next('ack')).ack?.streams?.find((s) => s.streamId === 'ecg/cart-1')?.seq ?? 0);
    expect(seq).toBe(2);
    const db = new Database(join(dir.path, 'records.db'), { readonly: true });
    const rows = db.prepare("SELECT seq, payload_kind, reject_code FROM frames WHERE stream_id = 'ecg/cart-1' ORDER BY seq").all();
    db.close();
    expect(rows).toEqual([
      { seq: 1, payload_kind: 'rejected', reject_code: 'TM_ERR_ENVELOPE_BAD_FIELD' },
      { seq: 2, payload_kind: 'ecgChunk', reject_code: null },
    ]);
    expect(logs.text()).toContain('TM_ERR_FRAME_REJECTED');
    expect(logs.text()).not.toContain('x'.repeat(300));
    const metrics = await hub.app.hospital.metrics.registry.metrics();
    expect(metrics).toContain('telemed_frames_rejected_total{code="TM_ERR_ENVELOPE_BAD_FIELD"} 1');
  });

  it('a frame whose header itself is broken stays a decode error (nothing stored)', async () => {
    const { gw } = await connect();
    gw.ws.send(telemed.v1.Envelope.encode({
      header: { gatewayId: 'clinic-1', streamId: 's'.repeat(300), seq: 1, trafficClass: 3, durable: true },
      vitals: { deviceId: 'm' },
    }).finish());
    await new Promise((r) => setTimeout(r, 100));
    const metrics = await hub.app.hospital.metrics.registry.metrics();
    expect(metrics).toContain('telemed_frames_dropped_total{class="unspecified",reason="decode"} 1');
  });

  it('a gateway holding downlink marks past our numbering under the same epoch gets a new epoch (restored backup)', async () => {
    const { ack: first } = await connect();
    const epoch = first.downlinkEpoch ?? '';
    expect(epoch).not.toBe('');
    open.splice(0).forEach((g) => g.ws.terminate());
    // Marks of frames this database never numbered (it was restored from before them).
    const { ack } = await connect({ downlinkEpoch: epoch, downlinkMarks: [{ streamId: 'ecg-dx', seq: 5 }] });
    expect(ack.downlinkEpoch).not.toBe(epoch);
    expect(ack.downlinkEpoch).toMatch(/^[0-9a-f]{32}$/);
    expect(logs.text()).toContain('TM_ERR_HUB_ROLLBACK');
    // Marks within our numbering, or of another epoch, change nothing.
    open.splice(0).forEach((g) => g.ws.terminate());
    const { ack: again } = await connect({ downlinkEpoch: ack.downlinkEpoch ?? '', downlinkMarks: [] });
    expect(again.downlinkEpoch).toBe(ack.downlinkEpoch);
  });

  it('an uplink stream behind the gateway\'s Hello.hub_acked is recorded as a gap and acked from the gateway\'s value', async () => {
    const { gw } = await connect();
    gw.send(gw.vitals(1));
    await gw.next('ack');
    open.splice(0).forEach((g) => g.ws.terminate());
    const { ack } = await connect({ hubAcked: [{ streamId: 'vitals/monitor-1', seq: 40 }] });
    expect(ack.rolledBack).toEqual([expect.objectContaining({ streamId: 'vitals/monitor-1', seq: 1 })]);
    expect(ack.streams).toEqual(expect.arrayContaining([expect.objectContaining({ streamId: 'vitals/monitor-1', seq: 40 })]));
  });

  it('a gateway that retains the lost frames (Hello.hub_retained) gets no gap: the ack stays and its resent frames are stored', async () => {
    const { gw } = await connect();
    gw.send(gw.vitals(1));
    await gw.next('ack');
    open.splice(0).forEach((g) => g.ws.terminate());
    const { gw: again, ack } = await connect({ hubAcked: [{ streamId: 'vitals/monitor-1', seq: 40 }], hubRetained: [{ streamId: 'vitals/monitor-1', seq: 1 }] });
    expect(ack.rolledBack).toEqual([expect.objectContaining({ streamId: 'vitals/monitor-1', seq: 1 })]);
    expect(ack.streams).toEqual(expect.arrayContaining([expect.objectContaining({ streamId: 'vitals/monitor-1', seq: 1 })]));
    // The gateway resends 2..40 with the same seqs: acked contiguously, nothing recorded as lost.
    for (let seq = 2; seq <= 40; seq++) again.send(again.vitals(seq));
    await waitForAck(again, 'vitals/monitor-1', 40);
    const db = new Database(join(dir.path, 'records.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) FROM stream_gaps').pluck().get()).toBe(0);
      expect(db.prepare("SELECT COUNT(*) FROM frames WHERE stream_id = 'vitals/monitor-1'").pluck().get()).toBe(40);
    } finally {
      db.close();
    }
    expect(logs.text().split('\n').some((l) => l.includes('TM_ERR_HUB_ROLLBACK') && l.includes('no gap'))).toBe(true);
  });

  it('records as a gap only what the gateway no longer retains', async () => {
    const { gw } = await connect();
    gw.send(gw.vitals(1));
    await gw.next('ack');
    open.splice(0).forEach((g) => g.ws.terminate());
    const { ack } = await connect({ hubAcked: [{ streamId: 'vitals/monitor-1', seq: 40 }], hubRetained: [{ streamId: 'vitals/monitor-1', seq: 31 }] });
    expect(ack.streams).toEqual(expect.arrayContaining([expect.objectContaining({ streamId: 'vitals/monitor-1', seq: 30 })]));
    const db = new Database(join(dir.path, 'records.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT from_seq, to_seq, code FROM stream_gaps').all()).toEqual([{ from_seq: 2, to_seq: 30, code: 'TM_ERR_HUB_ROLLBACK' }]);
    } finally {
      db.close();
    }
  });
});

async function waitForAck(gw: FakeGateway, streamId: string, seq: number): Promise<void> {
  for (;;) {
    const a = (await gw.next('ack')).ack;
    if ((a?.streams ?? []).some((s) => s.streamId === streamId && Number(s.seq) >= seq)) return;
  }
}
