import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SAFETY } from '../../gateway/safety/index.js';
import { eventsUntil, getProfile, startLink, type LinkEmulator, type LinkStats } from '../../simulators/link/index.js';
import { cpuTimes, stealShare, type CpuTimes } from '../matrix/steal.js';
import { sleep, wallMs } from '../uplink/clock.js';
import type { TrafficSpec } from '../uplink/scenario.js';
import { commandStats, imageStats, lateDuringStalls, machineStalls, type CommandStats, type ImageStats } from './analyse.js';
import { TeleopChild, type ArmReport, type EdgeReport, type Peer } from './ipc.js';
import { Operator } from './operator.js';

export interface RunOptions {
  readonly profile: string;
  readonly seconds: number;
  readonly warmupS: number;
  readonly traffic: TrafficSpec;
}

export interface PeerResult {
  readonly peer: Peer;
  /** The profile's configured one-way delay of the downlink (the command's direction), ms. */
  readonly oneWayMs: number;
  readonly window: { fromMs: number; toMs: number };
  readonly commands: CommandStats;
  readonly images: ImageStats;
  /** telemed: the supervisor's decisions over every command (reason → count); fifo: none. */
  readonly decisions: Record<string, number>;
  /** telemed: executed commands older than the budget by the supervisor's own hub-clock age (audit `ageMs`). */
  readonly auditStale: number | null;
  readonly operatorErrors: Record<string, number>;
  readonly commandIdCheck: { echoed: number; mismatched: number };
  /** The cell's uplink over the window: bytes carried ÷ capacity offered. */
  readonly uplinkUtilisation: number | null;
  readonly link: { atStart: LinkStats; atEnd: LinkStats };
  readonly sender: unknown;
  readonly hub: unknown;
  readonly arm: unknown;
  /** Per process (arm, hub, edge): event-loop delay (p50/p99/max ms, stalls) and CPU seconds over the run. */
  readonly processes: Record<string, { loopDelay: unknown; cpuS: unknown }>;
  /** Share of the machine's CPU time the hypervisor stole over the window (/proc/stat), null when unreadable. */
  readonly stealShare: number | null;
  /** The profile's timed events (stalls, outages) inside the window, seconds into it (the emulator's seeded schedule). */
  readonly linkEvents: { atS: number; kind: string; durationMs: number | null; direction: string | null }[];
  /** Machine-wide stalls in the window (the arm simulator, on no path, stalled with the hub or the edge): count, total ms, and the late commands in flight during one. */
  readonly machineStalls: { count: number; totalMs: number; lateCommandsDuring: number };
}

type WithLoop = { loopDelay?: { stalls?: number[][] } | null; cpuS?: unknown };
const stallsOf = (r: unknown): number[][] => (r as WithLoop).loopDelay?.stalls ?? [];
const loopOf = (r: unknown): { loopDelay: unknown; cpuS: unknown } => ({ loopDelay: (r as WithLoop).loopDelay ?? null, cpuS: (r as WithLoop).cpuS ?? null });

/** Seconds after the window in which nothing new is commanded and what is in flight lands. */
const DRAIN_S = 2;

/**
 * One peer: the arm (simulator + image output), the hub side, the link emulator in front of the
 * hub (ONE shared bottleneck per direction for every connection of the run), the clinic's edge
 * through it, the other traffic, then the operator drives for the window; everything is closed
 * again (children by their own pid) and the temp dir removed.
 */
