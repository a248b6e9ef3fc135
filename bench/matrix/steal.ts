// CPU time the hypervisor took from this machine (Linux /proc/stat "steal"). On a shared VM host a
// neighbour can take a third of the CPU for minutes; a latency figure measured then says nothing
// about the code, so a --quick guard does not gate on it (matrix.ts) and says why.
import { readFileSync } from 'node:fs';

export interface CpuTimes { steal: number; total: number }

/** The aggregate "cpu" line of /proc/stat, in clock ticks; null where there is no /proc/stat. */
export function cpuTimes(stat = (): string => readFileSync('/proc/stat', 'utf8')): CpuTimes | null {
  try {
    const line = stat().split('\n').find((l) => l.startsWith('cpu '));
    if (line === undefined) return null;
    // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user/nice]
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length < 8 || f.some((x) => !Number.isFinite(x))) return null;
    return { steal: f[7]!, total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** Share of all CPU time between two readings that was stolen, 0..1 (null when unknown). */
export function stealShare(before: CpuTimes | null, after: CpuTimes | null): number | null {
  if (before === null || after === null) return null;
  const total = after.total - before.total;
  return total > 0 ? (after.steal - before.steal) / total : null;
}

/** Above this share of stolen CPU a --quick verdict is not gating (10 %: a run here normally sees 0-4 %). */
export const STARVED_STEAL_SHARE = 0.1;
