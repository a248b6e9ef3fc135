import { readFileSync } from 'node:fs';
import { systemClock } from '../../protocols/index.js';

/**
 * Maps the gateway's audit times (its systemClock, Unix ns) to this process's performance.now()
 * (the simulator's clock). In-process the gateway's clock is origin + performance.now(): exact.
 * A gateway process reports its systemClock − (performance.timeOrigin + now()) (`wallMinusOriginMs`);
 * timeOrigin + now() agrees across processes on one machine to well under a millisecond.
 */
export function auditClock(gatewayWallMinusOriginMs: number | null): (atNs: number) => number {
  if (gatewayWallMinusOriginMs === null) {
    const origin = systemClock.nowNs() / 1e6 - performance.now();
    return (atNs) => atNs / 1e6 - origin;
  }
  return (atNs) => atNs / 1e6 - gatewayWallMinusOriginMs - performance.timeOrigin;
}

/** When the gateway's supervisor decided, from its own audit file: the times (see auditClock) of every record with `reason`. */
export function auditTimesMs(file: string, reason: string, toLocalMs: (atNs: number) => number): number[] {
  const out: number[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { reason: string | null; atNs: number };
    if (r.reason === reason) out.push(toLocalMs(r.atNs));
  }
  return out;
}

/** The first time in `times` within [from, to], or null. */
export function firstIn(times: readonly number[], from: number, to: number): number | null {
  return times.find((t) => t >= from && t <= to) ?? null;
}
