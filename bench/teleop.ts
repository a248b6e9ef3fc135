// bench:teleop, issue 11's first target: on a 5G link emulator profile (default urban-5g) with the
// uplink saturated by other traffic (records, video), the operator's commands to the arm driver and
// the arm's images to the operator's socket, telemed against one FIFO WebSocket, in one run.
// Usage: npm run bench:teleop -- [--json FILE] [--seconds S] [--warmup S] [--profile P] [--peers telemed,fifo] [--backlog-mb N]
// See bench/teleop/README.md.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { getProfile } from '../simulators/link/index.js';
import { judge, type TargetVerdict } from './teleop/analyse.js';
import { PEERS, type Peer } from './teleop/ipc.js';
import { runPeer, type PeerResult } from './teleop/run.js';
import { LINK_NICE, prioritiseLink } from './uplink/priority.js';
import { DEFAULT_TRAFFIC, type TrafficSpec } from './uplink/scenario.js';

interface Args { json: string | null; seconds: number; warmupS: number; profile: string; peers: Peer[]; backlogMb: number | null }

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { json: null, seconds: 30, warmupS: 5, profile: 'urban-5g', peers: [...PEERS], backlogMb: null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--json': a.json = v ?? null; i++; break;
      case '--seconds': a.seconds = Number(v); i++; break;
      case '--warmup': a.warmupS = Number(v); i++; break;
      case '--profile': a.profile = v ?? ''; i++; break;
      case '--backlog-mb': a.backlogMb = Number(v); i++; break;
      case '--peers':
        a.peers = (v ?? '').split(',').map((p) => {
          if (!(PEERS as readonly string[]).includes(p)) throw new Error(`--peers: unknown peer "${p}" (${PEERS.join(', ')})`);
          return p as Peer;
        });
        i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!(a.seconds >= 2) || !(a.warmupS >= 0)) throw new Error('--seconds must be >= 2 and --warmup >= 0');
  getProfile(a.profile);
  return a;
}

/** Seconds the backlog may drain between being stored (edge setup) and the warm-up's start (operator sign-in, lease). */
const SETUP_DRAIN_S = 10;

/**
 * The other traffic (bench/uplink/traffic.ts, issue 3's mix): ECG records every 2 s, VIDEO 20 fps ×
 * 40 kB, vitals, alarms, live ECG, and a backlog of stored records (stored while the edge starts)
 * sized to keep the uplink full on its own until the window ends: 0.8 × rate × (setup + warm-up +
 * window); its CONTROL stand-in is turned down to 1 Hz so that the arm's own telemetry is the
 * CONTROL traffic.
 */
export function otherTraffic(upBps: number, seconds: number, backlogMb: number | null): TrafficSpec {
  const backlogBytes = backlogMb !== null ? Math.round(backlogMb * 1e6) : Math.round((0.8 * upBps * (SETUP_DRAIN_S + seconds)) / 8);
  return { ...DEFAULT_TRAFFIC, controlHz: 1, backlogBytes };
}

/** The command limit of the run's profile: one-way delay + 10 ms. */
const oneWayLimit = (r: PeerResult): number => r.oneWayMs + 10;

const f = (x: number | string | null | undefined, w: number): string => (x === null || x === undefined ? '-' : String(x)).padStart(w);

