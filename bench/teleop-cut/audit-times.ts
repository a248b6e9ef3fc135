import { readFileSync } from 'node:fs';
import { systemClock } from '../../protocols/index.js';

/**
 * When the gateway's supervisor decided, from its own audit file: the times (performance.now ms of
 * this process, the simulator's clock) of every audit record with `reason`. The gateway runs on
 * systemClock, whose wall time is origin + performance.now(), so the conversion is exact in-process.
 */
export function auditTimesMs(file: string, reason: string): number[] {
  const origin = systemClock.nowNs() / 1e6 - performance.now();
  const out: number[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { reason: string | null; atNs: number };
    if (r.reason === reason) out.push(r.atNs / 1e6 - origin);
  }
  return out;
}

/** The first time in `times` within [from, to], or null. */
export function firstIn(times: readonly number[], from: number, to: number): number | null {
  return times.find((t) => t >= from && t <= to) ?? null;
}
