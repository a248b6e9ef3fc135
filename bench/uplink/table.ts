import { CLASS_NAMES } from '../../protocols/index.js';
import type { RunResult } from './analyse.js';
import type { TargetResult } from './targets.js';

const f = (x: number | string | null | undefined, w: number): string => (x === null || x === undefined ? '-' : String(x)).padStart(w);

/** The compact human table for stdout. */
export function table(results: readonly RunResult[], targets: readonly TargetResult[]): string {
  const lines: string[] = [];
  lines.push(`${'run'.padEnd(10)}${'dir'.padEnd(5)}${'class'.padEnd(9)}${f('sent', 7)}${f('deliv', 7)}${f('drop', 6)}${f('late', 6)}${f('p50', 9)}${f('p99', 9)}${f('max', 9)}${f('lost', 6)}${f('dup', 5)}`);
  for (const r of results) {
    for (const d of ['up', 'down'] as const) {
      for (const c of CLASS_NAMES) {
        const x = r.classes[d][c];
        if (!x) continue;
        lines.push(`${r.run.padEnd(10)}${d.padEnd(5)}${c.padEnd(9)}${f(x.sent, 7)}${f(x.delivered, 7)}${f(x.undelivered ?? x.dropped, 6)}${f(x.late, 6)}${f(x.p50Ms, 9)}${f(x.p99Ms, 9)}${f(x.maxMs, 9)}${f(x.lost, 6)}${f(x.duplicated, 5)}`);
      }
    }
    const tu = r.tunnel ? `  drain ${r.tunnel.drainS ?? '-'} s vs floor ${r.tunnel.floorS ?? '-'} s; CONTROL p99 after return ${r.tunnel.controlP99AfterReturnMs ?? '-'} ms` : '';
    lines.push(`${r.run.padEnd(10)}goodput ${(r.goodputBps / 1e6).toFixed(2)} Mbit/s, link utilisation ${r.linkUtilisation}, refused ${r.durableRefused}${tu}`);
  }
  lines.push('');
  for (const t of targets) lines.push(`${t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.value ?? '-'} (${t.limit})`);
  return lines.join('\n');
}
