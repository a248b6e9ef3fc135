import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../protocols/index.js';
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

  it('keeps frames pipelined behind the Hello and stores them once accepted', async () => {
    const gw = await gateway();
    gw.hello();
    gw.send(gw.vitals(1));
    gw.send(gw.vitals(2));
    expect((await gw.next('helloAck')).helloAck?.accepted).toBe(true);
    let seq = 0;
    while (seq < 2) seq = Number((await gw.next('ack')).ack?.streams?.[0]?.seq);
    expect(await hub.app.hospital.store.countFrames('clinic-1', 'vitals/monitor-1')).toBe(2);
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
});
