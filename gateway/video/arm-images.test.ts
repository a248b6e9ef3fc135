// The arm's image path on the gateway with the real arm simulator: the simulator (TCP arm wire and
// its image output, simulators/ultrasound-arm/image-server.ts) → ArmDevice with arm.imageUrl →
// UltrasoundImageSource → UltrasoundVideoSender → VIDEO frames on `<armId>/ultrasound`, decoded
// here by sharp. Bad frames and a lost connection are counted and survived. One simulator; ~2 s.
import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, telemed } from '../../protocols/index.js';
import { ArmSimulator, ImageServer, listenTcpWire } from '../../simulators/ultrasound-arm/index.js';
import { ArmDevice } from '../devices/arm-device.js';
import { DEFAULT_SAFETY, MemoryAuditLog } from '../safety/index.js';
import type { BuildFrameInput } from '../uplink/streams.js';
import { systemTimers } from '../uplink/timers.js';
import { UltrasoundImageSource } from './image-source.js';
import type { VideoUplinkPort } from './video-sender.js';

const log = pino({ level: 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what()}`);
    await sleep(10);
  }
}

describe('arm images on the gateway (real simulator)', () => {
  let sim: ArmSimulator;
  let wire: Awaited<ReturnType<typeof listenTcpWire>>;
  let images: ImageServer;
  let device: ArmDevice;
  const published: BuildFrameInput[] = [];
  const abort = new AbortController();

  beforeAll(async () => {
    wire = await listenTcpWire('127.0.0.1', 0);
    sim = new ArmSimulator({ wire });
    sim.start();
    images = await ImageServer.listen(sim, 0, { fps: 30 });
    const port: VideoUplinkPort = { publish: (f) => { published.push(f); }, rateBps: () => undefined, videoQueued: () => 0, linkUp: () => true };
    device = new ArmDevice(
      { id: 'arm-1', url: `tcp://127.0.0.1:${wire.port}`, safety: DEFAULT_SAFETY, uplinkHz: 25, gatewayId: 'clinic-1', imageUrl: `tcp://127.0.0.1:${images.port}` },
      { clock: systemClock, logger: log, timers: systemTimers, hubOffsetMs: () => null, audit: new MemoryAuditLog(), video: port },
    );
    await device.start(abort.signal);
  });
  afterAll(async () => {
    abort.abort();
    await device.stop();
    await images.close();
    sim.stop();
    await wire.close();
  });

  const decode = async (f: BuildFrameInput) => {
    const u = f.payload.ultrasound;
    const jpeg = Buffer.from(u?.data ?? new Uint8Array());
    const meta = await sharp(jpeg).metadata();
    const { data, info } = await sharp(jpeg).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return { data, info: { ...info, channels: meta.channels, format: meta.format }, u };
  };
  const stats = () => JSON.stringify(device.imageStats());

  it('sends the simulator\'s B-mode images as JPEG VIDEO frames that follow the probe', async () => {
    await until(() => published.length >= 2, 5000, () => `2 frames (${stats()})`);
    const first = published[0];
    if (first === undefined) throw new Error('no frame');
    expect(first).toMatchObject({ streamId: 'arm-1/ultrasound', trafficClass: telemed.v1.TrafficClass.TRAFFIC_CLASS_VIDEO, durable: false });
    expect(Math.abs(first.captureTimeNs / 1e6 - Date.now())).toBeLessThan(2000);
    const a = await decode(first);
    expect([a.info.format, a.info.width, a.info.height, a.info.channels, a.u?.width, a.u?.depthMm]).toEqual(['jpeg', 256, 256, 1, 256, 90]);
    // At home the probe is in the air: a dark image.
    const mean = (d: Buffer) => d.reduce((s, v) => s + v, 0) / d.length;
    expect(mean(a.data)).toBeLessThan(5);
    // The probe pressed 10 mm into the phantom's skin: tissue appears.
    const x = 40;
    const y = 20;
    sim.kin.position = { x, y, z: sim.phantom.surfaceZ(x, y) - 10 };
    const n = published.length;
    let pressed = 0;
    await until(() => published.length > n + 2, 5000, () => `frames after the press (${stats()})`);
    for (const f of published.slice(n + 2)) pressed = Math.max(pressed, mean((await decode(f)).data));
    expect(pressed).toBeGreaterThan(20);
    const ids = published.map((f) => Number(f.payload.ultrasound?.frameId));
    expect(ids).toEqual([...ids].sort((p, q) => p - q));
    expect(device.imageStats()?.source.badFrames).toBe(0);
  });

  it('reconnects after the image output drops the connection, and frames resume', async () => {
    const connects = device.imageStats()?.source.connects ?? 0;
    images.dropClients();
    await until(() => (device.imageStats()?.source.connects ?? 0) > connects, 5000, () => `a reconnect (${stats()})`);
    const n = published.length;
    await until(() => published.length > n + 1, 5000, () => `frames after the reconnect (${stats()})`);
    expect(device.imageStats()?.source.lost).toBeGreaterThanOrEqual(1);
  });

  it('a frame breaking the format is counted TM_ERR_VIDEO_SOURCE_BAD_FRAME and the source reconnects', async () => {
    let accepted = 0;
    const bad: Server = createServer((s) => {
      accepted += 1;
      s.on('error', () => undefined);
      s.write(Buffer.concat([Buffer.from('USI1'), Buffer.alloc(60, 0xff)])); // 65535 x 65535, NaN values
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', () => r()));
    const port = (bad.address() as { port: number }).port;
    const warned: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => { warned.push(l); } });
    const frames: unknown[] = [];
    const src = new UltrasoundImageSource({ url: `tcp://127.0.0.1:${port}`, onFrame: (f) => frames.push(f), logger, timers: systemTimers, backoffMs: 20 });
    src.start();
    try {
      await until(() => src.counters.badFrames >= 2, 5000, () => JSON.stringify(src.counters));
      expect(accepted).toBeGreaterThanOrEqual(2);
      expect(frames).toEqual([]);
      expect(warned.some((l) => l.includes('TM_ERR_VIDEO_SOURCE_BAD_FRAME'))).toBe(true);
    } finally {
      src.close();
      await new Promise<void>((r) => bad.close(() => r()));
    }
  });
});
