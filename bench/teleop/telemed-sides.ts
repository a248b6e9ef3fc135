import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { classFromName } from '../../protocols/index.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { DEFAULT_SAFETY, type AuditRecord } from '../../gateway/safety/index.js';
import { startHospital } from '../../hospital/main.js';
import { GATEWAY_SECRET } from '../../hospital/test-support.js';
import { teleopConfig } from '../../hospital/teleop/test-support.js';
import { sleep, wallMs } from '../uplink/clock.js';
import { backlogRecords, startUplinkTraffic, type BenchFrame } from '../uplink/traffic.js';
import { quantile } from './analyse.js';
import { ARM_ID, GATEWAY_ID, type EdgeReport, type TeleopChildSpec } from './ipc.js';
import type { BenchSide } from './side.js';

// Warnings and worse only: the bench's output is its table and JSON.
const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'warn' }, pino.destination(2));

/** The real hub (hospital/teleop: REST leases, the /teleop socket, the downlink, image reassembly). */
export async function telemedHub(spec: TeleopChildSpec): Promise<BenchSide> {
  const hub = await startHospital(await teleopConfig(spec.dir), { logger });
  return { port: hub.port, start: () => undefined, stop: () => undefined, report: () => ({}), close: () => hub.close() };
}

/** Reads the gateway's arm audit (gateway/devices/arm-device.ts: `<dataDir>/arm-audit-<id>.jsonl`). */
function readAudit(dir: string): AuditRecord[] {
  const file = [join(dir, `arm-audit-${ARM_ID}.jsonl`), ...readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name, `arm-audit-${ARM_ID}.jsonl`))].find(existsSync);
  if (file === undefined) throw new Error(`no arm audit log under ${dir}`);
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as AuditRecord);
}

/**
 * The real gateway (startGateway) with the `ultrasound-arm` device (safety supervisor → ArmDriver →
 * the simulator over TCP; images from its image output through gateway/video), connected to the hub
 * through the link emulator, and the other traffic published through the same uplink.
 */
export async function telemedEdge(spec: TeleopChildSpec): Promise<BenchSide> {
  const config = loadGatewayConfig({
    gatewayId: GATEWAY_ID, siteKind: 'clinic', siteName: 'bench clinic', dataDir: spec.dir, host: '127.0.0.1', port: 0,
    dashboardsDir: '/nonexistent/telemed-site', hub: { url: `ws://127.0.0.1:${spec.linkPort ?? 0}/uplink`, credential: GATEWAY_SECRET },
    // Room for the backlog and the run's records: a full outbox would refuse, not measure.
    outbox: { maxBytes: 1024 * 1024 * 1024 },
    devices: [{
      kind: 'ultrasound-arm', id: ARM_ID,
      // Telemetry timeout 200 ms as in the e2e test (the default 50 ms faults on a starved shared box).
      arm: { url: `tcp://127.0.0.1:${spec.armPort ?? 0}`, imageUrl: `tcp://127.0.0.1:${spec.imagePort ?? 0}`, uplinkHz: 25, telemetryTimeoutMs: 200,
        workspace: { min: { x: -300, y: -200, z: 60 }, max: { x: 300, y: 200, z: 350 } } },
    }],
  });
  const gw = await startGateway(config, { logger });
  // The supervisor refuses commands until the uplink has a clock offset.
  for (let i = 0; !(gw.uplink.session.state === 'ready' && Number.isFinite(gw.uplink.session.clockOffsetMs)); i++) {
    if (i > 300) throw new Error(`gateway not ready and clock-synced after 15 s (state ${gw.uplink.session.state})`);
    await sleep(50);
  }
  // Settlements of the backlog's submits (only while it is being stored).
  let pending: Promise<unknown>[] | null = [];
  const publish = (f: BenchFrame): void => {
    const input = { streamId: f.streamId, trafficClass: classFromName(f.cls), durable: f.durable, captureTimeNs: f.captureMs * 1e6, payload: f.payload };
    if (f.durable) { const settled = gw.uplink.submit(input).catch(() => undefined); pending?.push(settled); }
    else gw.uplink.publish(input);
  };
  // The stored backlog goes into the outbox now, before the operator connects: its one-off burst of
  // CPU (56+ MB through SQLite) is setup, not part of the measured window.
  if (spec.traffic) {
    backlogRecords(spec.traffic.backlogBytes, spec.traffic.recordBytes, spec.traffic.bulkChunkBytes, publish);
    await Promise.all(pending);
  }
  pending = null;
  // The pacer every 250 ms (wall ms, state, bottleneck estimate, pacing rate, cruise cap in Mbit/s;
  // -1 = no cap): what rate the uplink allowed itself while the images waited.
  const pacerTrace: (string | number)[][] = [];
  const r1 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 10) / 10 : -1);
  const traceTimer = setInterval(() => {
    const p = gw.uplink.flow.pacer;
    if (pacerTrace.length < 2000) pacerTrace.push([Math.round(wallMs()), p.state, r1((p.estimator.btlBwBpms * 8) / 1000), r1(p.pacingRateBps / 1e6), r1(p.cruiseCapBps / 1e6)]);
  }, 250);
  let stopper = new AbortController();
  return {
    port: 0,
    start: () => { if (spec.traffic) { stopper = new AbortController(); startUplinkTraffic({ ...spec.traffic, backlogBytes: 0 }, publish, stopper.signal); } },
    stop: () => stopper.abort(),
    report: (): EdgeReport => {
      const decisions: Record<string, number> = {};
      const executed: { seq: number; execMs: number }[] = [];
      let auditStale = 0;
      // The supervisor's age (hub clock via the clock-sync offset) of every command it judged, ms.
      const ages: number[] = [];
      for (const r of readAudit(spec.dir)) {
        if (r.kind !== 'command') continue;
        if (typeof r.detail['ageMs'] === 'number') ages.push(r.detail['ageMs']);
        const key = `${r.what} ${r.reason ?? r.decision}`;
        decisions[key] = (decisions[key] ?? 0) + 1;
        if ((r.decision === 'accepted' || r.decision === 'clamped') && r.commandId !== null) {
          executed.push({ seq: Number(r.commandId), execMs: r.atNs / 1e6 });
          const age = r.detail['ageMs'];
          if (typeof age === 'number' && age > DEFAULT_SAFETY.defaultBudgetMs) auditStale++;
        }
      }
      const p = gw.uplink.flow.pacer;
      const pacer = { state: p.state, pacingMbps: p.pacingRateBps / 1e6, btlBwMbps: (p.estimator.btlBwBpms * 8) / 1000, cwndBytes: p.cwndBytes, inflightBytes: p.estimator.inflight, minRttMs: p.estimator.minRttMs };
      ages.sort((a, b) => a - b);
      const auditAgeMs = { n: ages.length, p50: quantile(ages, 0.5), p95: quantile(ages, 0.95), max: ages.at(-1) ?? null };
      return { executed, decisions, auditStale, sender: { auditAgeMs, clockOffsetMs: gw.uplink.session.clockOffsetMs, uplinkReconnects: gw.uplink.session.reconnects, uplinkConnectedAtMs: gw.uplink.session.connectedAt, classes: gw.uplink.classCounters(), scheduler: gw.uplink.scheduler.stats(), pacer, outboxBytes: gw.uplink.outbox.bytes, pacerTrace: { columns: ['wallMs', 'state', 'btlBwMbps', 'pacingMbps', 'cruiseCapMbps'], rows: pacerTrace } } };
    },
    close: async () => { stopper.abort(); clearInterval(traceTimer); await gw.close(); },
  };
}
