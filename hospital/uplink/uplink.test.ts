import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHospital, type RunningHospital } from '../main.js';
import { FakeGateway, memoryLogger, tempDir, testConfig, GATEWAY_SECRET, type TempDir } from '../test-support.js';
import { encodeEnvelope, PROTOCOL_VERSION, type DecodedEnvelope } from '../../protocols/index.js';

async function metric(hub: RunningHospital, line: string): Promise<number> {
  const text = await hub.app.hospital.metrics.registry.metrics();
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

describe('/uplink', () => {
  let dir: TempDir;
  let hub: RunningHospital;
  let logs: ReturnType<typeof memoryLogger>;
  const open: FakeGateway[] = [];

  async function connected(): Promise<FakeGateway> {
    const gw = await FakeGateway.connect(hub.url);
    open.push(gw);
    gw.hello();
    const ack = await gw.next('helloAck');
    expect(ack.helloAck?.accepted).toBe(true);
    return gw;
  }

  beforeEach(async () => {
    dir = tempDir();
    logs = memoryLogger();
    hub = await startHospital(await testConfig(dir.path, { uplink: { helloTimeoutMs: 300, pingIntervalMs: 1000 } }), { logger: logs.logger });
  });
  afterEach(async () => {
    for (const gw of open.splice(0)) gw.ws.terminate();
    await hub.close();
    dir.remove();
  });

  it('accepts a Hello with the right credential and counts the gateway', async () => {
    await connected();
    expect(await metric(hub, 'telemed_gateways_connected')).toBe(1);
    expect(hub.app.hospital.registry.view('clinic-1')).toMatchObject({ connected: true, siteKind: 'clinic', siteName: 'Test clinic' });
  });

  it('refuses a wrong credential with HelloAck false and 4401, without logging the secret', async () => {
    const gw = await FakeGateway.connect(hub.url);
    open.push(gw);
    gw.hello('wrong-secret-SENTINEL');
    const ack = await gw.next('helloAck');
    expect(ack.helloAck).toMatchObject({ accepted: false, reasonCode: 'TM_ERR_AUTH_FAILED' });
    expect((await gw.closed).code).toBe(4401);
    expect(await metric(hub, 'telemed_gateway_auth_failures_total')).toBe(1);
    expect(logs.text()).toContain('gateway Hello refused');
    expect(logs.text()).not.toContain('wrong-secret-SENTINEL');
    expect(logs.text()).not.toContain(GATEWAY_SECRET);
  });

  it('refuses a data frame before Hello (4400) and an idle connection (4408)', async () => {
    const early = await FakeGateway.connect(hub.url);
    open.push(early);
    early.send(early.vitals(1));
    expect((await early.next('helloAck')).helloAck?.reasonCode).toBe('TM_ERR_HELLO_REQUIRED');
    expect((await early.closed).code).toBe(4400);
    const idle = await FakeGateway.connect(hub.url);
    open.push(idle);
    expect((await idle.closed).code).toBe(4408);
  });

  it('stores a durable frame, then acks it; a duplicate is not stored again but re-acked', async () => {
    const gw = await connected();
    gw.send(gw.vitals(1));
    const ack = await gw.next('ack');
    expect(ack.ack?.streams).toEqual([expect.objectContaining({ streamId: 'vitals/monitor-1', seq: 1 })]);
    expect(await hub.app.hospital.store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(1);
    gw.send(gw.vitals(1));
    const again = await gw.next('ack');
    expect(again.ack?.streams).toEqual([expect.objectContaining({ streamId: 'vitals/monitor-1', seq: 1 })]);
    expect(await hub.app.hospital.store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(1);
    expect(await metric(hub, 'telemed_frames_duplicate_total{class="vitals"}')).toBe(1);
  });

  it('batches acks: 64 frames sent at once are acked cumulatively', async () => {
    const gw = await connected();
    for (let seq = 1; seq <= 64; seq++) gw.send(gw.vitals(seq));
    // The 10 ms timer may split the burst, but never into one ack per frame.
    let acks = 0;
    let last = 0;
    while (last < 64) {
      const ack = await gw.next('ack');
      acks += 1;
      last = Number(ack.ack?.streams?.[0]?.seq);
      expect(Number(ack.ack?.bytesReceived)).toBeGreaterThan(0);
    }
    expect(last).toBe(64);
    expect(acks).toBeLessThanOrEqual(8);
    expect(await hub.app.hospital.store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(64);
  });

  it('counts malformed bytes and text, skips them, and the session survives', async () => {
    const gw = await connected();
    gw.ws.send(Buffer.from([0xff, 0xff, 0xff, 0x07, 0x00]));
    gw.ws.send('not binary');
    gw.send(gw.vitals(1));
    expect((await gw.next('ack')).ack?.streams?.[0]?.seq).toBe(1);
    expect(await metric(hub, 'telemed_frames_dropped_total{class="unspecified",reason="decode"}')).toBe(1);
    expect(await metric(hub, 'telemed_frames_dropped_total{class="unspecified",reason="text"}')).toBe(1);
    expect(gw.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a session after more than 100 bad frames (4400)', async () => {
    const gw = await connected();
    for (let i = 0; i < 101; i++) gw.ws.send(Buffer.from([0xff]));
    expect((await gw.closed).code).toBe(4400);
  });

  it('returns the stored acks in HelloAck after a reconnect', async () => {
    const gw = await connected();
    for (let seq = 1; seq <= 3; seq++) gw.send(gw.vitals(seq));
    gw.send(gw.vitals(1, { streamId: 'alarm/monitor-1' }));
    // Acks may come in one or two batches; wait until both streams are acknowledged.
    const seen = new Map<string, number>();
    while (seen.get('vitals/monitor-1') !== 3 || seen.get('alarm/monitor-1') !== 1) {
      for (const s of (await gw.next('ack')).ack?.streams ?? []) seen.set(s.streamId ?? '', Number(s.seq));
    }
    gw.close();
    await gw.closed;
    const again = await connected();
    const streams = again.received.find((e) => e.payload === 'helloAck')?.helloAck?.streams ?? [];
    expect(Object.fromEntries(streams.map((s) => [s.streamId, Number(s.seq)]))).toEqual({ 'vitals/monitor-1': 3, 'alarm/monitor-1': 1 });
  });

  it('replaces the first connection of a gateway with the second (4409)', async () => {
    const first = await connected();
    const second = await connected();
    expect((await first.closed).code).toBe(4409);
    expect(second.ws.readyState).toBe(WebSocket.OPEN);
    expect(await metric(hub, 'telemed_gateways_connected')).toBe(1);
  });

  it('answers Ping with Pong at once', async () => {
    const gw = await connected();
    const t1 = gw.nowNs();
    gw.send({ header: { gatewayId: 'clinic-1' }, ping: { id: 42, t1Ns: t1 } });
    const pong = await gw.next('pong');
    expect(pong.pong?.id).toBe(42);
    expect(Number(pong.pong?.t1Ns)).toBe(t1);
    expect(Number(pong.pong?.t3Ns)).toBeGreaterThanOrEqual(Number(pong.pong?.t2Ns));
  });

  it('estimates the clock offset and records one-way latency per class', async () => {
    const gw = await FakeGateway.connect(hub.url);
    open.push(gw);
    gw.skewNs = 3_600e9; // the gateway's clock is an hour ahead
    gw.hello();
    await gw.next('helloAck');
    await gw.next('ping'); // answered by FakeGateway: the hub now has one clock sample
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Captured 200 ms ago on the gateway's clock; realtime so nothing is stored.
    gw.send(gw.vitals(1, { durable: false, captureNs: gw.nowNs() - 200e6 }));
    const view = await new Promise<ReturnType<typeof hub.app.hospital.registry.view>>((resolve) => {
      const off = hub.app.hospital.registry.onGatewayUpdate((v) => { if (v.framesReceived > 0) { off(); resolve(v); } });
    });
    expect(Math.abs((view?.clockOffsetMs ?? 0) - 3_600_000)).toBeLessThan(100);
    const lastMs = view?.latency.vitals?.lastMs ?? -1;
    expect(lastMs).toBeGreaterThanOrEqual(150);
    expect(lastMs).toBeLessThan(400);
    expect(await metric(hub, 'telemed_frame_latency_seconds_count{class="vitals"}')).toBe(1);
    expect(await metric(hub, 'telemed_frame_latency_seconds_bucket{le="0.15",class="vitals"}')).toBe(0);
    expect(await metric(hub, 'telemed_frame_latency_seconds_bucket{le="0.5",class="vitals"}')).toBe(1);
    expect(await hub.app.hospital.store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(0);
  });

  it('sends realtime downlink frames to a connected gateway only; durable ones are queued while it is offline', async () => {
    const { registry } = hub.app.hospital;
    const diag = { header: { streamId: 'diagnosis', seq: 77, trafficClass: 2, durable: true }, diagnosis: { recordId: 'r1', text: 'sinus rhythm' } };
    const cmd = { header: { streamId: 'arm', trafficClass: 1 }, armCommand: {} };
    expect(registry.sendToGateway('clinic-1', cmd)).toBe('not-connected');
    expect(registry.sendToGateway('clinic-1', diag)).toBe('queued');
    expect(registry.sendToGateway('nobody', diag)).toBe('not-connected');
    const gw = await connected();
    const first = await gw.next('diagnosis');
    // The hub numbers durable downlink streams itself: the caller's seq 77 is ignored.
    expect(first.header.seq).toBe(1);
    expect(first.header.gatewayId).toBe('clinic-1');
    expect(first.diagnosis?.text).toBe('sinus rhythm');
    expect(registry.sendToGateway('clinic-1', diag)).toBe('sent');
    const second = await gw.next('diagnosis');
    expect(second.header.seq).toBe(2);
  });

  describe('Ack-only messages and the byte accounting (SESSION.md §2b)', () => {
    const rateAck = (gw: FakeGateway, bytesReceived: number): void =>
      gw.send({ header: { gatewayId: 'clinic-1', sendTimeNs: gw.nowNs() }, ack: { streams: [], receiveTimeNs: gw.nowNs(), bytesReceived } });
    const ackOnly = (gw: FakeGateway): DecodedEnvelope[] => gw.received.filter((e) => e.payload === 'ack' && (e.ack?.streams?.length ?? 0) === 0);
    const hello = (gw: FakeGateway, acksUncounted: boolean): void =>
      gw.send({ header: { gatewayId: 'clinic-1' }, hello: { protocolVersion: PROTOCOL_VERSION, gatewayId: 'clinic-1', credential: GATEWAY_SECRET, siteKind: 1, siteName: 'Test clinic', ...(acksUncounted ? { acksUncounted } : {}) } });

    it('with acks_uncounted, neither counts nor answers an Ack: no Ack ping-pong on an idle link', async () => {
      const gw = await FakeGateway.connect(hub.url);
      open.push(gw);
      hello(gw, true);
      expect((await gw.next('helloAck')).helloAck).toMatchObject({ accepted: true, acksUncounted: true });
      const first = encodeEnvelope(gw.vitals(1));
      gw.ws.send(first);
      const ack1 = await gw.next('ack');
      const counted = Number(ack1.ack?.bytesReceived);
      // Our rate feedback for the hub's Ack, as a gateway sends it 10 ms after any counted message.
      const before = ackOnly(gw).length;
      for (let i = 0; i < 5; i++) rateAck(gw, 100 + i);
      await new Promise((r) => setTimeout(r, 150));
      expect(ackOnly(gw).length - before).toBe(0);
      const second = encodeEnvelope(gw.vitals(2));
      gw.ws.send(second);
      const ack2 = await gw.next('ack');
      // The five Acks (about 30 bytes each) are not in the count: only the data message is.
      expect(Number(ack2.ack?.bytesReceived) - counted).toBe(second.length);
    });

    it('without it (an older gateway), every message counts and an Ack is itself reported', async () => {
      const gw = await FakeGateway.connect(hub.url);
      open.push(gw);
      hello(gw, false);
      expect((await gw.next('helloAck')).helloAck?.acksUncounted ?? false).toBe(false);
      gw.send(gw.vitals(1));
      const counted = Number((await gw.next('ack')).ack?.bytesReceived);
      await new Promise((r) => setTimeout(r, 50));
      const before = ackOnly(gw).length;
      const probe = encodeEnvelope({ header: { gatewayId: 'clinic-1', sendTimeNs: gw.nowNs() }, ack: { streams: [], receiveTimeNs: gw.nowNs(), bytesReceived: 1 } });
      gw.ws.send(probe);
      const deadline = Date.now() + 1000;
      while (ackOnly(gw).length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(Number(ackOnly(gw).at(-1)?.ack?.bytesReceived)).toBe(counted + probe.length);
    });
  });
});
