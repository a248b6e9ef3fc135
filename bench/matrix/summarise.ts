// One run of one peer on one scenario, reduced to what the matrix judges (issue 14 item 4):
// CONTROL and ALARM over the frames OFFERED while the cell had capacity, the receiver's age of
// information, durable loss, utilisation of the capacity the cell offered, and the tunnel's drain.
import { CLASS_DEFAULTS, type ClassName } from '../../protocols/index.js';
import type { RunResult } from '../uplink/analyse.js';
import { attainableRatio } from './attainable.js';
import { ageOfInformationP99, offeredQuantile, onTimeRatio, type OfferedMs } from '../uplink/honest.js';
import type { RecvRec, SentRec } from '../uplink/ipc.js';
import type { RawRun } from '../uplink/run.js';

/**
 * After the link comes back from an outage or a handover gap, frames captured within this time are
 * not judged for CONTROL: the connection is being re-established (TCP, WebSocket, Hello) and a
 * realtime frame captured in the dark is stale by design. ALARM is judged on its own rule instead
 * (`alarmAfterReturnMs`).
 */
export const RETURN_GRACE_MS = 1000;

export interface ClassSummary {
  offered: number;
  delivered: number;
  /** Offered frames not delivered by the end (dropped, still queued = censored, lost). */
  notDelivered: number;
  onTimeRatio: number | null;
  p99OfferedMs: OfferedMs | null;
}

export interface RunSummary {
  peer: string;
  /** One-way delay + jitter + one 1500-byte piece at the nominal rate, ms. */
  floorMs: number;
  /**
   * `excess98OverFloorMs`: the p98 over offered minus the floor, what --quick judges (its targets
   * relaxed 2x: twice the p99's 1 % tail, as its on-time target allows 2 % late).
   */
  control: ClassSummary & { excessOverFloorMs: OfferedMs | null; excess98OverFloorMs: OfferedMs | null; aoiP99Ms: OfferedMs | null; attainableOnTimeRatio: number | null };
  alarm: ClassSummary & { afterReturnMs: OfferedMs | null };
  vitals: ClassSummary;
  durableLost: number | null;
  durableDuplicated: number;
  utilisation: number;
  goodputUtilisation: number;
  drainOverFloor: number | null;
  /**
   * A backlog stood through the whole window: a BULK reading captured at or before its start was
   * still undelivered at its end. Utilisation is judged only then ("while a backlog exists"): a
   * 86 Mbit/s mmWave cell drains the backlog in seconds and is then app-limited by design.
   */
  backlogThroughout: boolean;
  /** Frames left out as captured without capacity (outage/handover + grace), per class. */
  excluded: number;
}

/** `[from, to)` wall-ms intervals in which the link carried nothing (from the run's link trace). */
export function darkIntervals(raw: RawRun): [number, number][] {
  const out: [number, number][] = [];
  if (raw.outageStart !== null && raw.outageEnd !== null) out.push([raw.outageStart, raw.outageEnd]);
  let start: number | null = null;
  for (const row of raw.linkTrace) {
    const [t, , , , up] = row as [number, number, number, number, number | undefined];
    if (up === 0 && start === null) start = t;
    if (up === 1 && start !== null) { out.push([start, t]); start = null; }
  }
  if (start !== null) out.push([start, raw.t1]);
  return out;
}

const key = (s: string, q: number): string => `${s}\u0000${q}`;

function firstReceipts(recv: readonly RecvRec[]): Map<string, RecvRec> {
  const m = new Map<string, RecvRec>();
  for (const r of recv) if (!m.has(key(r.s, r.q))) m.set(key(r.s, r.q), r);
  return m;
}

/** Latency of a reading (its last part), or undefined when some part never arrived. */
function latency(s: SentRec, first: Map<string, RecvRec>): number | undefined {
  let last = -Infinity;
  for (let q = s.q0; q <= s.q; q++) {
    const r = first.get(key(s.s, q));
    if (!r) return undefined;
    last = Math.max(last, r.r);
  }
  return last - s.t;
}

