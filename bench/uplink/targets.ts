import type { ClassName } from '../../protocols/index.js';
import type { RunResult } from './analyse.js';
import type { Direction, ScenarioName } from './scenario.js';

/** One target of issue 3 with the measured value and its verdict (null value = not measurable → fail). */
export interface TargetResult {
  target: string;
  limit: string;
  value: number | string | null;
  pass: boolean;
}

const p99 = (r: RunResult | undefined, d: Direction, c: ClassName): number | null => r?.classes[d][c]?.p99Ms ?? null;
const le = (target: string, v: number | null, limit: number, unit = 'ms'): TargetResult => ({ target, limit: `<= ${limit} ${unit}`, value: v, pass: v !== null && v <= limit });

function durableLossDup(r: RunResult): { lost: number | null; dup: number } {
  let lost: number | null = 0;
  let dup = 0;
  for (const d of ['up', 'down'] as const) {
    for (const c of Object.values(r.classes[d])) {
      if (c.lost === undefined) continue;
      lost = lost === null || c.lost === null ? null : lost + c.lost;
      dup += c.duplicated ?? 0;
    }
  }
  return { lost, dup };
}

/**
 * The targets of issue 3, evaluated on the telemed run (and against the baselines where relative).
 * Other scenarios are judged by bench:matrix (bench/matrix/judge.ts); here only loss and duplicates.
 */
export function evaluateTargets(scenario: ScenarioName, runs: Readonly<Partial<Record<string, RunResult>>>): TargetResult[] {
  const t = runs.telemed;
  if (!t) return [{ target: 'telemed run present', limit: 'required', value: null, pass: false }];
  const out: TargetResult[] = [];
  const ld = durableLossDup(t);
  out.push({ target: 'durable frames lost (telemed)', limit: '= 0', value: ld.lost, pass: ld.lost === 0 });
  out.push({ target: 'durable frames duplicated (telemed)', limit: '= 0', value: ld.dup, pass: ld.dup === 0 });
  if (scenario === 'saturated-cell') {
    out.push(le('CONTROL up p99', p99(t, 'up', 'control'), 30));
    out.push(le('CONTROL down p99', p99(t, 'down', 'control'), 30));
    out.push(le('ALARM p99', p99(t, 'up', 'alarm'), 100));
    out.push(le('VITALS p99', p99(t, 'up', 'vitals'), 250));
    out.push(le('live WAVEFORM p99', p99(t, 'up', 'waveform'), 150));
    out.push({ target: 'link utilisation', limit: '>= 0.9', value: t.linkUtilisation, pass: t.linkUtilisation >= 0.9 });
    for (const base of ['fifo', 'mosquitto'] as const) {
      for (const d of ['up', 'down'] as const) {
        const mine = p99(t, d, 'control');
        const theirs = p99(runs[base], d, 'control');
        const ratio = mine !== null && theirs !== null && mine > 0 ? Math.round((theirs / mine) * 10) / 10 : null;
        out.push({ target: `CONTROL ${d} p99 ratio ${base} / telemed`, limit: '>= 10', value: runs[base] ? ratio : 'run missing', pass: ratio !== null && ratio >= 10 });
      }
    }
  } else if (scenario === 'tunnel') {
    const tu = t.tunnel;
    out.push(le('CONTROL up p99 from 1 s after link return', tu?.controlP99AfterReturnMs ?? null, 30));
    out.push({ target: 'backlog drain time / floor', limit: '<= 1.3', value: tu?.drainOverFloor ?? null, pass: (tu?.drainOverFloor ?? Infinity) <= 1.3 });
  }
  return out;
}
