// Per-class results of a bench:vitals step: percentiles over the readings OFFERED in the window
// (bench/uplink/honest.ts), a reading never delivered counting as infinitely late.
import { offeredQuantile, type OfferedMs } from '../uplink/honest.js';
import type { ClassOffer, FleetReport, HubReport } from './ipc.js';

export interface ClassResult {
  offered: number; delivered: number; dropped: number; undelivered: number; dropReasons: Record<string, number>;
  /** Readings the hub timed beyond those counted offered (should be 0: both sides window by capture time on one clock); the slowest are left out. */
  beyondOffered: number;
  /** Offered-based percentiles, ms ('inf': the quantile falls among frames never delivered). */
  p50Ms: OfferedMs | null; p90Ms: OfferedMs | null; p99Ms: OfferedMs | null; p999Ms: OfferedMs | null; maxDeliveredMs: number | null;
}

/** The class's counts (fleet) and latencies (hub) as offered-based percentiles. */
export function classResult(hub: HubReport, fleet: FleetReport, cls: string): ClassResult {
  const lat = (hub.latencies[cls] ?? []).slice().sort((a, b) => a - b);
  const o = fleet.classes[cls] ?? { offered: 0, dropped: 0, dropReasons: {} };
  // More at the hub than offered would be a bench bug: counted (beyondOffered), never a delivery.
  const delivered = Math.min(lat.length, o.offered);
  const missing = o.offered - delivered;
  const q = (p: number): OfferedMs | null => offeredQuantile(lat.slice(0, delivered), missing, p);
  return {
    offered: o.offered, delivered, dropped: o.dropped, undelivered: missing, dropReasons: o.dropReasons, beyondOffered: lat.length - delivered,
    p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), p999Ms: q(0.999), maxDeliveredMs: delivered > 0 ? Math.round((lat[delivered - 1] ?? 0) * 100) / 100 : null,
  };
}

/** A percentile within its limit: a number (not 'inf', not null: nothing offered) at most `limit`. */
export const within = (x: OfferedMs | null, limit: number): boolean => typeof x === 'number' && x <= limit;

/**
 * One FleetReport of the fleet processes' reports (the ambulances are split over them): counts
 * and CPU add up, peak RSS adds up (the processes run side by side), tick lateness is the worst
 * process's (p99 and max).
 */
export function mergeFleetReports(reports: readonly FleetReport[]): FleetReport {
  const classes: Record<string, ClassOffer> = {};
  for (const r of reports) {
    for (const [cls, o] of Object.entries(r.classes)) {
      const c = (classes[cls] ??= { offered: 0, dropped: 0, dropReasons: {} });
      c.offered += o.offered;
      c.dropped += o.dropped;
      for (const [why, n] of Object.entries(o.dropReasons)) c.dropReasons[why] = (c.dropReasons[why] ?? 0) + n;
    }
  }
  const sum = (f: (r: FleetReport) => number): number => reports.reduce((a, r) => a + f(r), 0);
  const max = (f: (r: FleetReport) => number): number => reports.reduce((a, r) => Math.max(a, f(r)), 0);
  return {
    classes, ready: sum((r) => r.ready), ambulances: sum((r) => r.ambulances), cpuS: sum((r) => r.cpuS),
    peakRssBytes: sum((r) => r.peakRssBytes), tickLateP99Ms: max((r) => r.tickLateP99Ms), tickLateMaxMs: max((r) => r.tickLateMaxMs),
  };
}
