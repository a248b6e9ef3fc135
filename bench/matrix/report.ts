// The matrix's one table (stdout and bench/RESULTS.md): per scenario and peer, CONTROL and ALARM
// over the frames offered beside their counts, utilisation, loss, and the verdicts.
import type { OfferedMs } from '../uplink/honest.js';
import { QUICK_GATING, type PeerCell, type Spread, type Verdict } from './judge.js';

export interface EcgCell { records: number; carts: number; n: number; p50Ms: number | null; p95Ms: number | null; maxMs: number | null; failures: string[] }

export interface MatrixResult {
  commit: string;
  date: string;
  machine: { cpus: number; loadavgBefore: number[]; loadavgAfter: number[]; node: string; linkNice: number };
  command: string;
  quick: boolean;
  repeat: number;
  scenarios: { name: string; profile: string; floorMs: number | null; cells: PeerCell[]; ecg?: EcgCell; svg?: string }[];
  verdicts: Verdict[];
  wallS: number;
}

/** The runs each configuration had, from the cells themselves: "5", or "3 (saturated-cell, tunnel), 1 (handover, ...)". */
function runsPerConfiguration(r: MatrixResult): string {
  const byRuns = new Map<number, Set<string>>();
  for (const s of r.scenarios) for (const c of s.cells) byRuns.set(c.runs, (byRuns.get(c.runs) ?? new Set<string>()).add(s.name));
  if (byRuns.size <= 1) return String([...byRuns.keys()][0] ?? r.repeat);
  return [...byRuns].sort(([a], [b]) => b - a).map(([runs, names]) => `${runs} (${[...names].join(', ')})`).join(', ');
}

const n = (x: number | OfferedMs | null | undefined): string => (x === null || x === undefined ? '-' : String(x));
const pct = (x: number | null): string => (x === null ? '-' : `${(Math.round(x * 10_000) / 100).toFixed(2)} %`);
const range = (s: Spread<number | OfferedMs>, f: (x: number | OfferedMs | null) => string = n): string =>
  s.n <= 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
const pctRange = (s: Spread<number>): string => (s.n <= 1 ? pct(s.median) : `${pct(s.median)} (${pct(s.min)}–${pct(s.max)})`);

export function markdownTable(r: MatrixResult): string {
  const lines: string[] = [];
  lines.push('| scenario | peer | CONTROL on time | attainable | CONTROL p99 offered, ms | excess over floor, ms | AoI p99, ms | CONTROL offered / delivered / not | ALARM on time | ALARM after return, ms | utilisation while backlogged | drain / floor | durable lost / dup |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of r.scenarios) {
    if (s.ecg) {
      const e = s.ecg;
      lines.push(`| ${s.name} | telemed | record stop → worklist p50 ${n(e.p50Ms)} / p95 **${n(e.p95Ms)}** / max ${n(e.maxMs)} ms, ${e.n} of ${e.records} records from ${e.carts} carts |  |  |  |  |  |  |  |  |  |  |`);
      continue;
    }
    for (const c of s.cells) {
      const peer = c.peer === 'telemed' ? '**telemed**' : c.peer;
      lines.push(`| ${s.name} (floor ${s.floorMs ?? '-'} ms) | ${peer} | ${pctRange(c.controlOnTime)} | ${c.controlAttainable.n === 0 ? '-' : pctRange(c.controlAttainable)} | ${range(c.controlP99Offered)} | ${range(c.controlExcess)} | ${range(c.controlAoiP99)} | ${c.controlCounts.offered} / ${c.controlCounts.delivered} / ${c.controlCounts.notDelivered} | ${pctRange(c.alarmOnTime)} | ${range(c.alarmAfterReturn)} | ${c.backlogRuns === 0 ? 'no backlog' : range(c.utilisation)} | ${range(c.drainOverFloor)} | ${n(c.durableLost)} / ${c.durableDuplicated} |`);
    }
  }
  return lines.join('\n');
}

export function verdictLines(v: readonly Verdict[]): string {
  return v.map((x) => `- ${x.pass ? 'PASS' : '**MISS**'} ${x.scenario}: ${x.target}: ${x.value} (${x.limit})${x.gating ? '' : ' (not gating in --quick)'}`).join('\n');
}

export function resultsMarkdown(r: MatrixResult): string {
  const missed = r.verdicts.filter((v) => !v.pass);
  const out: string[] = [];
  out.push('# bench:matrix results');
  out.push('');
  out.push('Written by `npm run bench:matrix` (bench/matrix.ts); the numbers below are that run\'s, nothing edited by hand.');
  out.push('');
  out.push(`- commit: \`${r.commit}\``);
  out.push(`- date: ${r.date}; wall time ${Math.round(r.wallS)} s`);
  out.push(`- machine: ${r.machine.cpus} CPUs, Node ${r.machine.node}, load average before ${r.machine.loadavgBefore.map((x) => x.toFixed(2)).join(' ')}, after ${r.machine.loadavgAfter.map((x) => x.toFixed(2)).join(' ')}; link emulator nice ${r.machine.linkNice}`);
  out.push(`- command: \`${r.command}\`${r.quick ? ` (**--quick**: telemed alone, the gating scenarios (${QUICK_GATING.join(', ')}) repeated, absolute targets relaxed 2x, no peer comparison: a regression guard, not the verdict)` : ''}`);
  out.push(`- runs per configuration: ${runsPerConfiguration(r)}; each figure is the median, with the range over the runs in brackets`);
  out.push('');
  out.push('How to read it: latencies are over the frames OFFERED while the cell had capacity (a frame not delivered by the end of the run counts as infinitely late, `inf`); the floor is one-way delay + jitter + one 1500-byte piece at the nominal rate; "attainable" is the most CONTROL on time any sender could have had: the share of the frames judged whose budget, less the smallest one-way delay, still held a delivery opportunity of the cell (bench/matrix/attainable.ts; below 100 % only where a trace has gaps longer than that); AoI is the receiver\'s age of information for CONTROL (latest wins); utilisation is the bytes the cell carried ÷ the capacity it offered (outage time excluded). bench/uplink/README.md gives each peer\'s configuration.');
  out.push('');
  out.push(markdownTable(r));
  out.push('');
  out.push(`## Verdicts: ${r.verdicts.length - missed.length} of ${r.verdicts.length} met`);
  out.push('');
  out.push(verdictLines(r.verdicts));
  out.push('');
  const svgs = r.scenarios.filter((s) => s.svg);
  if (svgs.length > 0) {
    out.push('## Latency over time against capacity (telemed, first run)');
    out.push('');
    for (const s of svgs) out.push(`![${s.name}](${s.svg})`);
    out.push('');
  }
  return out.join('\n');
}
