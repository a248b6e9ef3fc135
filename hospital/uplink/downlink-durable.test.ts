import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrafficClass } from '../../protocols/index.js';
import { startHospital, type RunningHospital } from '../main.js';
import { SqliteRecordsStore } from '../store/sqlite-store.js';
import { FakeGateway, memoryLogger, tempDir, testConfig, type TempDir } from '../test-support.js';

const diag = (text: string) => ({
  header: { streamId: 'ecg-diagnosis', trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true },
  diagnosis: { recordId: 'r1', text },
});

describe('durable downlink (store-and-forward at the hub)', () => {
  let dir: TempDir;
  let hub: RunningHospital | undefined;
  const open: FakeGateway[] = [];
  let logs: ReturnType<typeof memoryLogger>;

  async function startHub(store?: SqliteRecordsStore): Promise<RunningHospital> {
    hub = await startHospital(await testConfig(dir.path, { uplink: { pingIntervalMs: 60_000 } }), { logger: logs.logger, ...(store ? { store } : {}) });
    return hub;
  }
  async function connect(h: RunningHospital): Promise<FakeGateway> {
    const gw = await FakeGateway.connect(h.url);
    open.push(gw);
    gw.hello();
    expect((await gw.next('helloAck')).helloAck?.accepted).toBe(true);
    return gw;
  }
  const ack = (gw: FakeGateway, seq: number): void =>
    gw.send({ header: { gatewayId: 'clinic-1', sendTimeNs: Date.now() * 1e6 }, ack: { streams: [{ streamId: 'ecg-diagnosis', seq }] } });

  beforeEach(() => { dir = tempDir(); logs = memoryLogger(); });
  afterEach(async () => {
    for (const gw of open.splice(0)) gw.ws.terminate();
    await hub?.close();
    hub = undefined;
    dir.remove();
  });

  it('keeps a frame queued for an offline gateway across a hub restart, resends it until acked, then never again', async () => {
    let h = await startHub();
    expect(h.app.hospital.registry.sendToGateway('clinic-1', diag('first'))).toBe('queued');
    await h.close();
    h = await startHub();
    const gw1 = await connect(h);
    const got1 = await gw1.next('diagnosis');
    expect([got1.header.seq, got1.diagnosis?.text, got1.header.durable]).toEqual([1, 'first', true]);
    // No ack: the connection dies, the next session sends it again.
    gw1.ws.terminate();
    await vi.waitFor(() => expect(h.app.hospital.registry.view('clinic-1')?.connected).toBe(false));
    const gw2 = await connect(h);
    expect((await gw2.next('diagnosis')).header.seq).toBe(1);
    ack(gw2, 1);
    await vi.waitFor(() => expect(h.app.hospital.store.downlink.pending('clinic-1')).toEqual([]));
    gw2.ws.terminate();
    await vi.waitFor(() => expect(h.app.hospital.registry.view('clinic-1')?.connected).toBe(false));
    const gw3 = await connect(h);
    expect(h.app.hospital.registry.sendToGateway('clinic-1', diag('second'))).toBe('sent');
    // The first frame to arrive on the new session is the new one: seq 1 was not resent.
    const got3 = await gw3.next('diagnosis');
    expect([got3.header.seq, got3.diagnosis?.text]).toEqual([2, 'second']);
  });

  it('refuses loudly at the per-gateway byte cap: backpressure, counter, log with code; nothing held is lost', async () => {
    const h = await startHub(new SqliteRecordsStore(dir.path, 200));
    const reg = h.app.hospital.registry;
    expect(reg.sendToGateway('clinic-1', diag('a'.repeat(80)))).toBe('queued');
    expect(reg.sendToGateway('clinic-1', diag('b'.repeat(80)))).toBe('backpressure');
    const text = await h.app.hospital.metrics.registry.metrics();
    expect(text).toMatch(/^telemed_hub_downlink_refused_total 1$/m);
    expect(logs.text()).toContain('TM_ERR_DOWNLINK_FULL');
    const gw = await connect(h);
    expect((await gw.next('diagnosis')).diagnosis?.text).toBe('a'.repeat(80));
    ack(gw, 1);
    await vi.waitFor(() => expect(h.app.hospital.store.downlink.heldBytes('clinic-1')).toBe(0));
    expect(reg.sendToGateway('clinic-1', diag('c'.repeat(80)))).toBe('sent');
  });
});
