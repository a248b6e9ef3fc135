import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, encodeEnvelope, telemed } from '../../protocols/index.js';
import { encodeBatch } from '../../protocols/wire/batch.js';
import { startHospital, type RunningHospital } from '../main.js';
import { FakeGateway, memoryLogger, tempDir, testConfig, GATEWAY_SECRET, type TempDir } from '../test-support.js';

describe('/uplink edge cases', () => {
  let dir: TempDir;
  let hub: RunningHospital;
  const open: FakeGateway[] = [];

  async function gateway(): Promise<FakeGateway> {
    const gw = await FakeGateway.connect(hub.url);
    open.push(gw);
    return gw;
  }

  beforeEach(async () => {
    dir = tempDir();
    hub = await startHospital(await testConfig(dir.path, { uplink: { maxBufferedBytes: 64 * 1024 } }), { logger: memoryLogger().logger });
  });
  afterEach(async () => {
    for (const gw of open.splice(0)) gw.ws.terminate();
    await hub.close();
    dir.remove();
  });

  it('refuses an unknown protocol version (4400)', async () => {
    const gw = await gateway();
    gw.send({ header: { gatewayId: 'clinic-1' }, hello: { protocolVersion: PROTOCOL_VERSION + 1, gatewayId: 'clinic-1', credential: GATEWAY_SECRET } });
    expect((await gw.next('helloAck')).helloAck).toMatchObject({ accepted: false, reasonCode: 'TM_ERR_PROTOCOL_VERSION' });
    expect((await gw.closed).code).toBe(4400);
  });

  it('refuses an unknown gateway id like a wrong credential (4401)', async () => {
    const gw = await gateway();
    gw.hello(GATEWAY_SECRET, 'clinic-99');
    expect((await gw.next('helloAck')).helloAck?.reasonCode).toBe('TM_ERR_AUTH_FAILED');
    expect((await gw.closed).code).toBe(4401);
  });

  it('buffers nothing for an unauthenticated peer: a frame behind the Hello is refused (4400), none stored', async () => {
    // Issue 12 item 12: frames queued behind Hellos held the hub's memory (4 sockets: +200 MB RSS).
    const gw = await gateway();
    gw.hello();
    gw.send(gw.vitals(1));
    gw.send(gw.vitals(2));
    expect((await gw.next('helloAck')).helloAck).toMatchObject({ accepted: false, reasonCode: 'TM_ERR_HELLO_REQUIRED' });
    expect((await gw.closed).code).toBe(4400);
    expect(await hub.app.hospital.store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(0);
  });

  it('survives random bytes: every bad frame counted, the session still acks', async () => {
    const gw = await gateway();
    gw.hello();
    await gw.next('helloAck');
    const samples = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 256 }), { numRuns: 60, seed: 42 });
    for (const bytes of samples) gw.ws.send(bytes);
    gw.send(gw.vitals(1));
    expect((await gw.next('ack')).ack?.streams?.[0]?.seq).toBe(1);
    expect(gw.ws.readyState).toBe(WebSocket.OPEN);
    const text = await hub.app.hospital.metrics.registry.metrics();
    const dropped = [...text.matchAll(/^telemed_frames_dropped_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    // A random byte string can happen to be a valid frame; most are not.
    expect(dropped).toBeGreaterThan(40);
    expect(dropped).toBeLessThanOrEqual(60);
  });

  it('refuses downlink frames instead of buffering past the bound when the gateway does not read', async () => {
    const gw = await gateway();
    gw.hello();
    await gw.next('helloAck');
    gw.ws.pause();
    const big = { header: { streamId: 'diagnosis', trafficClass: 2, durable: true }, diagnosis: { recordId: 'r', text: 'x'.repeat(32 * 1024) } };
    let result = 'sent';
    let sends = 0;
    while (result === 'sent') {
      expect(sends++).toBeLessThan(10_000);
      result = hub.app.hospital.registry.sendToGateway('clinic-1', { ...big, header: { ...big.header, seq: sends } });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(result).toBe('backpressure');
    gw.ws.resume();
  });

  describe('Batch envelopes (SESSION.md §2a)', () => {
    const outer = telemed.v1.Header.encode({ gatewayId: 'clinic-1' }).finish();
    async function ready(): Promise<FakeGateway> {
      const gw = await gateway();
      gw.hello();
      const ack = await gw.next('helloAck');
      expect(ack.helloAck?.accepted).toBe(true);
      expect(ack.helloAck?.maxBatchBytes).toBeGreaterThan(64 * 1024);
      return gw;
    }
    async function dropped(reason: string): Promise<number> {
      const text = await hub.app.hospital.metrics.registry.metrics();
      return [...text.matchAll(/^telemed_frames_dropped_total\{([^}]*)\} (\d+)$/gm)]
        .filter((m) => m[1]?.includes(`reason="${reason}"`))
        .reduce((n, m) => n + Number(m[2]), 0);
    }
    async function ackedUpTo(gw: FakeGateway, seq: number): Promise<void> {
      let got = 0;
      while (got < seq) got = Number((await gw.next('ack')).ack?.streams?.[0]?.seq ?? 0);
      expect(got).toBe(seq);
    }

    it('announces its Batch limit and stores every inner frame once, acked cumulatively; an inner duplicate is re-acked', async () => {
      const gw = await ready();
      const frames = Array.from({ length: 10 }, (_, i) => encodeEnvelope(gw.vitals(i + 1)));
      gw.ws.send(encodeBatch(outer, frames));
      await ackedUpTo(gw, 10);
      // Frames 9 and 10 again plus a new 11, in one Batch: two duplicates, one stored.
      gw.ws.send(encodeBatch(outer, [frames[8]!, frames[9]!, encodeEnvelope(gw.vitals(11))]));
      await ackedUpTo(gw, 11);
      expect(await hub.app.hospital.store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(11);
      const text = await hub.app.hospital.metrics.registry.metrics();
      expect(text).toMatch(/^telemed_frames_duplicate_total\{class="vitals"\} 2$/m);
    });

    it('counts a corrupt and a nested inner frame, each once, without losing their siblings', async () => {
      const gw = await ready();
      const nested = encodeBatch(outer, [encodeEnvelope(gw.vitals(3))]);
      gw.ws.send(encodeBatch(outer, [
        encodeEnvelope(gw.vitals(1)),
        new Uint8Array([0x0a, 0x05, 0x01]), // header claims 5 bytes, 1 follows
        encodeEnvelope(gw.vitals(2)),
        nested, // its frame 3 must not be stored through the nesting
        new Uint8Array(0), // an empty element: TM_ERR_FRAME_EMPTY
        encodeEnvelope(gw.vitals(3)),
      ]));
      await ackedUpTo(gw, 3);
      expect(await hub.app.hospital.store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(3);
      expect(await dropped('decode')).toBe(2);
      expect(await dropped('unknown-payload')).toBe(1);
      expect(gw.ws.readyState).toBe(WebSocket.OPEN);
    });

    it('refuses an oversize Batch and one with too many frames as one bad message each; the session survives', async () => {
      const gw = await ready();
      // Above the 1 MiB frame limit as a whole, though every inner frame is small.
      const many = Array.from({ length: 12_000 }, (_, i) => encodeEnvelope(gw.vitals(i + 1)));
      const big = encodeBatch(outer, many);
      expect(big.length).toBeGreaterThan(1024 * 1024);
      gw.ws.send(big);
      // More elements than maxRepeated (65 536), each an empty frame: 2 bytes apiece.
      gw.ws.send(encodeBatch(outer, Array.from({ length: 65_537 }, () => new Uint8Array(0))));
      gw.send(gw.vitals(1));
      await ackedUpTo(gw, 1);
      expect(await dropped('decode')).toBe(2);
      expect(await hub.app.hospital.store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(1);
      expect(gw.ws.readyState).toBe(WebSocket.OPEN);
    });

    it('refuses a Batch in place of the Hello (4400 TM_ERR_HELLO_REQUIRED)', async () => {
      const gw = await gateway();
      const hello = encodeEnvelope({ header: { gatewayId: 'clinic-1' }, hello: { protocolVersion: PROTOCOL_VERSION, gatewayId: 'clinic-1', credential: GATEWAY_SECRET } });
      gw.ws.send(encodeBatch(outer, [hello]));
      expect((await gw.next('helloAck')).helloAck).toMatchObject({ accepted: false, reasonCode: 'TM_ERR_HELLO_REQUIRED' });
      expect((await gw.closed).code).toBe(4400);
    });

    it('counts bad inner frames one by one toward the bad-frame limit: 101 in one Batch close the session (4400)', async () => {
      const gw = await ready();
      gw.ws.send(encodeBatch(outer, Array.from({ length: 101 }, () => new Uint8Array([0xff, 0xff]))));
      expect((await gw.closed).code).toBe(4400);
    });
  });
});
