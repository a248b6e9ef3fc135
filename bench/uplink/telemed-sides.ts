import { join } from 'node:path';
import { pino } from 'pino';
import { classFromName, encodeEnvelope, type DecodedEnvelope } from '../../protocols/index.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { hashSecret } from '../../hospital/auth/password.js';
import { loadHospitalConfig } from '../../hospital/config.js';
import { startHospital } from '../../hospital/main.js';
import { benchPki } from './bench-pki.js';
import { sleep, wallMs } from './clock.js';
import { Ledger, type ChildSpec } from './ipc.js';
import { GATEWAY_ID, GATEWAY_SECRET, type Side } from './side.js';
import { startDownlinkTraffic, startUplinkTraffic, type BenchFrame } from './traffic.js';

// Warnings and worse only: the bench's own output is the JSON and the table.
const logger = pino({ level: 'warn' }, pino.destination(2));
// BENCH_HUB_LOG_LEVEL=debug: the hub's log at that level, e.g. each downlink drop with its reason.
const hubLogger = pino({ level: process.env['BENCH_HUB_LOG_LEVEL'] ?? 'warn' }, pino.destination(2));

/** The hub: records every frame handed to live fan-out (realtime on receipt, durable once stored). */
export async function telemedHub(spec: ChildSpec): Promise<Side> {
  const config = loadHospitalConfig({
    host: '127.0.0.1', port: 0, dataDir: spec.dir, dashboardsDir: join(spec.dir, 'no-dashboards'),
    // Cheap scrypt: one bench gateway on loopback.
    gateways: [{ id: GATEWAY_ID, secretHash: await hashSecret(GATEWAY_SECRET, { N: 1024, r: 8, p: 1 }) }],
    // The FIFO baseline is FIFO both ways: the hub's downlink too (one unpaced queue).
    ...(spec.run === 'fifo' ? { uplink: { downlinkMode: 'fifo' } } : {}),
    ...(spec.tlsDir !== undefined ? { tls: { ...(await benchPki(spec.tlsDir)).hub, requireClientCert: true } } : {}),
  });
  const hub = await startHospital(config, { logger: hubLogger });
  const registry = hub.app.hospital.registry;
  const ledger = new Ledger();
  registry.onFrame((_gw, env) => ledger.received(env.header.streamId, Number(env.header.seq), Number(env.header.captureTimeNs), wallMs(), Number(env.header.sendTimeNs ?? 0)));
  const seqs = new Map<string, number>();
  let stopper = new AbortController();
  const down = (f: BenchFrame): void => {
    const seq = (seqs.get(f.streamId) ?? 0) + 1;
    seqs.set(f.streamId, seq);
    const env = { header: { gatewayId: GATEWAY_ID, streamId: f.streamId, seq, captureTimeNs: f.captureMs * 1e6, trafficClass: classFromName(f.cls), durable: false }, ...f.payload };
    ledger.offered(f.cls, f.streamId, seq, f.captureMs, encodeEnvelope(env).length);
    // 'backpressure' / 'not-connected' are drops by the hub; the frame stays counted as offered.
    registry.sendToGateway(GATEWAY_ID, env);
  };
  return {
    port: hub.port,
    start: () => { stopper = new AbortController(); startDownlinkTraffic(spec.traffic, down, stopper.signal); },
    stop: () => stopper.abort(),
    report: () => ledger.report(null),
    close: async () => { stopper.abort(); await hub.close(); },
  };
}