function table(results: readonly PeerResult[], verdicts: readonly TargetVerdict[]): string {
  const l: string[] = [];
  l.push(`${'peer'.padEnd(9)}${'what'.padEnd(10)}${f('sent', 6)}${f('deliv', 7)}${f('drop', 6)}${f('stale', 7)}${f('p50', 9)}${f('p95', 9)}${f('p99', 9)}${f('p99/sent', 10)}${f('fps', 7)}`);
  for (const r of results) {
    const c = r.commands;
    const i = r.images;
    l.push(`${r.peer.padEnd(9)}${'commands'.padEnd(10)}${f(c.sent, 6)}${f(c.delivered, 7)}${f(c.dropped, 6)}${f(c.staleExecuted, 7)}${f(c.p50Ms, 9)}${f(c.p95Ms, 9)}${f(c.p99Ms, 9)}${f(c.p99OverSentMs, 10)}${f('', 7)}`);
    l.push(`${r.peer.padEnd(9)}${'images'.padEnd(10)}${f(i.captured, 6)}${f(i.delivered, 7)}${f(i.dropped, 6)}${f('', 7)}${f(i.p50Ms, 9)}${f(i.p95Ms, 9)}${f(i.p99Ms, 9)}${f('', 10)}${f(i.fps, 7)}`);
    l.push(`${r.peer.padEnd(9)}uplink utilisation ${r.uplinkUtilisation ?? '-'}; heartbeats sent ${c.heartbeatsSent}; operator errors ${JSON.stringify(r.operatorErrors)}${r.auditStale !== null ? `; audit-stale ${r.auditStale}` : ''}`);
    if (c.late.length > 0) l.push(`${r.peer.padEnd(9)}commands over ${oneWayLimit(r)} ms (s into window: ms, - = never executed): ${c.late.slice(0, 12).map((x) => `${x.atS}:${x.ms ?? '-'}`).join(' ')}${c.late.length > 12 ? ` … (${c.late.length})` : ''}`);
    l.push(`${r.peer.padEnd(9)}machine-wide stalls in the window: ${r.machineStalls.count} (${r.machineStalls.totalMs} ms); late commands in flight during one: ${r.machineStalls.lateCommandsDuring} of ${c.late.length}`);
    if (r.linkEvents.length > 0) l.push(`${r.peer.padEnd(9)}link events in the window: ${r.linkEvents.map((e) => `${e.kind} ${e.direction ?? ''} at ${e.atS} s for ${e.durationMs ?? '-'} ms`).join('; ')}`);
    if (Object.keys(r.decisions).length > 0) l.push(`${r.peer.padEnd(9)}supervisor decisions ${JSON.stringify(r.decisions)}`);
    l.push(`${r.peer.padEnd(9)}CPU steal ${r.stealShare === null ? '-' : `${(r.stealShare * 100).toFixed(1)} %`}; event loop p99/max ms, CPU s: ${Object.entries(r.processes).map(([k, v]) => {
      const d = v.loopDelay as { p99Ms?: number; maxMs?: number } | null;
      return `${k} ${d?.p99Ms ?? '-'}/${d?.maxMs ?? '-'}, ${typeof v.cpuS === 'number' ? v.cpuS.toFixed(1) : '-'}`;
    }).join('; ')}`);
  }
  l.push('');
  for (const v of verdicts) l.push(`${v.pass ? 'PASS' : 'MISS'}  ${v.peer.padEnd(8)} ${v.target}: ${v.value ?? '-'} ms-or-count (${v.limit})`);
  return l.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const profile = getProfile(args.profile);
  const log = (s: string): void => { process.stderr.write(`[bench:teleop] ${s}\n`); };
  const priority = prioritiseLink();
  if (!priority.ok) log(`link emulator left at normal priority (${priority.reason}): its timing shares the CPUs with the processes under test`);
  const traffic = otherTraffic(profile.up.rateBps, args.warmupS + args.seconds, args.backlogMb);
  const loadBefore = os.loadavg();
  const results: PeerResult[] = [];
  const failures: Record<string, string> = {};
  for (const peer of args.peers) {
    try {
      results.push(await runPeer(peer, { profile: args.profile, seconds: args.seconds, warmupS: args.warmupS, traffic }, log));
    } catch (err) {
      failures[peer] = err instanceof Error ? err.message : String(err);
      log(`${peer}: FAILED: ${failures[peer]}`);
    }
  }
  const oneWayMs = profile.down.delayMs;
  const verdicts = results.flatMap((r) => judge(r.peer, r.commands, r.images, oneWayMs));
  const out = {
    bench: 'teleop', profileName: args.profile, profile, oneWayMs, seconds: args.seconds, warmupS: args.warmupS, otherTraffic: traffic,
    peers: {
      telemed: 'the product: hub /teleop relay (leases, latest-wins CONTROL downlink), gateway safety supervisor (age budget 50 ms) → ArmDriver; images gateway/video (sharp JPEG, adaptive quality and rate, newest wins) → VIDEO class on the scheduled, paced uplink → hub reassembly → TMI1 on /teleop; other traffic on the same uplink',
      fifo: 'one plain WebSocket hub ↔ clinic for commands (down) and images (up), in order, no priorities, no age check, nothing dropped; every image JPEG q80 (sharp); commands written to the ArmDriver on arrival; other traffic on a second plain WebSocket through the same emulator',
    },
    results, failures, targets: verdicts,
    machine: { cpus: os.cpus().length, loadavgBefore: loadBefore, loadavgAfter: os.loadavg(), node: process.version, linkNice: priority.ok ? LINK_NICE : 0 },
    command: `npm run bench:teleop -- ${process.argv.slice(2).join(' ')}`, finishedAt: new Date().toISOString(),
  };
  if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
  console.log(table(results, verdicts));
  for (const [peer, msg] of Object.entries(failures)) console.log(`MISSING ${peer}: ${msg}`);
  log(`load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} after`);
  // Exit non-zero when telemed misses a target or did not run; the baseline's misses are its result.
  const telemedOk = args.peers.includes('telemed') ? results.some((r) => r.peer === 'telemed') && verdicts.filter((v) => v.peer === 'telemed').every((v) => v.pass) : true;
  if (!telemedOk) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
