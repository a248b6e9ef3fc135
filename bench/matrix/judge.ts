// Medians over a configuration's runs, and issue 14's targets judged on them. --quick relaxes every
// absolute target 2x (twice the allowed miss, twice the allowed excess: CONTROL on time >= 98 % and
// its p98, not p99, over offered <= floor + 20 ms) and judges no relative one (it runs telemed
// alone): a guard against gross regressions, not the verdict.
import { offeredMsKey, type OfferedMs } from '../uplink/honest.js';
import type { RunSummary } from './summarise.js';

/** Median and range of one metric over a configuration's runs ('inf' sorts above every number). */
export interface Spread<T> { median: T | null; min: T | null; max: T | null; n: number }

export function spread<T extends number | OfferedMs>(xs: readonly (T | null)[]): Spread<T> {
  const v = xs.filter((x): x is T => x !== null).sort((a, b) => offeredMsKey(a) - offeredMsKey(b));
  // The middle run (odd counts, the default 5); the upper of the two middle ones for even counts.
  return { median: v[Math.floor(v.length / 2)] ?? null, min: v[0] ?? null, max: v.at(-1) ?? null, n: v.length };
}

/** The figures of one peer on one scenario, over its runs. */
export interface PeerCell {
  peer: string;
  runs: number;
  controlOnTime: Spread<number>;
  /** The on-time ratio no sender could exceed on the cell's own delivery opportunities (attainable.ts). */
  controlAttainable: Spread<number>;
  controlP99Offered: Spread<OfferedMs>;
  controlExcess: Spread<OfferedMs>;
  /** p98 over offered minus the floor (what --quick judges). */
  controlExcess98: Spread<OfferedMs>;
  controlAoiP99: Spread<OfferedMs>;
  controlCounts: { offered: number; delivered: number; notDelivered: number };
  alarmOnTime: Spread<number>;
  alarmAfterReturn: Spread<OfferedMs>;
  alarmCounts: { offered: number; delivered: number; notDelivered: number };
  utilisation: Spread<number>;
  drainOverFloor: Spread<number>;
  /** Runs in which a backlog stood through the whole window (utilisation is judged on those). */
  backlogRuns: number;
  durableLost: number | null;
  durableDuplicated: number;
  floorMs: number;
}

export function cell(peer: string, runs: readonly RunSummary[]): PeerCell {
  const sum = (f: (r: RunSummary) => number): number => runs.reduce((n, r) => n + f(r), 0);
  const lost = runs.some((r) => r.durableLost === null) ? null : sum((r) => r.durableLost ?? 0);
  return {
    peer, runs: runs.length,
    controlOnTime: spread(runs.map((r) => r.control.onTimeRatio)),
    controlAttainable: spread(runs.map((r) => r.control.attainableOnTimeRatio)),
    controlP99Offered: spread(runs.map((r) => r.control.p99OfferedMs)),
    controlExcess: spread(runs.map((r) => r.control.excessOverFloorMs)),
    controlExcess98: spread(runs.map((r) => r.control.excess98OverFloorMs)),
    controlAoiP99: spread(runs.map((r) => r.control.aoiP99Ms)),
    controlCounts: { offered: sum((r) => r.control.offered), delivered: sum((r) => r.control.delivered), notDelivered: sum((r) => r.control.notDelivered) },
    alarmOnTime: spread(runs.map((r) => r.alarm.onTimeRatio)),
    alarmAfterReturn: spread(runs.map((r) => r.alarm.afterReturnMs)),
    alarmCounts: { offered: sum((r) => r.alarm.offered), delivered: sum((r) => r.alarm.delivered), notDelivered: sum((r) => r.alarm.notDelivered) },
    utilisation: spread(runs.filter((r) => r.backlogThroughout).map((r) => r.utilisation)),
    backlogRuns: runs.filter((r) => r.backlogThroughout).length,
    drainOverFloor: spread(runs.map((r) => r.drainOverFloor)),
    durableLost: lost, durableDuplicated: sum((r) => r.durableDuplicated),
    floorMs: runs[0]?.floorMs ?? 0,
  };
}

/**
 * `gating`: whether a miss makes bench:matrix exit non-zero. Every verdict gates in a full run; in
 * --quick only those of QUICK_GATING, the scenarios whose targets the product meets today (see
 * there), so the README's test command guards them against gross regressions.
 */
export interface Verdict { scenario: string; target: string; limit: string; value: string; pass: boolean; gating: boolean }

/**
 * Scenarios that gate --quick: issue 3's saturated cell and tunnel, met since that issue. The rest
 * of issue 14's matrix (rate steps, traces, competing flow, handover, the ECG loop's simultaneous
 * first records) is printed by --quick and judged by the full run, where it is not all met yet
 * (bench/RESULTS.md); a gate the product fails today would only make CI red.
 */
export const QUICK_GATING: readonly string[] = ['saturated-cell', 'tunnel'];

/**
 * Targets of the gating scenarios that --quick prints but does not gate, for the same reason: the
 * tunnel's drain / floor is missed by the full run (3.63 at 0d5595f against 1.3) and one quick run
 * of it ranged 1.5-4.0 on one commit (the durable backlog of a 5 s outage is a few hundred kB, and
 * its floor a second or two).
 */
export const QUICK_NOT_GATING_TARGETS: readonly string[] = ['tunnel drain / floor'];