/** The gateway, through the link emulator, fed by the stand-in devices of traffic.ts. */
export async function telemedEdge(spec: ChildSpec): Promise<Side> {
  const config = loadGatewayConfig({
    gatewayId: GATEWAY_ID, siteKind: 'ambulance', siteName: 'bench',
    hub: spec.tlsDir === undefined
      ? { url: `ws://127.0.0.1:${spec.connectPort}/uplink`, credential: GATEWAY_SECRET }
      : { url: `wss://127.0.0.1:${spec.connectPort}/uplink`, credential: GATEWAY_SECRET, tls: (await benchPki(spec.tlsDir)).gateways.get(GATEWAY_ID) },
    host: '127.0.0.1', port: 0, dataDir: spec.dir,
    // Room for the 50 MB backlog plus a minute of records: a full outbox would refuse, not measure.
    // TM_BENCH_RETAIN_MS / TM_BENCH_RETAIN_BYTES: the outbox retention to measure (default: the config's, 24 h).
    outbox: {
      maxBytes: 1024 * 1024 * 1024,
      ...(process.env.TM_BENCH_RETAIN_MS ? { retainAckedMs: Number(process.env.TM_BENCH_RETAIN_MS) } : {}),
      ...(process.env.TM_BENCH_RETAIN_BYTES ? { retainAckedBytes: Number(process.env.TM_BENCH_RETAIN_BYTES) } : {}),
    },
    // The FIFO baseline of issue 3 (b) and issue 14's ablations (strict priority unpaced; a fixed shaper).
    ...(spec.run === 'fifo' ? { uplink: { mode: 'fifo' } } : {}),
    ...(spec.run === 'strict' ? { uplink: { mode: 'strict' } } : {}),
    ...(spec.run === 'shaped' ? { uplink: { mode: 'shaped', shapedRateBps: spec.shapedRateBps } } : {}),
  });
  const gw = await startGateway(config, { logger });
  const ledger = new Ledger();
  gw.uplink.session.on('downlink', (env: DecodedEnvelope) => ledger.received(env.header.streamId, Number(env.header.seq), Number(env.header.captureTimeNs), wallMs(), Number(env.header.sendTimeNs ?? 0)));
  for (let i = 0; gw.uplink.session.state !== 'ready'; i++) {
    if (i > 300) throw new Error(`gateway not ready after 15 s (link state ${gw.uplink.session.state})`);
    await sleep(50);
  }
  const up = (f: BenchFrame): void => {
    const input = { streamId: f.streamId, trafficClass: classFromName(f.cls), durable: f.durable, captureTimeNs: f.captureMs * 1e6, payload: f.payload };
    // Bytes as one envelope: the gateway may cut a reading into parts, each with its own header.
    const bytes = encodeEnvelope({ header: { streamId: f.streamId, seq: 1, captureTimeNs: input.captureTimeNs, trafficClass: input.trafficClass, durable: f.durable }, ...f.payload }).length;
    if (!f.durable) {
      const out = gw.uplink.publish(input);
      ledger.offered(f.cls, out.streamId, out.seq, f.captureMs, bytes);
      return;
    }
    // Durable readings take the device path: group commit, settled once on disk.
    gw.uplink.submit(input).then(
      (out) => ledger.offered(f.cls, out.streamId, out.seq, f.captureMs, bytes),
      () => { ledger.refused++; },
    );
  };
  // The uplink pacer every 50 ms (wall ms, state, estimate, pacing rate, cwnd, in flight, min RTT,
  // queue delay over the last 50 ms): why the bottleneck queue is what it is.
  const trace: (string | number)[][] = [];
  const traceTimer = setInterval(() => {
    const p = gw.uplink.flow.pacer;
    const e = p.estimator;
    const now = performance.now();
    const q = e.recentQueueDelay(now, 50);
    const r1 = (x: number): number => Math.round(x * 10) / 10;
    trace.push([Math.round(wallMs()), p.state, r1(e.btlBwBpms * 8 / 1000), r1(p.pacingRateBps / 1e6), Number.isFinite(p.cruiseCapBps) ? r1(p.cruiseCapBps / 1e6) : -1, Math.round(p.cwndBytes), e.inflight, r1(e.minRttMs), q.n > 0 ? r1(q.min) : -1]);
    if (trace.length > 6000) trace.shift();
  }, 50);
  let stopper = new AbortController();
  return {
    port: 0,
    start: () => { stopper = new AbortController(); startUplinkTraffic(spec.traffic, up, stopper.signal); },
    stop: () => stopper.abort(),
    report: () => {
      const pendingFrom: Record<string, number> = {};
      const outbox = gw.uplink.outbox;
      for (const s of outbox.streams()) {
        const first = outbox.pendingBatch(s, 0, 1)[0];
        if (first) pendingFrom[s] = first.seq;
      }
      const pacerTrace = { columns: ['wallMs', 'state', 'btlBwMbps', 'pacingMbps', 'cruiseCapMbps', 'cwndBytes', 'inflightBytes', 'minRttMs', 'queueDelayMs'], rows: trace };
      return ledger.report(pendingFrom, { classes: gw.uplink.classCounters(), scheduler: gw.uplink.scheduler.stats(), outboxBytes: outbox.bytes, pacerTrace });
    },
    close: async () => { stopper.abort(); clearInterval(traceTimer); await gw.close(); },
  };
}
