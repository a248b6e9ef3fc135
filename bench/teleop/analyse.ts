// The pure part of bench:teleop (issue 11, first target): per peer, operator command → arm
// driver latency and staleness, image capture → operator socket latency, and the targets judged.
// Every percentile is reported beside the counts it was taken over (sent / delivered / dropped).
import { offeredQuantile, type OfferedMs } from '../uplink/honest.js';

/** A command the operator wrote on its socket (wall ms of the machine, bench/uplink/clock.ts). */
export interface SentCommand { readonly seq: number; readonly kind: string; readonly sentMs: number }
/** A command handed to the arm driver (telemed: accepted or clamped in the safety audit). */
export interface ExecutedCommand { readonly seq: number; readonly execMs: number }
/** An image as the operator's socket received it: the simulator's capture stamp and arrival. */
export interface ReceivedImage { readonly frameId: number; readonly captureMs: number; readonly recvMs: number }

export interface Window { readonly fromMs: number; readonly toMs: number }

/** Commands whose latency is measured: the ones that reach the arm (a heartbeat only feeds the deadman). */
export const MEASURED_KINDS: readonly string[] = ['jog', 'hold'];

export interface CommandStats {
  readonly sent: number;
  readonly delivered: number;
  readonly dropped: number;
  /** Executed later than `budgetMs` after the operator sent it. */
  readonly staleExecuted: number;
  /** Over delivered commands, ms. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** Over sent commands, a command never executed counting as infinitely late. */
  readonly p99OverSentMs: OfferedMs | null;
  /** Heartbeats sent in the window (not measured: they move nothing). */
  readonly heartbeatsSent: number;
  /** Commands over `lateAboveMs` (or never executed: ms null), seconds into the window: when the misses happened (first 100). */
  readonly late: { atS: number; ms: number | null }[];
}

