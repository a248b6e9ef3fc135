import { afterEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { encodeEnvelope, systemClock, telemed, TrafficClass, type DecodedEnvelope } from '../../protocols/index.js';
import { encodeBatch } from '../../protocols/wire/batch.js';
import { loadGatewayConfig } from '../config.js';
import { createGatewayLogger } from '../logger.js';
import { FakeHub, type FakeHubOptions } from './fake-hub.js';
import { Uplink } from './uplink.js';
import type { BuildFrameInput } from './streams.js';

const SECRET = 'sekret-credential-42';
let hub: FakeHub | undefined;
let uplink: Uplink | undefined;

afterEach(async () => {
  await uplink?.close();
  await hub?.close();
  uplink = hub = undefined;
});

function makeUplink(url: string, credential = SECRET, logger = pino({ level: 'silent' })): Uplink {
  const config = loadGatewayConfig({
    gatewayId: 'clinic-1', siteName: 'Test clinic',
    hub: { url, credential },
    reconnect: { initialMs: 10, maxMs: 40, jitter: 0 },
  });
  return new Uplink(config, { clock: systemClock, logger });
}

function vitals(n: number): BuildFrameInput {
  return {
    streamId: 'sim-1/vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true,
    captureTimeNs: systemClock.nowNs(),
    payload: { vitals: { deviceId: 'sim-1', numerics: [{ code: 'MDC_ECG_HEART_RATE', value: 60 + n, unit: '/min' }] } },
  };
}

async function untilState(u: Uplink, state: string): Promise<void> {
  await vi.waitFor(() => expect(u.session.state).toBe(state), { timeout: 3000, interval: 5 });
}

/** A fake hub with `opts` and an uplink to it, started and in state 'ready'. */
async function connected(opts: FakeHubOptions): Promise<{ hub: FakeHub; uplink: Uplink }> {
  const h = await FakeHub.start(opts);
  const u = makeUplink(h.url);
  u.start();
  await untilState(u, 'ready');
  return { hub: h, uplink: u };
}

describe('uplink session against a fake hub', () => {
  it('says hello and becomes ready', async () => {
    hub = await FakeHub.start({ credential: SECRET });
    uplink = makeUplink(hub.url);
    const states: string[] = [];
    uplink.session.on('state', (s) => states.push(s));
    uplink.start();
    await untilState(uplink, 'ready');
    expect(states).toEqual(['connecting', 'authenticating', 'ready']);
    const hello = await hub.waitFor((e) => e.payload === 'hello');
    expect(hello.hello).toMatchObject({ gatewayId: 'clinic-1', protocolVersion: 1, credential: SECRET, siteName: 'Test clinic' });
  });

  it('goes to refused on a bad credential, keeps retrying, and never logs the credential', async () => {
    hub = await FakeHub.start({ credential: SECRET });
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb(); } });
    uplink = makeUplink(hub.url, 'wrong-credential-99', createGatewayLogger({ level: 'debug' }, sink));
    uplink.start();
    await untilState(uplink, 'refused');
    await vi.waitFor(() => expect(hub?.hellos).toBeGreaterThanOrEqual(2), { timeout: 3000, interval: 5 });
    expect(uplink.session.state === 'refused' || uplink.session.state === 'connecting' || uplink.session.state === 'authenticating').toBe(true);
    expect(lines.join('')).toContain('TM_ERR_AUTH_FAILED');
    expect(lines.join('')).not.toContain('wrong-credential-99');
  });

  it('reconnects after the hub drops the connection', async () => {
    ({ hub, uplink } = await connected({ credential: SECRET }));
    const states: string[] = [];
    uplink.session.on('state', (s) => states.push(s));
    hub.dropAll();
    await vi.waitFor(() => expect(states).toEqual(['backoff', 'connecting', 'authenticating', 'ready']), { timeout: 3000, interval: 5 });
    expect(uplink.session.reconnects).toBe(1);
    expect(hub.hellos).toBe(2);
  });

  it('keeps a live durable flood in the outbox past 4 MiB queued, never an alarm behind it; all arrive once, in order', async () => {
    ({ hub, uplink } = await connected({ credential: SECRET }));
    const chunk = (i: number): BuildFrameInput => ({
      streamId: 'cart-1/records', trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: systemClock.nowNs(),
      payload: { ecgChunk: { recordId: `r${i}`, offset: 0, data: new Uint8Array(60_000).fill(i % 251), last: true } },
    });
    // Synchronous: nothing is sent before the pump's microtask, so the scheduler holds what was queued.
    for (let i = 0; i < 100; i++) uplink.publish(chunk(i)); // 6 MB of records at once
    uplink.publish({ ...vitals(1), streamId: 'sim-1/alarm', trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM });
    const bulk = uplink.scheduler.durableBytesOf('bulk');
    expect(bulk).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(bulk).toBeLessThan(4 * 1024 * 1024 + 61_000);
    expect(uplink.scheduler.stats().alarm.queued).toBe(1);
    // The uplink may cut each record into parts (chunks sized from the rate): every part, once, in order.
    const last = uplink.outbox.highestSeq('cart-1/records');
    await hub.waitFor((e) => e.header.streamId === 'cart-1/records' && e.header.seq === last);
    expect(hub.dataFrames('cart-1/records').map((e) => Number(e.header.seq))).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(hub.dataFrames('sim-1/alarm')).toHaveLength(1);
  });

  it('resumes from HelloAck acks: acked frames not resent, the rest in order, removed only after Ack', async () => {
    ({ hub, uplink } = await connected({ credential: SECRET, autoAck: false }));
    uplink.publish(vitals(1));
    uplink.publish(vitals(2));
    await hub.waitFor((e) => e.header.streamId === 'sim-1/vitals' && e.header.seq === 2);
    hub.received.length = 0;
    hub.dropAll(); // the hub stored 1..2 but its acks were lost with the connection
    await vi.waitFor(() => expect(uplink?.session.state).not.toBe('ready'), { timeout: 2000, interval: 1 });
    for (let i = 3; i <= 5; i++) uplink.publish(vitals(i)); // link down: outbox only
    expect(uplink.outbox.frames).toBe(5);
    await hub.waitFor((e) => e.header.streamId === 'sim-1/vitals' && e.header.seq === 5);
    expect(hub.dataFrames('sim-1/vitals').map((e) => e.header.seq)).toEqual([3, 4, 5]);
    expect(uplink.outbox.frames).toBe(3); // sent but not acked: still held
    hub.send({ header: { gatewayId: 'hub' }, ack: { streams: [{ streamId: 'sim-1/vitals', seq: 4 }] } });
    await vi.waitFor(() => expect(uplink?.outbox.frames).toBe(1), { timeout: 2000, interval: 5 });
    expect(uplink.outbox.pendingBatch('sim-1/vitals', 0, 100).map((f) => f.seq)).toEqual([5]);
    expect(uplink.classCounters().vitals).toMatchObject({ sent: 5, acked: 4 });
  });

  it('resends unacked frames after a reconnect, in order, without the acked ones', async () => {
    ({ hub, uplink } = await connected({ credential: SECRET, autoAck: false }));
    for (let i = 1; i <= 4; i++) uplink.publish(vitals(i));
    await hub.waitFor((e) => e.header.streamId === 'sim-1/vitals' && e.header.seq === 4);
    hub.stored.set('sim-1/vitals', 2);
    hub.received.length = 0;
    hub.dropAll();
    await vi.waitFor(() => expect(hub?.dataFrames('sim-1/vitals').map((e) => e.header.seq)).toEqual([3, 4]), { timeout: 3000, interval: 5 });
    expect(uplink.outbox.pendingBatch('sim-1/vitals', 0, 100).map((f) => f.seq)).toEqual([3, 4]);
  });

  it('pings the hub, estimates RTT, and answers the hub\'s pings', async () => {
    hub = await FakeHub.start({ credential: SECRET });
    uplink = makeUplink(hub.url);
    uplink.start();
    await vi.waitFor(() => expect(uplink?.session.rttMs).not.toBeNull(), { timeout: 3000, interval: 5 });
    expect(uplink.session.rttMs).toBeGreaterThanOrEqual(0);
    hub.send({ header: { gatewayId: 'hub' }, ping: { id: 77, t1Ns: 123_000 } });
    const pong = await hub.waitFor((e) => e.payload === 'pong');
    expect(pong.pong).toMatchObject({ id: 77, t1Ns: 123_000 });
    expect(pong.pong?.t3Ns).toBeGreaterThanOrEqual(pong.pong?.t2Ns ?? Infinity);
  });

  it('acks durable downlink frames, drops duplicates, and survives garbage', async () => {
    hub = await FakeHub.start({ credential: SECRET });
    uplink = makeUplink(hub.url);
    const got: number[] = [];
    uplink.session.on('downlink', (e) => got.push(e.header.seq));
    uplink.start();
    await untilState(uplink, 'ready');
    const dx = { header: { gatewayId: 'hub', streamId: 'dx', seq: 1, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true }, diagnosis: { recordId: 'r1', text: 'sinus rhythm' } };
    for (const ws of hub.sockets) ws.send(Buffer.from([0xff, 0xff, 0xff]));
    hub.send(dx);
    hub.send(dx);
    // Acks without streams are delivery feedback for the hub's pacer (SESSION.md §2), not stream acks.
    const streamAcks = (): DecodedEnvelope[] => hub?.received.filter((e) => e.payload === 'ack' && (e.ack?.streams?.length ?? 0) > 0) ?? [];
    await vi.waitFor(() => expect(streamAcks()).toHaveLength(2), { timeout: 2000, interval: 5 });
    const acks = streamAcks().map((e) => e.ack?.streams?.[0]);
    expect(streamAcks().every((e) => Number(e.ack?.bytesReceived) > 0)).toBe(true);
    expect(acks.map((a) => [a?.streamId, a?.seq])).toEqual([['dx', 1], ['dx', 1]]);
    expect(got).toEqual([1]);
    expect(uplink.session.decodeErrors).toBe(1);
    expect(uplink.session.state).toBe('ready');
  });

  it('sends Goodbye on close and stops reconnecting', async () => {
    ({ hub, uplink } = await connected({ credential: SECRET }));
    await uplink.close();
    expect(uplink.session.state).toBe('closed');
    await hub.waitFor((e) => e.payload === 'goodbye');
    expect(hub.hellos).toBe(1);
  });

  it('refuses a durable frame with TM_ERR_OUTBOX_FULL when the outbox is full, and counts it', () => {
    const config = loadGatewayConfig({ gatewayId: 'g', hub: { url: 'ws://127.0.0.1:1/uplink', credential: 'c' }, outbox: { maxBytes: 1024 } });
    const u = new Uplink(config, { clock: systemClock, logger: pino({ level: 'silent' }) });
    const big: BuildFrameInput = { streamId: 'rec', trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: 1, payload: { ecgChunk: { data: new Uint8Array(600) } } };
    u.publish(big);
    expect(() => u.publish(big)).toThrow(expect.objectContaining({ code: 'TM_ERR_OUTBOX_FULL' }));
    expect(u.outbox.frames).toBe(1);
    expect(u.scheduler.stats().bulk.dropped.outbox_full).toBe(1);
    expect(u.classCounters().bulk.dropped).toBe(1);
  });

  it('renumbers unsent frames when the hub holds their seqs from an earlier run (outbox lost on restart)', async () => {
    hub = await FakeHub.start({ credential: SECRET, autoAck: false });
    hub.stored.set('sim-1/vitals', 7); // an earlier run of this gateway got to 7
    uplink = makeUplink(hub.url);
    for (let i = 1; i <= 3; i++) uplink.publish(vitals(i)); // this run numbers them 1..3 before connecting
    uplink.start();
    await hub.waitFor((e) => e.header.streamId === 'sim-1/vitals' && e.header.seq === 10);
    const got = hub.dataFrames('sim-1/vitals');
    expect(got.map((e) => e.header.seq)).toEqual([8, 9, 10]);
    expect(got.map((e) => e.vitals?.numerics?.[0]?.value)).toEqual([61, 62, 63]);
    expect(uplink.publish(vitals(4)).seq).toBe(11);
  });

  describe('Batches (SESSION.md §2a)', () => {
    const dataMessages = (h: FakeHub): { bytes: number; frames: number }[] => h.messages.slice(1); // after the Hello

    it('packs the frames one pump turn releases into Batches no larger than the hub allows, in order', async () => {
      ({ hub, uplink } = await connected({ credential: SECRET, maxBatchBytes: 600, answerPings: false }));
      const hello = await hub.waitFor((e) => e.payload === 'hello');
      expect(hello.hello?.maxBatchBytes).toBe(1024 * 1024); // the gateway takes Batches too
      const before = hub.messages.length;
      for (let i = 1; i <= 40; i++) uplink.publish(vitals(i));
      await hub.waitFor((e) => e.header.streamId === 'sim-1/vitals' && e.header.seq === 40);
      expect(hub.dataFrames('sim-1/vitals').map((e) => e.header.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const msgs = hub.messages.slice(before).filter((m) => m.frames > 0);
      // 40 frames of ~90 bytes in 600-byte Batches: several frames per message, never above the limit.
      expect(msgs.some((m) => m.frames > 1)).toBe(true);
      expect(msgs.length).toBeLessThan(40);
      for (const m of msgs) if (m.frames > 1) expect(m.bytes).toBeLessThanOrEqual(600);
      expect(uplink.classCounters().vitals.sent).toBe(40);
    });

    it('sends one frame per message to a hub that announced no Batch limit (an older hub)', async () => {
      ({ hub, uplink } = await connected({ credential: SECRET, answerPings: false }));
      for (let i = 1; i <= 20; i++) uplink.publish(vitals(i));
      await hub.waitFor((e) => e.header.streamId === 'sim-1/vitals' && e.header.seq === 20);
      expect(dataMessages(hub).every((m) => m.frames === 1)).toBe(true);
      expect(hub.dataFrames('sim-1/vitals')).toHaveLength(20);
    });

    it('takes Batches from the hub: every inner frame delivered and acked, a bad or nested one counted and skipped', async () => {
      hub = await FakeHub.start({ credential: SECRET });
      uplink = makeUplink(hub.url);
      const got: number[] = [];
      uplink.session.on('downlink', (e) => got.push(e.header.seq));
      uplink.start();
      await untilState(uplink, 'ready');
      const dx = (seq: number): Uint8Array => encodeEnvelope({ header: { gatewayId: 'hub', streamId: 'dx', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true }, diagnosis: { recordId: `r${seq}`, text: 'sinus rhythm' } });
      const outer = telemed.v1.Header.encode({ gatewayId: 'hub' }).finish();
      const batch = encodeBatch(outer, [dx(1), new Uint8Array([0xff, 0xff]), encodeBatch(outer, [dx(2)]), dx(2)]);
      for (const ws of hub.sockets) ws.send(batch);
      const streamAcks = (): DecodedEnvelope[] => hub?.received.filter((e) => e.payload === 'ack' && (e.ack?.streams?.length ?? 0) > 0) ?? [];
      await vi.waitFor(() => expect(streamAcks()).toHaveLength(2), { timeout: 2000, interval: 5 });
      expect(streamAcks().map((e) => e.ack?.streams?.[0]?.seq)).toEqual([1, 2]);
      expect(got).toEqual([1, 2]);
      expect(uplink.session.decodeErrors).toBe(2);
      expect(uplink.session.state).toBe('ready');
    });
  });
});
