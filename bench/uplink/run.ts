import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASS_DEFAULTS } from '../../protocols/index.js';
import { unreachableIntervals } from '../matrix/attainable.js';
import { directionService, getProfile, startLink, type GreedyFlow, type LinkEmulator, type LinkStats } from '../../simulators/link/index.js';
import { benchPki } from './bench-pki.js';
import { sleep, wallMs } from './clock.js';
import { ChildProc } from './child-proc.js';
import type { ChildSpec, LoopDelay, SideReport } from './ipc.js';
import { LoopWatch } from './loop-delay.js';
import { startMosquitto, type Broker } from './mosquitto.js';
import { isMqttRun, type RunName, type Scenario } from './scenario.js';

/** Raw outcome of one run: both sides' ledgers and the timeline, wall ms. */
export interface RawRun {
  run: RunName;
  edge: SideReport;
  hub: SideReport;
  t0: number;
  t1: number;
  outageStart: number | null;
  outageEnd: number | null;
  linkAt0: LinkStats;
  linkAt1: LinkStats;
  /** Event-loop delay and CPU seconds of this (the emulator's) process over the run. */
  linkLoopDelay: LoopDelay | null;
  linkCpuS: number | null;
  /**
   * The emulator's uplink every 20 ms of the window: `[wall ms, bytes read so far, bytes queued at
   * the bottleneck, capacity offered so far (-1 when unlimited), 1 if the link is up (0: outage or
   * handover gap)]`.
   */
  linkTrace: number[][];
  /**
   * Wall-ms intervals of the window in which a CONTROL frame captured could not reach the hub within
   * its budget whatever the sender did: the cell's uplink offered no delivery opportunity before
   * budget − (one-way delay − jitter) had passed (bench/matrix/attainable.ts). Absent in runs
   * recorded before it existed.
   */
  controlUnreachable?: [number, number][];
}

/**
 * One run of the scenario with one transport: hub side, link emulator, edge side; warm-up,
 * measured window (with the tunnel outage), drain, collect, and everything closed again.
 */
export async function runOnce(run: RunName, scn: Scenario, log: (s: string) => void, opts: { tls?: boolean } = {}): Promise<RawRun> {
  const profile = scn.linkProfile ?? getProfile(scn.profile);
  const nominalBps = directionService(profile.up, 0).nominalBps;
  const dir = mkdtempSync(join(tmpdir(), `telemed-bench-${run}-`));
  // --tls: telemed peers over wss:// with mutual TLS (the MQTT peers stay plain: their bridge has no TLS here).
  const tlsDir = opts.tls === true && !isMqttRun(run) ? join(dir, 'pki') : undefined;
  if (tlsDir !== undefined) await benchPki(tlsDir);
  const brokers: Broker[] = [];
  const children: ChildProc[] = [];
  let link: LinkEmulator | undefined;
  let greedy: GreedyFlow | undefined;
  const spec = (role: 'edge' | 'hub', connectPort: number): ChildSpec => {
    const d = join(dir, role);
    mkdirSync(d, { recursive: true });
    return { role, run, traffic: scn.traffic, dir: d, connectPort, ...(run === 'shaped' ? { shapedRateBps: Math.round(0.95 * nominalBps) } : {}), ...(tlsDir !== undefined ? { tlsDir } : {}) };
  };
  try {
    let hubTarget: number;
    let hub: ChildProc;
    if (isMqttRun(run)) {
      const hospital = await startMosquitto(dir, 'hospital');
      brokers.push(hospital);
      hubTarget = hospital.port;
      hub = new ChildProc(spec('hub', hospital.port));
      children.push(hub);
      await hub.wait('ready', 30_000);
    } else {
      hub = new ChildProc(spec('hub', 0));
      children.push(hub);
      hubTarget = (await hub.wait('ready', 30_000)).port;
    }
    link = await startLink({ targetHost: '127.0.0.1', targetPort: hubTarget, profile, seed: 1 });
    let edgePort = link.port;
    if (isMqttRun(run)) {
      const edgeBroker = await startMosquitto(dir, 'edge', link.port, run === 'mqtt-fair' ? 'fair' : 'naive');
      brokers.push(edgeBroker);
      edgePort = edgeBroker.port;
    }
    const edge = new ChildProc(spec('edge', edgePort));
    children.push(edge);
    await edge.wait('ready', 30_000);
    log(`${run}: ready (hub ${hubTarget}, link ${link.port}); warm-up ${scn.warmupS} s`);
    // The competing flow shares the cell from before the warm-up, as another app on the same modem.
    if (scn.competingFlow) greedy = await link.startGreedy('up');
    const loop = new LoopWatch();
    loop.start();
    hub.send({ type: 'start' });
    edge.send({ type: 'start' });
    await sleep(scn.warmupS * 1000);
    const t0 = wallMs();
    const linkAt0 = link.stats();
    const linkTrace: number[][] = [];
    const linkNow = link;
    const traceTimer = setInterval(() => {
      const st = linkNow.stats();
      const up = st.up;
      linkTrace.push([Math.round(wallMs()), up.bytesIn, up.queuedBytes, Number.isFinite(up.offeredBytes) ? up.offeredBytes : -1, st.state === 'up' ? 1 : 0]);
    }, 20);
    let outageStart: number | null = null;
    let outageEnd: number | null = null;
    if (scn.outage) {
      await sleep(scn.outage.atS * 1000);
      outageStart = wallMs();
      link.setOutage(true);
      log(`${run}: link down for ${scn.outage.lengthS} s`);
      await sleep(scn.outage.lengthS * 1000);
      link.setOutage(false);
      outageEnd = wallMs();
      log(`${run}: link back`);
    }
    await sleep(Math.max(0, t0 + scn.durationS * 1000 - wallMs()));
    const t1 = wallMs();
    const linkAt1 = link.stats();
    clearInterval(traceTimer);
    hub.send({ type: 'stop' });
    edge.send({ type: 'stop' });
    log(`${run}: measured ${((t1 - t0) / 1000).toFixed(1)} s; draining ${scn.drainS} s`);
    await sleep(scn.drainS * 1000);
    edge.send({ type: 'collect' });
    hub.send({ type: 'collect' });
    const edgeReport = (await edge.wait('report', 60_000)).report;
    const hubReport = (await hub.wait('report', 60_000)).report;
    // The emulator's clock against the wall clock the sides stamp frames with (read back to back).
    const originWall = wallMs() - linkNow.elapsedMs();
    const slackMs = CLASS_DEFAULTS.control.budgetMs - (profile.up.delayMs - profile.up.jitterMs);
    const controlUnreachable = unreachableIntervals((a, b) => linkNow.capacityBytes('up', a - originWall, b - originWall), t0, t1, slackMs);
    return { run, edge: edgeReport, hub: hubReport, t0, t1, outageStart, outageEnd, linkAt0, linkAt1, linkLoopDelay: loop.read(), linkCpuS: loop.cpuS(), linkTrace, controlUnreachable };
  } finally {
    // Edge first (its Goodbye goes out while the hub still listens), then the link, then the hub.
    for (const c of [...children].reverse()) await c.close().catch(() => c.kill());
    await greedy?.close();
    await link?.close();
    for (const b of brokers.reverse()) await b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