export interface ImageStats {
  readonly captured: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** Distinct frames delivered per second of the window. */
  readonly fps: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Nearest-rank quantile over `sorted` (ascending), as bench/uplink's; null when empty. */
export function quantile(sorted: readonly number[], p: number): number | null {
  const q = offeredQuantile(sorted, 0, p);
  return q === 'inf' ? null : q;
}

const inWindow = (t: number, w: Window): boolean => t >= w.fromMs && t < w.toMs;

/**
 * Commands sent inside the window (measured kinds only) against their first execution. A seq
 * executed twice counts once (the first); an execution with no matching send is ignored.
 */
export function commandStats(sent: readonly SentCommand[], executed: readonly ExecutedCommand[], w: Window, budgetMs: number, lateAboveMs = Infinity): CommandStats {
  const first = new Map<number, number>();
  for (const e of executed) {
    const prev = first.get(e.seq);
    if (prev === undefined || e.execMs < prev) first.set(e.seq, e.execMs);
  }
  const measured = sent.filter((s) => MEASURED_KINDS.includes(s.kind) && inWindow(s.sentMs, w));
  const lat: number[] = [];
  let stale = 0;
  const late: { atS: number; ms: number | null }[] = [];
  const atS = (t: number): number => Math.round((t - w.fromMs) / 10) / 100;
  for (const s of measured) {
    const at = first.get(s.seq);
    if (at === undefined) {
      if (late.length < 100) late.push({ atS: atS(s.sentMs), ms: null });
      continue;
    }
    const l = at - s.sentMs;
    if (l > lateAboveMs && late.length < 100) late.push({ atS: atS(s.sentMs), ms: round2(l) });
    lat.push(l);
    if (l > budgetMs) stale++;
  }
  lat.sort((a, b) => a - b);
  return {
    sent: measured.length, delivered: lat.length, dropped: measured.length - lat.length, staleExecuted: stale,
    p50Ms: quantile(lat, 0.5), p95Ms: quantile(lat, 0.95), p99Ms: quantile(lat, 0.99), maxMs: lat.length ? round2(lat[lat.length - 1] ?? 0) : null,
    p99OverSentMs: offeredQuantile(lat, measured.length - lat.length, 0.99),
    heartbeatsSent: sent.filter((s) => s.kind === 'heartbeat' && inWindow(s.sentMs, w)).length, late,
  };
}

/**
 * Images captured by the simulator inside the window against the ones the operator received
 * (matched by capture time: the simulator's frame id is not carried to the operator unchanged by
 * every path, its capture stamp is). A frame received twice counts once.
 */
export function imageStats(captures: readonly number[], received: readonly ReceivedImage[], w: Window): ImageStats {
  const captured = captures.filter((t) => inWindow(t, w)).length;
  const seen = new Set<number>();
  const lat: number[] = [];
  for (const r of received) {
    if (!inWindow(r.captureMs, w) || seen.has(r.captureMs)) continue;
    seen.add(r.captureMs);
    lat.push(r.recvMs - r.captureMs);
  }
  lat.sort((a, b) => a - b);
  const seconds = (w.toMs - w.fromMs) / 1000;
  return {
    captured, delivered: lat.length, dropped: Math.max(0, captured - lat.length),
    p50Ms: quantile(lat, 0.5), p95Ms: quantile(lat, 0.95), p99Ms: quantile(lat, 0.99), maxMs: lat.length ? round2(lat[lat.length - 1] ?? 0) : null,
    fps: seconds > 0 ? round2(lat.length / seconds) : 0,
  };
}

export interface TargetVerdict { readonly peer: string; readonly target: string; readonly value: number | string | null; readonly limit: string; readonly pass: boolean }

/** Issue 11's first target for one peer: command p99 (over sent) ≤ one-way + 10 ms, image p95 ≤ 150 ms, 0 stale executed. */
export function judge(peer: string, cmd: CommandStats, img: ImageStats, oneWayMs: number): TargetVerdict[] {
  const cmdLimit = oneWayMs + 10;
  const p99 = cmd.p99OverSentMs;
  return [
    { peer, target: 'command → arm driver p99 (over sent)', value: p99, limit: `≤ ${cmdLimit} ms (one-way ${oneWayMs} + 10)`, pass: typeof p99 === 'number' && p99 <= cmdLimit },
    { peer, target: 'image capture → operator socket p95', value: img.p95Ms, limit: '≤ 150 ms', pass: img.p95Ms !== null && img.p95Ms <= 150 },
    { peer, target: 'stale commands executed', value: cmd.staleExecuted, limit: '= 0', pass: cmd.sent > 0 && cmd.staleExecuted === 0 },
  ];
}

/** A span of wall time, ms. */
export interface Span { readonly fromMs: number; readonly toMs: number }

/**
 * Machine-wide stalls: spans in which the bystander process (the arm simulator, on no command or
 * image path of either peer) stalled together with at least one process on the path (hub, edge).
 * Two separate processes stopping at the same instant is the machine (other load, steal), not the
 * code of either. Stalls are bench/uplink/loop-delay.ts records: `[wall ms at the stall's start, gap ms]`.
 */
export function machineStalls(bystander: readonly number[][], onPath: readonly (readonly number[][])[], minGapMs = 15): Span[] {
  const spans = (rows: readonly number[][]): Span[] => rows.filter((r) => (r[1] ?? 0) >= minGapMs).map((r) => ({ fromMs: r[0] ?? 0, toMs: (r[0] ?? 0) + (r[1] ?? 0) }));
  const path = onPath.flatMap(spans);
  const out: Span[] = [];
  for (const b of spans(bystander)) {
    for (const p of path) {
      const fromMs = Math.max(b.fromMs, p.fromMs);
      const toMs = Math.min(b.toMs, p.toMs);
      if (toMs > fromMs) out.push({ fromMs, toMs });
    }
  }
  return out;
}

/**
 * How many late commands (`CommandStats.late`) were in flight during a machine-wide stall: a late
 * one from its send to its execution, a never-executed one for `budgetMs` after its send.
 */
export function lateDuringStalls(late: CommandStats['late'], w: Window, stalls: readonly Span[], budgetMs: number): number {
  let n = 0;
  for (const c of late) {
    const from = w.fromMs + c.atS * 1000;
    const to = from + (c.ms ?? budgetMs);
    if (stalls.some((s) => s.fromMs < to && s.toMs > from)) n++;
  }
  return n;
}
