// The baseline peer of issue 11's first target: "the same commands and images sent over one FIFO
// WebSocket (what a small team would build)". The hospital side relays the operator's JSON commands
// as they are onto ONE WebSocket to the clinic (through the link emulator); the clinic side writes
// each command to the arm driver on arrival (no lease, no age check, no priorities) and sends every
// image from the ultrasound machine, JPEG-encoded (sharp, fixed quality), back on the same socket,
// in order, never dropped. The hub forwards each image to the operator's socket unchanged. The
// other traffic (records, video) goes on a second plain WebSocket through the same emulator, so
// both peers share one bottleneck with the same load. Bench only, loopback only, no auth: the
// baseline stands for the transport a small team would write, not for a product.
import type { IncomingMessage } from 'node:http';
import { pino } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { classFromName, encodeEnvelope } from '../../protocols/index.js';
import { systemClock } from '../../protocols/time.js';
import { ArmDriver, transportForUrl } from '../../devices/ultrasound-arm/index.js';
import { systemTimers } from '../../gateway/uplink/timers.js';
import { encodeGrayJpeg, UltrasoundImageSource, type SourceFrame } from '../../gateway/video/index.js';
import { imageMessage } from '../../hospital/teleop/messages.js';
import { sleep, wallMs } from '../uplink/clock.js';
import { backlogRecords, startUplinkTraffic, type BenchFrame } from '../uplink/traffic.js';
import { ARM_ID, GATEWAY_ID, type EdgeReport, type TeleopChildSpec } from './ipc.js';
import { openWs } from './operator.js';
import type { BenchSide } from './side.js';

const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'warn' }, pino.destination(2));

/** JPEG quality of the baseline: one fixed value (telemed adapts it to the measured bandwidth). */
export const FIFO_JPEG_QUALITY = 80;

/** Hospital side: /operator (the specialist's browser), /gateway (the clinic), /load (other traffic, discarded). */
export async function fifoHub(): Promise<BenchSide> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 16 * 1024 * 1024 });
  let operator: WebSocket | null = null;
  let gateway: WebSocket | null = null;
  const counts = { commands: 0, images: 0, loadBytes: 0, commandsWithoutGateway: 0 };
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    ws.on('error', () => ws.terminate());
    switch (req.url) {
      case '/operator':
        operator = ws;
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (isBinary) return;
          counts.commands++;
          if (gateway?.readyState === WebSocket.OPEN) gateway.send(data, { binary: false });
          else counts.commandsWithoutGateway++;
        });
        return;
      case '/gateway':
        gateway = ws;
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (!isBinary) return;
          counts.images++;
          if (operator?.readyState === WebSocket.OPEN) operator.send(data, { binary: true });
        });
        return;
      case '/load':
        ws.on('message', (data: Buffer) => { counts.loadBytes += data.byteLength; });
        return;
      default:
        ws.close(1008, 'unknown path');
    }
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const addr = wss.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : 0,
    start: () => undefined,
    stop: () => undefined,
    report: () => ({ ...counts }),
    close: () => new Promise<void>((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }),
  };
}

interface FifoCommand { type: string; seq?: number; twist?: { vx: number; vy: number; vz: number } }

/** Clinic side: the arm driver on the simulator, the image output read and encoded, one socket to the hub. */
export async function fifoEdge(spec: TeleopChildSpec): Promise<BenchSide> {
  const armUrl = `tcp://127.0.0.1:${spec.armPort ?? 0}`;
  const driver = new ArmDriver({ id: ARM_ID, url: armUrl, transport: transportForUrl(armUrl), clock: systemClock, logger });
  const life = new AbortController();
  driver.start(life.signal);
  for (let i = 0; driver.linkState !== 'streaming'; i++) {
    if (i > 200) throw new Error(`arm driver not streaming after 10 s (${driver.linkState})`);
    await sleep(50);
  }
  const base = `ws://127.0.0.1:${spec.linkPort ?? 0}`;
  const ws = await openWs(`${base}/gateway`);
  const load = await openWs(`${base}/load`);
  ws.on('error', () => undefined);
  load.on('error', () => undefined);
  const executed: { seq: number; execMs: number }[] = [];
  const counts = { images: 0, imageBytes: 0, badCommands: 0, maxBufferedBytes: 0 };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    let c: FifoCommand;
    try { c = JSON.parse(data.toString('utf8')) as FifoCommand; } catch { counts.badCommands++; return; }
    if (c.type === 'jog' && c.twist) driver.jog({ linear: { x: c.twist.vx, y: c.twist.vy, z: c.twist.vz }, angular: { x: 0, y: 0, z: 0 } }, { accelMmS2: 250 });
    else if (c.type === 'hold') driver.hold();
    else if (c.type !== 'heartbeat') { counts.badCommands++; return; }
    if (typeof c.seq === 'number') executed.push({ seq: c.seq, execMs: wallMs() });
  });
  // Every frame, in order: encodes are chained so a slow one never lets a later frame overtake it.
  let chain: Promise<void> = Promise.resolve();
  const source = new UltrasoundImageSource({
    url: `tcp://127.0.0.1:${spec.imagePort ?? 0}`, logger, timers: systemTimers,
    onFrame: (f: SourceFrame) => {
      chain = chain.then(async () => {
        const jpeg = await encodeGrayJpeg({ width: f.width, height: f.height, data: f.pixels }, FIFO_JPEG_QUALITY);
        const captureTimeNs = Math.round(f.captureTimeMs * 1e6);
        const msg = imageMessage(GATEWAY_ID, ARM_ID, 'fifo', jpeg, {
          streamId: `${ARM_ID}/video`, frameId: f.frameId, width: f.width, height: f.height, quality: FIFO_JPEG_QUALITY,
          depthMm: f.depthMm, gainDb: 0, captureTimeNs, receivedAtNs: wallMs() * 1e6, bytes: jpeg.byteLength, parts: 1,
        });
        counts.images++;
        counts.imageBytes += msg.byteLength;
        if (ws.readyState === WebSocket.OPEN) ws.send(msg, { binary: true });
        counts.maxBufferedBytes = Math.max(counts.maxBufferedBytes, ws.bufferedAmount);
      }).catch((err: unknown) => logger.warn({ err }, 'fifo image encode failed'));
    },
  });
  source.start();
  let seq = 0;
  const send = (f: BenchFrame): void => {
    seq++;
    const env = { header: { gatewayId: GATEWAY_ID, streamId: f.streamId, seq, captureTimeNs: f.captureMs * 1e6, trafficClass: classFromName(f.cls), durable: f.durable }, ...f.payload };
    if (load.readyState === WebSocket.OPEN) load.send(encodeEnvelope(env), { binary: true });
  };
  // The stored backlog is queued on the load socket now, before the operator connects (as for telemed).
  if (spec.traffic) backlogRecords(spec.traffic.backlogBytes, spec.traffic.recordBytes, spec.traffic.bulkChunkBytes, send);
  let stopper = new AbortController();
  return {
    port: 0,
    start: () => { if (spec.traffic) { stopper = new AbortController(); startUplinkTraffic({ ...spec.traffic, backlogBytes: 0 }, send, stopper.signal); } },
    stop: () => stopper.abort(),
    report: (): EdgeReport => ({ executed, decisions: {}, auditStale: null, sender: { ...counts, loadBuffered: load.bufferedAmount, imageSource: { ...source.counters } } }),
    close: async () => {
      stopper.abort();
      source.close();
      ws.terminate();
      load.terminate();
      life.abort();
      await driver.close();
    },
  };
}