const fmt = (x: number | OfferedMs | null): string => (x === null ? '-' : String(x));
const atMost = (x: OfferedMs | null, lim: number): boolean => x !== null && x !== 'inf' && x <= lim;

/** The peer with the smallest median CONTROL excess over the floor (then the higher on-time ratio). */
export function strongestPeer(cells: readonly PeerCell[]): PeerCell | undefined {
  const others = cells.filter((c) => c.peer !== 'telemed');
  return [...others].sort((a, b) =>
    offeredMsKey(a.controlExcess.median) - offeredMsKey(b.controlExcess.median) || (b.controlOnTime.median ?? 0) - (a.controlOnTime.median ?? 0))[0];
}

/** Issue 14's targets for one uplink scenario, on telemed's medians. */
export function judgeUplink(scenario: string, cells: readonly PeerCell[], quick: boolean): Verdict[] {
  const t = cells.find((c) => c.peer === 'telemed');
  const out: Verdict[] = [];
  const gating = !quick || QUICK_GATING.includes(scenario);
  const v = (target: string, limit: string, value: string, pass: boolean): void => {
    out.push({ scenario, target, limit, value, pass, gating: gating && !(quick && QUICK_NOT_GATING_TARGETS.includes(target)) });
  };
  if (!t) return [{ scenario, target: 'telemed run', limit: 'present', value: 'missing', pass: false, gating }];
  const k = quick ? 2 : 1;
  const ctlOn = 1 - 0.01 * k;
  // Judged as the issue sets it; where the cell's own gaps put the target out of any sender's
  // reach, the limit says so (the verdict stays a miss: the table must not hide it).
  const bound = t.controlAttainable.median;
  const unreachable = bound !== null && bound < ctlOn ? `; no sender above ${Math.round(bound * 10_000) / 10_000} on this cell` : '';
  v('CONTROL on time / offered', `>= ${ctlOn}${unreachable}`, fmt(t.controlOnTime.median), (t.controlOnTime.median ?? 0) >= ctlOn);
  // The tail relaxed with the on-time target: p98 in --quick (2 % may miss), p99 in the full run.
  const tail = quick ? t.controlExcess98 : t.controlExcess;
  v(`CONTROL ${quick ? 'p98' : 'p99'} over offered - floor`, `<= ${10 * k} ms (floor ${t.floorMs} ms)`, fmt(tail.median), atMost(tail.median, 10 * k));
  const alOn = 1 - 0.001 * k;
  if (t.alarmCounts.offered > 0) v('ALARM on time / offered', `>= ${alOn}`, fmt(t.alarmOnTime.median), (t.alarmOnTime.median ?? 0) >= alOn);
  if (t.alarmAfterReturn.n > 0) v('ALARM after capacity returns', `<= ${100 * k} ms`, fmt(t.alarmAfterReturn.median), atMost(t.alarmAfterReturn.median, 100 * k));
  v('durable lost', '= 0', fmt(t.durableLost), t.durableLost === 0);
  v('durable duplicated', '= 0', fmt(t.durableDuplicated), t.durableDuplicated === 0);
  if (scenario === 'tunnel') {
    const lim = 1 + 0.3 * k;
    v('tunnel drain / floor', `<= ${lim}`, fmt(t.drainOverFloor.median), atMost(t.drainOverFloor.median, lim));
  } else {
    // While a backlog stands the cell should stay full; a cell faster than the offered load (mmWave)
    // drains it and is then app-limited, and there is nothing to judge.
    const lim = 1 - 0.15 * k;
    if (t.backlogRuns > 0) v('utilisation of offered capacity while backlogged', `>= ${lim}`, fmt(t.utilisation.median), (t.utilisation.median ?? 0) >= lim);
  }
  const peer = quick ? undefined : strongestPeer(cells);
  if (peer) {
    const mine = offeredMsKey(t.controlExcess.median);
    const theirs = offeredMsKey(peer.controlExcess.median);
    // Excess at or below 0 is at the floor: nothing to be 5x smaller than.
    const ratio = mine <= 0 ? (theirs > 0 ? Infinity : 1) : theirs / mine;
    v(`CONTROL excess vs strongest peer (${peer.peer})`, '>= 5x smaller', Number.isFinite(ratio) ? `${Math.round(ratio * 10) / 10}x` : (mine <= 0 && theirs > 0 ? 'at floor' : 'inf'), ratio >= 5);
    v(`CONTROL on time vs strongest peer (${peer.peer})`, 'higher', `${fmt(t.controlOnTime.median)} vs ${fmt(peer.controlOnTime.median)}`, (t.controlOnTime.median ?? 0) > (peer.controlOnTime.median ?? 0));
  }
  return out;
}

/** The ECG loop's target: stop → worklist p95 (quick: 2x). */
export function judgeEcg(p95Ms: number | null, n: number, records: number, quick: boolean): Verdict[] {
  const lim = 1500 * (quick ? 2 : 1);
  const gating = !quick || QUICK_GATING.includes('ecg-loop');
  return [
    { scenario: 'ecg-loop', target: 'record stop → worklist p95', limit: `<= ${lim} ms`, value: fmt(p95Ms), pass: p95Ms !== null && p95Ms <= lim, gating },
    { scenario: 'ecg-loop', target: 'records in the worklist', limit: `= ${records}`, value: String(n), pass: n === records, gating },
  ];
}
