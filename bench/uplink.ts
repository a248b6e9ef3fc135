// The uplink benchmark of issue 3 item 6: the same traffic through the saturated-cell link three
// ways (telemed scheduled, telemed FIFO, a Mosquitto bridge), per-class latency, loss and
// utilisation, with the targets judged. See bench/uplink/README.md.
// Usage: npm run bench:uplink -- --json FILE [--scenario saturated-cell|tunnel|handover|rate-step|competing-flow|trace:PROFILE]
//        [--duration S] [--warmup S] [--runs telemed,strict,shaped,fifo,mqtt-fair,mosquitto] [--backlog-mb N] [--tls]
// --tls: the telemed peers run over wss:// with mutual TLS (certificates made per run), to measure what TLS costs.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { directionService, getProfile } from '../simulators/link/index.js';
import { analyse, type RunResult } from './uplink/analyse.js';
import { LINK_NICE, prioritiseLink } from './uplink/priority.js';
import { runOnce } from './uplink/run.js';
import { buildScenario, DEFAULT_RUNS, FIXED_SCENARIOS, RUN_NAMES, type RunName, type ScenarioName } from './uplink/scenario.js';
import { table } from './uplink/table.js';
import { evaluateTargets } from './uplink/targets.js';

interface Args { json: string | null; scenario: ScenarioName; durationS: number; warmupS: number; runs: RunName[]; backlogMb: number | null; tls: boolean }

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { json: null, scenario: 'saturated-cell', durationS: 60, warmupS: 10, runs: [...DEFAULT_RUNS], backlogMb: null, tls: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--json': a.json = v ?? null; i++; break;
      case '--scenario':
        if (v === undefined || !((FIXED_SCENARIOS as readonly string[]).includes(v) || v.startsWith('trace:'))) {
          throw new Error(`--scenario: one of ${FIXED_SCENARIOS.join(', ')} or trace:PROFILE, got ${v}`);
        }
        a.scenario = v as ScenarioName; i++; break;
      case '--duration': a.durationS = Number(v); i++; break;
      case '--warmup': a.warmupS = Number(v); i++; break;
      case '--backlog-mb': a.backlogMb = Number(v); i++; break;
      case '--tls': a.tls = true; break;
      case '--runs':
        a.runs = (v ?? '').split(',').map((r) => {
          if (!(RUN_NAMES as readonly string[]).includes(r)) throw new Error(`--runs: unknown run "${r}" (${RUN_NAMES.join(', ')})`);
          return r as RunName;
        });
        i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!(a.durationS >= 2) || !(a.warmupS >= 0)) throw new Error('--duration must be >= 2 s and --warmup >= 0');
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const scn = buildScenario(args.scenario, args.durationS, args.warmupS, args.backlogMb);
  const rateBps = directionService(getProfile(scn.profile).up, 0).nominalBps;
  const log = (s: string): void => { process.stderr.write(`[bench:uplink] ${s}\n`); };
  const priority = prioritiseLink();
  if (!priority.ok) log(`link emulator left at normal priority (${priority.reason}): its timing shares the CPUs with the processes under test`);
  const loadBefore = os.loadavg();
  const results: RunResult[] = [];
  const failures: Record<string, string> = {};
  for (const run of args.runs) {
    try {
      results.push(analyse(await runOnce(run, scn, log, { tls: args.tls }), scn, rateBps));
    } catch (err) {
      // One transport failing (e.g. the FIFO switch missing) must not hide the others' numbers.
      failures[run] = err instanceof Error ? err.message : String(err);
      log(`${run}: FAILED: ${failures[run]}`);
    }
  }
  const byRun = Object.fromEntries(results.map((r) => [r.run, r]));
  const targets = evaluateTargets(args.scenario, byRun);
  const out = {
    bench: 'uplink', tls: args.tls, scenario: scn, profile: getProfile(scn.profile), runs: results, failures, targets,
    machine: { cpus: os.cpus().length, loadavgBefore: loadBefore, loadavgAfter: os.loadavg(), node: process.version, linkNice: priority.ok ? LINK_NICE : 0 },
    command: `npm run bench:uplink -- ${process.argv.slice(2).join(' ')}`, finishedAt: new Date().toISOString(),
  };
  if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
  console.log(table(results, targets));
  for (const [run, msg] of Object.entries(failures)) console.log(`MISSING ${run}: ${msg}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
