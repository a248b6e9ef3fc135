// Which scenarios a matrix run plans: the full run every one, --quick the fixed ones and the ECG
// loop, a shared trace only when named.
import { describe, expect, it } from 'vitest';
import { QUICK_GATING } from './judge.js';
import { parseMatrixArgs, plan, QUICK_GATING_REPEAT } from './plan.js';

const names = (argv: string[]): string[] => plan(parseMatrixArgs(argv)).map((s) => s.name);

describe('bench:matrix plan', () => {
  it('runs every shared trace in the full run, none in --quick unless named', () => {
    const full = names([]);
    const traces = full.filter((n) => n.startsWith('trace:'));
    expect(traces.length).toBeGreaterThanOrEqual(6);
    const quick = names(['--quick']);
    expect(quick.filter((n) => n.startsWith('trace:'))).toEqual([]);
    expect(quick).toEqual(expect.arrayContaining(['saturated-cell', 'tunnel', 'handover', 'rate-step', 'competing-flow', 'ecg-loop']));
    expect(names(['--quick', '--scenarios', `tunnel,${traces[0]!}`])).toEqual(['tunnel', traces[0]]);
  });

  it('--quick judges its gating scenarios on the median of QUICK_GATING_REPEAT runs, the rest on one; the full run on --repeat', () => {
    const repeats = (argv: string[]): Record<string, number> =>
      Object.fromEntries(plan(parseMatrixArgs(argv)).flatMap((s) => (s.kind === 'uplink' ? [[s.name, s.repeat]] : [])));
    const quick = repeats(['--quick']);
    for (const g of QUICK_GATING) expect(quick[g]).toBe(QUICK_GATING_REPEAT);
    expect(QUICK_GATING_REPEAT).toBeGreaterThanOrEqual(3);
    expect(quick['rate-step']).toBe(1);
    expect(new Set(Object.values(repeats([])))).toEqual(new Set([5]));
    expect(repeats(['--repeat', '2'])['saturated-cell']).toBe(2);
    expect(repeats(['--quick', '--repeat', '4'])['saturated-cell']).toBe(4);
  });
});
