import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { renderBmode } from '../../simulators/ultrasound-arm/bmode.js';
import { Phantom } from '../../simulators/ultrasound-arm/phantom.js';
import { telemed } from '../../protocols/index.js';
import { runLink } from '../../protocols/transport/test-support.js';
import { loadGatewayConfig } from '../config.js';
import { ManualTimers } from '../uplink/manual-timers.js';
import { Uplink } from '../uplink/uplink.js';
import { uplinkVideoPort } from './uplink-port.js';
import type { BuildFrameInput } from '../uplink/streams.js';
import { VideoErrorCode } from './errors.js';
import { encodeGrayJpeg, type GrayImage } from './jpeg.js';
import { UltrasoundVideoSender, type UltrasoundImage, type VideoUplinkPort } from './video-sender.js';

const log = pino({ level: 'silent' });
const phantom = new Phantom();

function rig(opts: { rateBps?: number; encode?: (img: GrayImage, q: number) => Promise<Uint8Array> } = {}) {
  const timers = new ManualTimers();
  const clock = { monoMs: () => timers.now, nowNs: () => 1.7e18 + timers.now * 1e6 };
  const sent: BuildFrameInput[] = [];
  const state = { busy: false, up: true, rate: opts.rateBps };
  const port: VideoUplinkPort = {
    publish: (f) => { sent.push(f); },
    rateBps: () => state.rate,
    videoQueued: () => (state.busy ? 1 : 0),
    linkUp: () => state.up,
  };
  const sender = new UltrasoundVideoSender({ armId: 'arm-1' }, { port, clock, timers, logger: log, ...(opts.encode ? { encode: opts.encode } : {}) });
  return { timers, clock, sent, state, sender };
}

/** A B-mode frame of the probe pressed at x (mm), as the arm would hand it over. */
function frame(x: number, tMs: number): UltrasoundImage {
  const img = renderBmode({ position: { x, y: 10, z: phantom.surfaceZ(x, 10) - 6 }, orientation: { w: 1, x: 0, y: 0, z: 0 }, forceN: 3.6, seed: 3, timeMs: tMs });
  return { ...img, captureTimeNs: 1.7e18 + tMs * 1e6, depthMm: img.depthMm };
}
const tiny = (t: number): UltrasoundImage => ({ width: 2, height: 2, data: new Uint8Array(4), captureTimeNs: t, depthMm: 90 });
/** Lets the (fake or sharp) encoder's promise settle. */
const settle = (s: UltrasoundVideoSender) => vi.waitFor(() => { if (s.stats().state === 'encoding') throw new Error('still encoding'); }, { timeout: 5000, interval: 1 });
const fastEncode = (): Promise<Uint8Array> => Promise.resolve(new Uint8Array([0xff, 0xd8, 1, 2, 0xff, 0xd9]));

