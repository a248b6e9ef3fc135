// bench:matrix (issue 14 item 5): every scenario with the same traffic mix through every peer, each
// configuration repeated, judged against the issue's targets in one table; writes bench/RESULTS.md
// and an SVG per scenario, and exits non-zero when a target is missed. See bench/uplink/README.md.
// Usage: npm run bench:matrix -- [--json FILE] [--quick] [--repeat N] [--peers telemed,strict,...]
//        [--scenarios saturated-cell,tunnel,...,ecg-loop] [--trace FILE]... [--duration S] [--warmup S] [--out-dir DIR]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { directionService, type LinkProfile } from '../simulators/link/index.js';
import { cell, judgeEcg, judgeUplink, type Verdict } from './matrix/judge.js';
import { parseMatrixArgs, plan, type MatrixScenario } from './matrix/plan.js';
import { markdownTable, resultsMarkdown, verdictLines, type EcgCell, type MatrixResult } from './matrix/report.js';
import { summarise, type RunSummary } from './matrix/summarise.js';
import { scenarioSvg } from './matrix/svg.js';
import { analyse } from './uplink/analyse.js';
import { LINK_NICE, prioritiseLink } from './uplink/priority.js';
import { runOnce, type RawRun } from './uplink/run.js';
import { cpuTimes, stealShare, STARVED_STEAL_SHARE } from './matrix/steal.js';

const USAGE = `npm run bench:matrix -- [--json FILE] [--quick] [--repeat N] [--peers telemed,strict,shaped,fifo,mqtt-fair,mosquitto]
  [--scenarios NAME,...] [--trace FILE]... [--duration S] [--warmup S] [--out-dir DIR]`;

const log = (s: string): void => { process.stderr.write(`[bench:matrix] ${s}\n`); };

/**
 * One-way delay + jitter + one 1500-byte piece at the nominal uplink rate, ms. With a greedy
 * competing flow in the cell's one FIFO (backpressure: it never loses a byte, so it never backs
 * off) the queue stands full whatever our sender does: its depth is part of the floor.
 */
function floorMs(s: Extract<MatrixScenario, { kind: 'uplink' }>): number {
  const up = s.profile.up;
  const bps = directionService(up, 0).nominalBps;
  const standing = s.scenario.competingFlow && (up.queuePolicy ?? 'backpressure') === 'backpressure' ? queueMsOf(up, bps) : 0;
  return Math.round((up.delayMs + up.jitterMs + standing + (bps > 0 ? (1500 * 8 * 1000) / bps : 0)) * 100) / 100;
}

function queueMsOf(up: LinkProfile['up'], bps: number): number {
  if (up.queueMs !== undefined) return up.queueMs;
  return up.queueBytes !== undefined && bps > 0 ? (up.queueBytes * 8000) / bps : 0;
}

