import { describe, expect, it } from 'vitest';
import type { FleetReport, HubReport } from './ipc.js';
import { classResult, mergeFleetReports, within } from './result.js';

const fleet = (offered: number, dropped = 0): FleetReport => ({
  classes: { alarm: { offered, dropped, dropReasons: dropped > 0 ? { late: dropped } : {} } },
  ready: 1, ambulances: 1, cpuS: 0, peakRssBytes: 0, tickLateP99Ms: 0, tickLateMaxMs: 0,
});
const hub = (lat: number[]): HubReport => ({ latencies: { alarm: lat }, duplicates: 0, sessions: 1, loopDelayMs: { p50: 0, p99: 0, max: 0 } });

describe('bench:vitals class results', () => {
  it('percentiles are over offered readings: the undelivered ones are infinitely late', () => {
    // 100 offered, 98 delivered at 1..98 ms: p99 falls among the 2 never delivered.
    const r = classResult(hub(Array.from({ length: 98 }, (_, i) => 98 - i)), fleet(100, 2), 'alarm');
    expect(r).toMatchObject({ offered: 100, delivered: 98, undelivered: 2, dropped: 2, dropReasons: { late: 2 }, p50Ms: 51, p99Ms: 'inf', maxDeliveredMs: 98, beyondOffered: 0 });
    expect(within(r.p99Ms, 500)).toBe(false);
  });

  it('all delivered: p99 is a number and the check holds only within the limit', () => {
    const r = classResult(hub(Array.from({ length: 100 }, (_, i) => i + 1)), fleet(100), 'alarm');
    expect(r.p99Ms).toBe(100);
    expect(within(r.p99Ms, 100)).toBe(true);
    expect(within(r.p99Ms, 99.9)).toBe(false);
  });

  it('nothing offered is not measured, and never passes', () => {
    const r = classResult(hub([]), fleet(0), 'alarm');
    expect(r.p99Ms).toBeNull();
    expect(within(r.p99Ms, 500)).toBe(false);
    expect(classResult(hub([]), fleet(0), 'vitals').offered).toBe(0);
  });

  it('more timed at the hub than offered is counted, not taken as deliveries', () => {
    const r = classResult(hub([5, 1, 3]), fleet(2), 'alarm');
    expect(r).toMatchObject({ delivered: 2, beyondOffered: 1, p99Ms: 3 });
  });

  it('fleet processes\' reports merge: counts, CPU and RSS add up, tick lateness is the worst one\'s', () => {
    const a: FleetReport = { ...fleet(10, 1), cpuS: 2, peakRssBytes: 100, tickLateP99Ms: 5, tickLateMaxMs: 9 };
    const b: FleetReport = { ...fleet(30, 2), cpuS: 3, peakRssBytes: 50, tickLateP99Ms: 7, tickLateMaxMs: 8, ready: 2, ambulances: 2 };
    expect(mergeFleetReports([a, b])).toEqual({
      classes: { alarm: { offered: 40, dropped: 3, dropReasons: { late: 3 } } },
      ready: 3, ambulances: 3, cpuS: 5, peakRssBytes: 150, tickLateP99Ms: 7, tickLateMaxMs: 9,
    });
  });
});
