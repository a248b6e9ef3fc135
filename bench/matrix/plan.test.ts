// Which scenarios a matrix run plans: the full run every one, --quick the fixed ones and the ECG
// loop, a shared trace only when named.
import { describe, expect, it } from 'vitest';
import { parseMatrixArgs, plan } from './plan.js';

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
});