describe('UltrasoundVideoSender', () => {
  it('newest wins with a slow consumer: frames are replaced in the one slot, never queued; the newest goes when the uplink frees', async () => {
    const r = rig({ rateBps: 20e6, encode: fastEncode });
    r.state.busy = true; // VIDEO still queued in the uplink
    for (let i = 1; i <= 10; i++) {
      r.sender.offer(tiny(i));
      r.timers.advance(33);
    }
    await settle(r.sender);
    expect(r.sent).toHaveLength(0);
    expect(r.sender.counters).toMatchObject({ offered: 10, replaced: 9, stale: 0, sent: 0 });
    r.state.busy = false;
    r.timers.advance(5); // the sender looks again every pollMs
    await settle(r.sender);
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]?.captureTimeNs).toBe(10); // the newest, not the first
    expect(r.sent[0]).toMatchObject({ streamId: 'arm-1/ultrasound', trafficClass: telemed.v1.TrafficClass.TRAFFIC_CLASS_VIDEO, durable: false });
    // A frame that waits longer than 150 ms (the VIDEO budget) for a busy uplink is dropped as stale.
    r.state.busy = true;
    r.sender.offer(tiny(11));
    r.timers.advance(200);
    expect(r.sender.counters.stale).toBe(1);
    r.state.busy = false;
    r.timers.advance(200);
    await settle(r.sender);
    expect(r.sent).toHaveLength(1);
    // Link down: nothing is encoded, the frame goes stale.
    r.state.up = false;
    r.sender.offer(tiny(12));
    r.timers.advance(200);
    expect(r.sender.counters.stale).toBe(2);
    expect(r.sent).toHaveLength(1);
  });

  it('a frame that arrives while one is encoding waits in the slot and is sent after it (not both queued behind)', async () => {
    let release: (() => void) | undefined;
    const encode = (): Promise<Uint8Array> => new Promise((res) => { release = () => { res(new Uint8Array([0xff, 0xd8, 0xff, 0xd9])); }; });
    const r = rig({ rateBps: 20e6, encode });
    r.sender.offer(tiny(1));
    expect(r.sender.stats().state).toBe('encoding');
    r.sender.offer(tiny(2));
    r.sender.offer(tiny(3));
    release?.();
    await settle(r.sender);
    r.timers.advance(100); // the next frame interval
    release?.();
    await settle(r.sender);
    expect(r.sent.map((s) => s.captureTimeNs)).toEqual([1, 3]);
    expect(r.sender.counters.replaced).toBe(1);
  });

  it('lower measured bandwidth gives lower quality and fewer frames per second (real sharp encoder, B-mode frames)', async () => {
    const run = async (rateBps: number) => {
      const r = rig({ rateBps });
      // 3 s of a 30 fps probe, fake time; each encode is real.
      for (let t = 0; t < 3000; t += 33) {
        r.sender.offer(frame(t / 100, t));
        await settle(r.sender);
        r.timers.advance(33);
      }
      await settle(r.sender);
      const last = r.sent.slice(-10).map((s) => s.payload.ultrasound?.quality ?? 0);
      return { fps: r.sent.filter((s) => s.captureTimeNs >= 1.7e18 + 1000e6).length / 2, quality: Math.max(...last), sender: r.sender, sent: r.sent };
    };
    const fast = await run(20e6);
    const slow = await run(300e3);
    expect(fast.quality).toBe(85);
    expect(fast.fps).toBeGreaterThanOrEqual(14);
    expect(slow.quality).toBeLessThan(fast.quality);
    expect(slow.fps).toBeLessThan(fast.fps / 3);
    // The slow stream's bytes fit its share of the link (0.5 × 300 kbit/s) over the last 2 s.
    const bytes = slow.sent.filter((s) => s.captureTimeNs >= 1.7e18 + 1000e6).reduce((n, s) => n + (s.payload.ultrasound?.data?.length ?? 0), 0);
    expect((bytes * 8) / 2).toBeLessThanOrEqual(0.5 * 300e3 * 1.1);
    expect(slow.sender.stats().level.fps).toBeLessThanOrEqual(3);
  }, 60_000);

  it('malformed images are refused with TM_ERR_VIDEO_BAD_IMAGE; an encoder failure is counted and the stream goes on', async () => {
    let fail = true;
    const r = rig({ rateBps: 20e6, encode: () => (fail ? Promise.reject(new Error('boom')) : fastEncode()) });
    expect(() => { r.sender.offer({ ...tiny(1), data: new Uint8Array(3) }); }).toThrow(expect.objectContaining({ code: VideoErrorCode.BAD_IMAGE }) as Error);
    expect(() => { r.sender.offer({ ...tiny(1), width: 0, data: new Uint8Array(0) }); }).toThrow(expect.objectContaining({ code: VideoErrorCode.BAD_IMAGE }) as Error);
    r.sender.offer(tiny(1));
    await settle(r.sender);
    expect(r.sender.counters.encodeErrors).toBe(1);
    fail = false;
    r.timers.advance(500);
    r.sender.offer(tiny(2));
    await settle(r.sender);
    expect(r.sent.map((s) => s.captureTimeNs)).toEqual([2]);
  });
});

describe('encodeGrayJpeg', () => {
  it('makes a baseline greyscale JPEG that an independent decoder (libjpeg-turbo djpeg) reads back close to the original', async () => {
    const img = frame(0, 0);
    const jpeg = await encodeGrayJpeg(img, 85);
    expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    let pgm: Buffer;
    try {
      pgm = execFileSync('djpeg', ['-pnm'], { input: jpeg, maxBuffer: 1 << 22 });
    } catch (err) {
      throw new Error('djpeg failed or is missing: apt-get install -y libjpeg-turbo-progs (scripts/test-deps.sh)', { cause: err });
    }
    // PGM (P5): one grey channel, 256 × 256, maxval 255.
    const header = '' + pgm.subarray(0, 15).toString('latin1');
    expect(header).toBe('P5\n256 256\n255\n');
    const px = pgm.subarray(15);
    expect(px.length).toBe(256 * 256);
    let err = 0;
    for (let i = 0; i < px.length; i++) err += Math.abs((px[i] ?? 0) - (img.data[i] ?? 0));
    expect(err / px.length).toBeLessThan(12); // mean absolute error at q 85 on speckle
    await expect(encodeGrayJpeg(img, 0)).rejects.toMatchObject({ code: VideoErrorCode.BAD_IMAGE });
  });
});

describe('uplinkVideoPort', () => {
  it('reads the real uplink: no rate before the pacer has an estimate or when unpaced, link not up before a session, VIDEO queue count', () => {
    for (const mode of ['scheduled', 'fifo'] as const) {
      const config = loadGatewayConfig({ gatewayId: 'gw-v', hub: { url: 'ws://127.0.0.1:9/uplink', credential: 'x' }, host: '127.0.0.1', port: 0, dataDir: '/tmp/unused-video-port', uplink: { mode } });
      const uplink = new Uplink(config, { clock: { monoMs: () => 0, nowNs: () => 0 }, logger: log, timers: new ManualTimers() });
      const port = uplinkVideoPort(uplink);
      expect(port.rateBps()).toBeUndefined();
      expect(port.linkUp()).toBe(false);
      expect(port.videoQueued()).toBe(0);
      if (mode === 'scheduled') {
        // The pacer on a modelled 2 Mbit/s bottleneck (250 bytes/ms), saturated, for 2 s: the port
        // then reports about 2 Mbit/s in bits/s (units: the estimator works in bytes/ms).
        runLink(uplink.flow.pacer, { rate: () => 250, delayMs: 20, offered: () => Infinity, endMs: 2000 });
        expect(port.rateBps()).toBeGreaterThan(1.5e6);
        expect(port.rateBps()).toBeLessThan(2.6e6);
      }
    }
  });
});