function ecgLoop(records: number, carts: number, dir: string): EcgCell {
  const file = join(dir, 'ecg.json');
  try {
    execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'ecg.ts'), '--records', String(records), '--carts', String(carts), '--json', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (err) {
    // bench:ecg exits 1 on its own failure: no JSON, so every record counts as missing.
    log(`ecg-loop failed: ${(err as Error).message}`);
    return { records, carts, n: 0, p50Ms: null, p95Ms: null, maxMs: null, failures: [(err as Error).message] };
  }
  const j = JSON.parse(readFileSync(file, 'utf8')) as { stopToWorklist: { n: number; p50Ms: number; p95Ms: number; maxMs: number }; failures: string[] };
  return { records, carts, n: j.stopToWorklist.n, p50Ms: j.stopToWorklist.p50Ms, p95Ms: j.stopToWorklist.p95Ms, maxMs: j.stopToWorklist.maxMs, failures: j.failures };
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseMatrixArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message === 'usage' ? '' : `bench:matrix: ${(err as Error).message}\n`}usage: ${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  const priority = prioritiseLink();
  if (!priority.ok) log(`link emulator left at normal priority (${priority.reason})`);
  const loadBefore = os.loadavg();
  const outDir = args.quick && args.outDir === 'bench' ? join('test-artifacts', 'matrix-quick') : args.outDir;
  const svgDir = join(outDir, 'results');
  mkdirSync(svgDir, { recursive: true });
  const tmp = join(os.tmpdir(), `telemed-matrix-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const scenarios: MatrixResult['scenarios'] = [];
  const verdicts: Verdict[] = [];
  for (const s of plan(args)) {
    if (s.kind === 'ecg') {
      log(`${s.name}: ${s.records} records from ${s.carts} carts on rural-5g`);
      const e = ecgLoop(s.records, s.carts, tmp);
      scenarios.push({ name: s.name, profile: 'rural-5g', floorMs: null, cells: [], ecg: e });
      verdicts.push(...judgeEcg(e.p95Ms, e.n, e.records, args.quick));
      continue;
    }
    const floor = floorMs(s);
    const cpuBefore = cpuTimes();
    const byPeer = new Map<string, RunSummary[]>();
    let firstTelemed: RawRun | undefined;
    for (let i = 0; i < s.repeat; i++) {
      for (const peer of args.peers) {
        log(`${s.name}: ${peer} run ${i + 1}/${s.repeat}`);
        try {
          const raw = await runOnce(peer, s.scenario, (m) => log(`  ${m}`));
          const res = analyse(raw, s.scenario, directionService(s.profile.up, 0).nominalBps);
          byPeer.set(peer, [...(byPeer.get(peer) ?? []), summarise(raw, res, floor)]);
          if (peer === 'telemed' && !firstTelemed) firstTelemed = raw;
        } catch (err) {
          // A peer that cannot run (a broker missing) must not hide the others; the verdicts say so.
          log(`${s.name}: ${peer} FAILED: ${(err as Error).message}`);
        }
      }
    }
    const cells = args.peers.filter((p) => byPeer.has(p)).map((p) => cell(p, byPeer.get(p) ?? []));
    let svg: string | undefined;
    if (firstTelemed) {
      const file = join(svgDir, `${s.name.replace(/[^a-z0-9.-]+/gi, '_')}.svg`);
      writeFileSync(file, scenarioSvg(`${s.name}: telemed, latency per class vs capacity offered`, firstTelemed));
      svg = relative(outDir, file);
    }
    scenarios.push({ name: s.name, profile: s.profile.name, floorMs: floor, cells, ...(svg ? { svg } : {}) });
    const steal = stealShare(cpuBefore, cpuTimes());
    const starved = args.quick && steal !== null && steal > STARVED_STEAL_SHARE;
    if (steal !== null) log(`${s.name}: CPU steal ${(steal * 100).toFixed(1)} % of the machine's time${starved ? ': the host starved this VM, the figures are noise; its --quick verdicts do not gate' : ''}`);
    const judged = judgeUplink(s.name, cells, args.quick);
    // Timing verdicts only: durable lost / duplicated are counts, true under any CPU share.
    const timing = (v: Verdict): boolean => !v.target.startsWith('durable ');
    verdicts.push(...(starved ? judged.map((v) => (timing(v) ? { ...v, gating: false, limit: `${v.limit}; not judged: CPU steal ${(steal * 100).toFixed(0)} %` } : v)) : judged));
  }
  rmSync(tmp, { recursive: true, force: true });
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a git checkout */ }
  const result: MatrixResult = {
    commit, date: new Date().toISOString(), quick: args.quick, repeat: args.repeat,
    machine: { cpus: os.cpus().length, loadavgBefore: loadBefore, loadavgAfter: os.loadavg(), node: process.version, linkNice: priority.ok ? LINK_NICE : 0 },
    command: `npm run bench:matrix -- ${process.argv.slice(2).join(' ')}`.trim(),
    scenarios, verdicts, wallS: (Date.now() - started) / 1000,
  };
  writeFileSync(join(outDir, 'RESULTS.md'), resultsMarkdown(result));
  if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${markdownTable(result)}\n\n${verdictLines(verdicts)}\n`);
  const missed = verdicts.filter((v) => !v.pass).length;
  const gatingMissed = verdicts.filter((v) => !v.pass && v.gating).length;
  process.stdout.write(`\nbench:matrix: ${verdicts.length - missed} of ${verdicts.length} targets met${args.quick ? ` (--quick: relaxed 2x; ${gatingMissed} gating missed)` : ''}; ${join(outDir, 'RESULTS.md')}\n`);
  if (gatingMissed > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:matrix failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
