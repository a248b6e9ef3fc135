// bench:vitals hub side: ONE real hospital hub process with every bench ambulance enrolled (or,
// for the baseline, one MQTT consumer on the hospital Mosquitto). It
// records, per traffic class, capture → hub receipt latency (same machine clock) of each frame
// whose capture time falls in the measured window; durable frames are counted once per
// (gateway, stream, seq), so a resend after a reconnect is not a second delivery. Forked by
// bench/vitals.ts; spoken to over IPC (proc.ts).
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import { className, decodeEnvelope, type DecodedEnvelope } from '../../protocols/index.js';
import { hashSecret } from '../../hospital/auth/password.js';
import { loadHospitalConfig } from '../../hospital/config.js';
import { startHospital } from '../../hospital/main.js';
import { wallMs } from '../uplink/clock.js';
import { AMBULANCE_SECRET, type HubReport, type HubSpec, type ToHub } from './ipc.js';

const logger = pino({ level: 'warn' }, pino.destination(2));

type FrameSink = (gw: string, env: DecodedEnvelope) => void;
interface HubSide { port: number; sessions(): number; close(): Promise<void> }

/** Our hub: every frame the registry hands to live fan-out (realtime on receipt, durable once stored). */
async function telemedHub(spec: HubSpec, sink: FrameSink): Promise<HubSide> {
  // Cheap scrypt: bench gateways on loopback; the hash is computed once and shared.
  const secretHash = await hashSecret(AMBULANCE_SECRET, { N: 1024, r: 8, p: 1 });
  const config = loadHospitalConfig({
    host: '127.0.0.1', port: 0, dataDir: spec.dir, dashboardsDir: join(spec.dir, 'no-dashboards'),
    gateways: spec.gatewayIds.map((id) => ({ id, secretHash })),
    // Every bench ambulance connects from 127.0.0.1, where a real fleet has one address each: the
    // per-address cap (16) and the Hello queue (16) would refuse all but the first few.
    uplink: { maxConnectionsPerAddress: spec.gatewayIds.length + 16, maxQueuedHelloChecks: spec.gatewayIds.length },
  });
  const hub = await startHospital(config, { logger });
  hub.app.hospital.registry.onFrame(sink);
  return { port: hub.port, sessions: () => hub.app.hospital.registry.connectedCount(), close: () => hub.close() };
}

/** The baseline's consumer at the hospital: one MQTT client on the hospital Mosquitto, QoS 1, TCP_NODELAY. */
async function mosquittoHub(spec: HubSpec, sink: FrameSink): Promise<HubSide> {
  const client = mqtt.connect({ host: '127.0.0.1', port: spec.brokerPort ?? 0, clientId: 'bench-vitals-hospital', clean: true, protocolVersion: 4, reconnectPeriod: 500, keepalive: 60 });
  client.on('connect', () => (client.stream as Socket).setNoDelay?.(true));
  client.on('error', (err) => process.stderr.write(`mqtt hospital consumer: ${err.message}\n`));
  client.on('message', (_topic, payload) => {
    const env = decodeEnvelope(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    sink(env.header.gatewayId, env);
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    setTimeout(() => reject(new Error(`no CONNACK from the hospital Mosquitto on 127.0.0.1:${spec.brokerPort} in 10 s`)), 10_000).unref();
  });
  await client.subscribeAsync('telemed/up/#', { qos: 1 });
  return { port: 0, sessions: () => (client.connected ? 1 : 0), close: async () => { await client.endAsync(true); } };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as HubSpec;
  let t0 = Infinity;
  let t1 = -Infinity;
  const latencies: Record<string, number[]> = {};
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let loopOn = false;
  const seen = new Set<string>();
  let duplicates = 0;
  const sink: FrameSink = (gw, env) => {
    const captureMs = Number(env.header.captureTimeNs) / 1e6;
    // The loop delay is sampled from the window's first frame to the collect (window and drain).
    if (!loopOn && captureMs >= t0 && captureMs < t1) {
      loopOn = true;
      loop.enable();
    }
    if (captureMs < t0 || captureMs >= t1) return;
    if (env.header.durable) {
      const key = `${gw}|${env.header.streamId}|${String(env.header.seq)}`;
      if (seen.has(key)) { duplicates++; return; }
      seen.add(key);
    }
    const cls = className(env.header.trafficClass ?? 0);
    (latencies[cls] ??= []).push(wallMs() - captureMs);
  };
  const hub = spec.peer === 'mosquitto' ? await mosquittoHub(spec, sink) : await telemedHub(spec, sink);
  process.on('message', (raw) => {
    const msg = raw as ToHub;
    if (msg.type === 'window') { t0 = msg.t0; t1 = msg.t1; return; }
    if (msg.type === 'collect') {
      loop.disable();
      const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
      const loopDelayMs = loop.count > 0 ? { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) } : { p50: 0, p99: 0, max: 0 };
      const report: HubReport = { latencies, duplicates, sessions: hub.sessions(), loopDelayMs };
      process.send?.({ type: 'report', report });
      return;
    }
    if (msg.type === 'close') {
      hub.close().then(() => { process.send?.({ type: 'closed' }); process.disconnect(); }, () => process.exit(1));
    }
  });
  process.on('disconnect', () => setTimeout(() => process.exit(0), 3000).unref());
  process.send?.({ type: 'ready', port: hub.port });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  setTimeout(() => process.exit(1), 100);
});