export async function runPeer(peer: Peer, o: RunOptions, log: (s: string) => void): Promise<PeerResult> {
  const dir = mkdtempSync(join(tmpdir(), `telemed-bench-teleop-${peer}-`));
  const children: TeleopChild[] = [];
  let link: LinkEmulator | undefined;
  let operator: Operator | undefined;
  const sub = (name: string): string => { const d = join(dir, name); mkdirSync(d, { recursive: true }); return d; };
  try {
    const arm = new TeleopChild({ role: 'arm', peer, dir: sub('arm') });
    children.push(arm);
    const armReady = await arm.wait('ready', 30_000);
    const hub = new TeleopChild({ role: 'hub', peer, dir: sub('hub') });
    children.push(hub);
    const hubPort = (await hub.wait('ready', 30_000)).port;
    const linkStartMs = wallMs();
    link = await startLink({ targetHost: '127.0.0.1', targetPort: hubPort, profile: getProfile(o.profile), seed: 1 });
    const edge = new TeleopChild({ role: 'edge', peer, dir: sub('edge'), linkPort: link.port, armPort: armReady.port, imagePort: armReady.imagePort ?? 0, traffic: o.traffic });
    children.push(edge);
    // Ready once the backlog is stored (tens of MB through SQLite: long on a loaded box).
    await edge.wait('ready', 120_000);
    operator = await Operator.open(peer, hubPort);
    log(`${peer}: ready (hub ${hubPort}, link ${link.port}); other traffic on, warm-up ${o.warmupS} s, then ${o.seconds} s measured`);
    edge.send({ type: 'start' });
    const fromMs = wallMs() + o.warmupS * 1000;
    const toMs = fromMs + o.seconds * 1000;
    const linkNow = link;
    let atStart: LinkStats | undefined;
    let cpuAtStart: CpuTimes | null = null;
    const mark = sleep(fromMs - wallMs()).then(() => { atStart = linkNow.stats(); cpuAtStart = cpuTimes(); });
    await operator.drive(toMs);
    await mark;
    const atEnd = link.stats();
    const steal = stealShare(cpuAtStart, cpuTimes());
    edge.send({ type: 'stop' });
    await sleep(DRAIN_S * 1000);
    edge.send({ type: 'collect' });
    arm.send({ type: 'collect' });
    hub.send({ type: 'collect' });
    const edgeReport = (await edge.wait('report', 30_000)).report as EdgeReport;
    const armReport = (await arm.wait('report', 30_000)).report as ArmReport;
    const hubReport = (await hub.wait('report', 30_000)).report;
    const window = { fromMs, toMs };
    const commands = commandStats(operator.sent, edgeReport.executed, window, DEFAULT_SAFETY.defaultBudgetMs, getProfile(o.profile).down.delayMs + 10);
    const stalls = machineStalls(stallsOf(armReport), [stallsOf(hubReport), stallsOf(edgeReport)]).filter((x) => x.toMs > fromMs && x.fromMs < toMs);
    const start = atStart ?? atEnd;
    const offered = atEnd.up.offeredBytes - start.up.offeredBytes;
    return {
      peer, window, oneWayMs: getProfile(o.profile).down.delayMs,
      commands,
      images: imageStats(armReport.captures, operator.images, window),
      decisions: edgeReport.decisions, auditStale: edgeReport.auditStale,
      operatorErrors: { ...operator.errors }, commandIdCheck: { ...operator.idChecks },
      uplinkUtilisation: Number.isFinite(offered) && offered > 0 ? Math.round(((atEnd.up.bytesOut - start.up.bytesOut) / offered) * 1000) / 1000 : null,
      link: { atStart: start, atEnd }, sender: edgeReport.sender, hub: hubReport, arm: armReport.sim,
      processes: { arm: loopOf(armReport), hub: loopOf(hubReport), edge: loopOf(edgeReport) }, stealShare: steal,
      linkEvents: eventsUntil(getProfile(o.profile), 1, toMs - linkStartMs)
        .map((e) => ({ atS: Math.round((linkStartMs + e.atMs - fromMs) / 10) / 100, kind: e.kind, durationMs: 'durationMs' in e ? (e.durationMs ?? null) : null, direction: 'direction' in e ? (e.direction ?? null) : null }))
        .filter((e) => e.atS >= -0.2),
      machineStalls: {
        count: stalls.length, totalMs: Math.round(stalls.reduce((a, x) => a + x.toMs - x.fromMs, 0)),
        lateCommandsDuring: lateDuringStalls(commands.late, window, stalls, DEFAULT_SAFETY.defaultBudgetMs),
      },
    };
  } finally {
    operator?.close();
    // Edge first (its Goodbye goes out while the hub still listens), then the link, the hub, the arm.
    for (const c of [...children].reverse()) await c.close().catch(() => c.kill());
    await link?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