function classSummary(frames: readonly SentRec[], first: Map<string, RecvRec>, c: ClassName): ClassSummary & { lat: number[] } {
  const lat: number[] = [];
  for (const s of frames) {
    const l = latency(s, first);
    if (l !== undefined) lat.push(l);
  }
  lat.sort((a, b) => a - b);
  const missing = frames.length - lat.length;
  return {
    offered: frames.length, delivered: lat.length, notDelivered: missing,
    onTimeRatio: onTimeRatio(lat, frames.length, CLASS_DEFAULTS[c].budgetMs),
    p99OfferedMs: offeredQuantile(lat, missing, 0.99), lat,
  };
}

export function summarise(raw: RawRun, result: RunResult, floorMs: number): RunSummary {
  const dark = darkIntervals(raw);
  const inDark = (t: number, graceMs: number): boolean => dark.some(([a, b]) => t >= a && t < b + graceMs);
  const first = firstReceipts(raw.hub.recv);
  const window = raw.edge.sent.filter((s) => s.t >= raw.t0 && s.t < raw.t1);
  const pick = (c: ClassName, graceMs: number): SentRec[] => window.filter((s) => s.c === c && !inDark(s.t, graceMs));
  const ctlFrames = pick('control', RETURN_GRACE_MS);
  const { lat: ctlLat, ...control } = classSummary(ctlFrames, first, 'control');
  // The most any sender could have had on time, given the cell's own gaps (null: not recorded).
  const attainable = raw.controlUnreachable === undefined ? null : attainableRatio(ctlFrames.map((s) => s.t), raw.controlUnreachable);
  const overFloor = (x: OfferedMs | null): OfferedMs | null => (x === null || x === 'inf' ? x : Math.round((x - floorMs) * 100) / 100);
  const excess = overFloor(control.p99OfferedMs);
  const excess98 = overFloor(offeredQuantile(ctlLat, control.notDelivered, 0.98));
  // Age of information only while the cell had capacity: sample the window minus its dark spans.
  const streams = new Set(ctlFrames.map((s) => s.s));
  const ctlRecv = raw.hub.recv.filter((r) => streams.has(r.s));
  const aoi = ageOfInformationP99(ctlRecv, raw.t0, raw.t1, 1, (t) => !inDark(t, RETURN_GRACE_MS));
  // ALARM while the cell has capacity; those captured in the dark are judged by how soon after the
  // return the last of them landed.
  const { lat: _a, ...alarm } = classSummary(pick('alarm', 0), first, 'alarm');
  let afterReturn: number | null = null;
  for (const [a, b] of dark) {
    for (const s of window) {
      if (s.c !== 'alarm' || s.t < a || s.t >= b) continue;
      const l = latency(s, first);
      afterReturn = Math.max(afterReturn ?? 0, l === undefined ? Infinity : s.t + l - b);
    }
  }
  const { lat: _v, ...vitals } = classSummary(pick('vitals', 0), first, 'vitals');
  const backlogThroughout = raw.edge.sent.some((s) => {
    if (s.c !== 'bulk' || s.t > raw.t0) return false;
    const l = latency(s, first);
    return l === undefined || s.t + l > raw.t1;
  });
  let lost: number | null = 0;
  let dup = 0;
  for (const c of Object.values(result.classes.up)) {
    if (c.lost === undefined) continue;
    lost = lost === null || c.lost === null ? null : lost + c.lost;
    dup += c.duplicated ?? 0;
  }
  return {
    peer: raw.run, floorMs,
    control: { ...control, excessOverFloorMs: excess, excess98OverFloorMs: excess98, aoiP99Ms: aoi, attainableOnTimeRatio: attainable },
    alarm: { ...alarm, afterReturnMs: afterReturn === null ? null : Number.isFinite(afterReturn) ? Math.round(afterReturn) : 'inf' },
    vitals,
    durableLost: lost, durableDuplicated: dup,
    utilisation: result.linkUtilisation, goodputUtilisation: result.goodputUtilisation,
    drainOverFloor: result.tunnel?.drainOverFloor ?? null,
    backlogThroughout,
    excluded: window.length - window.filter((s) => !inDark(s.t, s.c === 'control' ? RETURN_GRACE_MS : 0)).length,
  };
}
