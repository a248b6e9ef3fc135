import { CLASS_DEFAULTS, CLASS_NAMES, type ClassName } from '../../protocols/index.js';
import { histQuantile, LATENESS_BUCKET_MS, type DirStats } from '../../simulators/link/index.js';
import { ageOfInformationP99, offeredQuantile, onTimeRatio, type OfferedMs } from './honest.js';
import type { LoopDelay, RecvRec, SentRec, SideReport } from './ipc.js';
import type { RawRun } from './run.js';
import type { Direction, Scenario } from './scenario.js';
import { BACKLOG_STREAM } from './traffic.js';

/** Per class and direction, frames captured inside the measured window. Latencies in ms. */
export interface ClassResult {
  sent: number;
  delivered: number;
  /** Realtime: offered but never delivered. Durable: see `undelivered`/`lost`. */
  dropped: number;
  /** Delivered beyond the class budget. */
  late: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Durable only: not delivered by the end (still queued somewhere, or lost). */
  undelivered?: number;
  /** Durable only: never stored and no longer held by the sender; null when the sender cannot tell. */
  lost?: number | null;
  /** Durable only: stored (handed to the consumer) more than once. */
  duplicated?: number;
  /**
   * Over the frames OFFERED (honest.ts): share delivered within the class budget, and p50/p99 with
   * every frame not delivered by the end (dropped, still queued = censored, lost) at +∞ ('inf').
   */
  onTimeRatio: number | null;
  p50OfferedMs: OfferedMs | null;
  p99OfferedMs: OfferedMs | null;
  /** CONTROL: the receiver's age-of-information p99 over the window (latest wins), ms. */
  aoiP99Ms?: OfferedMs | null;
}

export interface RunResult {
  run: string;
  measuredS: number;
  classes: Record<Direction, Partial<Record<ClassName, ClassResult>>>;
  /** Application bytes delivered per second during the window (up), bits/s. */
  goodputBps: number;
  /**
   * Link bytes carried up during the window ÷ the capacity the cell offered in it (the emulator's
   * `offeredBytes`: varying with a trace, outage time excluded). With a competing flow its bytes
   * count too: this is how full the cell was kept, `goodputUtilisation` is the peer's own share.
   */
  linkUtilisation: number;
  /** Application goodput ÷ the offered capacity. */
  goodputUtilisation: number;
  durableRefused: number;
  peakRssBytes: { edge: number; hub: number };
  /** The edge sender's own counters at the end (telemed: per class, drop reasons). */
  edgeSenderStats: unknown;
  tunnel?: TunnelResult;
  /** Where the time goes (issue 3 (a)): per-hop latency, event-loop delay, the emulator's own delays. */
  diag: Diagnosis;
}

/** p50/p99 of one hop, ms. */
export interface HopQuantiles { n: number; p50Ms: number | null; p99Ms: number | null }

export interface Diagnosis {
  /**
   * Per direction and class, frames captured in the window: capture → the sender's send stamp
   * (header send_time_ns: queueing in the sender, scheduler and pacer) and send stamp → receipt
   * (socket buffers, the link, the receiver's event loop). Telemed only (MQTT has no send stamp).
   */
  hops: Record<Direction, Partial<Record<ClassName, { sender: HopQuantiles; wire: HopQuantiles }>>>;
  /** Event-loop delay per process over the run: edge, hub, and the bench process running the link emulator. */
  loopDelay: { edge: LoopDelay | null; hub: LoopDelay | null; link: LoopDelay | null };
  /** CPU seconds per process over the run (the link's: the whole bench process). */
  cpuS: { edge: number | null; hub: number | null; link: number | null };
  /** The emulator per direction over the window: bottleneck queue delay per piece and delivery lateness, ms. */
  link: Record<Direction, { queueDelayP50Ms: number | null; queueDelayP99Ms: number | null; latenessP50Ms: number | null; latenessP99Ms: number | null }>;
  /**
   * CONTROL frames over the 30 ms budget per direction, `[capture wall ms, latency ms, sender hop
   * ms]`, oldest first (at most 500): whether the tail comes in clusters (a stall, a probe) to be
   * matched against the pacer trace, or spread evenly (a standing queue).
   */
  slowControl: Record<Direction, number[][]>;
  /** The emulator's uplink every 20 ms: `[wall ms, bytes read so far, bytes queued at the bottleneck, capacity offered so far]`. */
  linkTrace: number[][];
}

export interface TunnelResult {
  outageS: number;
  /** Durable bytes captured during the outage (the backlog it made). */
  backlogBytes: number;
  /** Link rate minus the live offered rate before the outage, bits/s. */
  spareBps: number;
  floorS: number | null;
  /** From link return to the last outage-captured durable frame stored; null if not all arrived. */
  drainS: number | null;
  drainOverFloor: number | null;
  /** CONTROL up p99 for frames captured from 1 s after the link returned. */
  controlP99AfterReturnMs: number | null;
}

/** The CONTROL budget on this profile: one-way delay (20 ms) + 10 ms. */
const CONTROL_BUDGET_MS = 30;

const key = (s: string, q: number): string => `${s}\u0000${q}`;

function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;
}
const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);

/** First receipt per (stream, seq), and how many extra receipts each had. */
function index(recv: readonly RecvRec[]): { first: Map<string, RecvRec>; dups: Map<string, number> } {
  const first = new Map<string, RecvRec>();
  const dups = new Map<string, number>();
  for (const r of recv) {
    const k = key(r.s, r.q);
    if (first.has(k)) dups.set(k, (dups.get(k) ?? 0) + 1);
    else first.set(k, r);
  }
  return { first, dups };
}

function classResults(sent: readonly SentRec[], recv: readonly RecvRec[], pendingFrom: SideReport['pendingFrom'], from: number, to: number): Partial<Record<ClassName, ClassResult>> {
  const { first, dups } = index(recv);
  const out: Partial<Record<ClassName, ClassResult>> = {};
  for (const c of CLASS_NAMES) {
    const mine = sent.filter((s) => s.c === c && s.t >= from && s.t < to);
    if (mine.length === 0) continue;
    const durable = CLASS_DEFAULTS[c].delivery === 'durable';
    const lat: number[] = [];
    let lost = 0;
    let duplicated = 0;
    for (const s of mine) {
      let last = -Infinity;
      let missing = false;
      for (let q = s.q0; q <= s.q; q++) {
        const k = key(s.s, q);
        duplicated += dups.get(k) ?? 0;
        const r = first.get(k);
        if (r) last = Math.max(last, r.r);
        else {
          missing = true;
          if (pendingFrom !== null && q < (pendingFrom[s.s] ?? Infinity)) lost++;
        }
      }
      if (!missing) lat.push(last - s.t);
    }
    lat.sort((a, b) => a - b);
    const missing = mine.length - lat.length;
    const res: ClassResult = {
      sent: mine.length, delivered: lat.length, dropped: durable ? 0 : missing,
      late: lat.filter((l) => l > CLASS_DEFAULTS[c].budgetMs).length,
      p50Ms: round(quantile(lat, 0.5)), p99Ms: round(quantile(lat, 0.99)), maxMs: round(lat.at(-1) ?? null),
      onTimeRatio: onTimeRatio(lat, mine.length, CLASS_DEFAULTS[c].budgetMs),
      p50OfferedMs: offeredQuantile(lat, missing, 0.5), p99OfferedMs: offeredQuantile(lat, missing, 0.99),
    };
    if (c === 'control') {
      const streams = new Set(mine.map((s) => s.s));
      res.aoiP99Ms = ageOfInformationP99(recv.filter((r) => streams.has(r.s)), from, to);
    }
    if (durable) Object.assign(res, { undelivered: mine.length - lat.length, lost: pendingFrom === null ? null : lost, duplicated });
    out[c] = res;
  }
  return out;
}

function tunnel(raw: RawRun, rateBps: number): TunnelResult | undefined {
  if (raw.outageStart === null || raw.outageEnd === null) return undefined;
  const { outageStart: a, outageEnd: b } = raw;
  const liveBytes = raw.edge.sent.filter((s) => s.t >= raw.t0 && s.t < a && s.s !== BACKLOG_STREAM).reduce((n, s) => n + s.b, 0);
  const spareBps = rateBps - (liveBytes * 8) / ((a - raw.t0) / 1000);
  const backlog = raw.edge.sent.filter((s) => s.t >= a && s.t < b && s.s !== BACKLOG_STREAM && CLASS_DEFAULTS[s.c].delivery === 'durable');
  const backlogBytes = backlog.reduce((n, s) => n + s.b, 0);
  const { first } = index(raw.hub.recv);
  let last = b;
  let missing = 0;
  for (const s of backlog) {
    for (let q = s.q0; q <= s.q; q++) {
      const r = first.get(key(s.s, q));
      if (r) last = Math.max(last, r.r);
      else missing++;
    }
  }
  const floorS = spareBps > 0 ? (backlogBytes * 8) / spareBps : null;
  const drainS = missing === 0 ? (last - b) / 1000 : null;
  const ctl = raw.edge.sent.filter((s) => s.c === 'control' && s.t >= b + 1000 && s.t < raw.t1);
  const lat = ctl.map((s) => first.get(key(s.s, s.q))).filter((r): r is RecvRec => r !== undefined).map((r) => r.r - r.t).sort((x, y) => x - y);
  return {
    outageS: (b - a) / 1000, backlogBytes, spareBps: Math.round(spareBps), floorS: round(floorS), drainS: round(drainS),
    drainOverFloor: floorS !== null && drainS !== null ? round(drainS / floorS) : null, controlP99AfterReturnMs: round(quantile(lat, 0.99)),
  };
}

function hops(sent: readonly SentRec[], recv: readonly RecvRec[], from: number, to: number): Diagnosis['hops']['up'] {
  const { first } = index(recv);
  const out: Diagnosis['hops']['up'] = {};
  const q = (xs: number[]): HopQuantiles => {
    xs.sort((a, b) => a - b);
    return { n: xs.length, p50Ms: round(quantile(xs, 0.5)), p99Ms: round(quantile(xs, 0.99)) };
  };
  for (const c of CLASS_NAMES) {
    const snd: number[] = [];
    const wire: number[] = [];
    for (const s of sent) {
      if (s.c !== c || s.t < from || s.t >= to) continue;
      const r = first.get(key(s.s, s.q));
      if (!r || !(r.x > 0)) continue;
      snd.push(r.x - r.t);
      wire.push(r.r - r.x);
    }
    if (snd.length > 0) out[c] = { sender: q(snd), wire: q(wire) };
  }
  return out;
}

function slowControl(sent: readonly SentRec[], recv: readonly RecvRec[], from: number, to: number): number[][] {
  const { first } = index(recv);
  const out: number[][] = [];
  for (const s of sent) {
    if (s.c !== 'control' || s.t < from || s.t >= to) continue;
    const r = first.get(key(s.s, s.q));
    if (!r || r.r - r.t <= CONTROL_BUDGET_MS) continue;
    out.push([Math.round(r.t), round(r.r - r.t) ?? 0, r.x > 0 ? round(r.x - r.t) ?? 0 : -1]);
    if (out.length >= 500) break;
  }
  return out;
}

function linkDiag(a: DirStats, b: DirStats): Diagnosis['link']['up'] {
  return {
    queueDelayP50Ms: histQuantile(b.queueDelayHist, a.queueDelayHist, 0.5, 1),
    queueDelayP99Ms: histQuantile(b.queueDelayHist, a.queueDelayHist, 0.99, 1),
    latenessP50Ms: histQuantile(b.latenessHist, a.latenessHist, 0.5, LATENESS_BUCKET_MS),
    latenessP99Ms: histQuantile(b.latenessHist, a.latenessHist, 0.99, LATENESS_BUCKET_MS),
  };
}

/** Numbers of one run from both sides' ledgers. */
export function analyse(raw: RawRun, scn: Scenario, rateBps: number): RunResult {
  const T = (raw.t1 - raw.t0) / 1000;
  // Bytes of a reading count when its last part lands.
  const sentBytes = new Map(raw.edge.sent.map((s) => [key(s.s, s.q), s.b]));
  const { first } = index(raw.hub.recv);
  let goodBytes = 0;
  for (const [k, r] of first) if (r.r >= raw.t0 && r.r < raw.t1) goodBytes += sentBytes.get(k) ?? 0;
  const linkBytes = raw.linkAt1.up.bytesOut - raw.linkAt0.up.bytesOut;
  // Time the link was usable: an outage carries nothing by design.
  const usableS = T - (raw.outageEnd !== null && raw.outageStart !== null ? (raw.outageEnd - raw.outageStart) / 1000 : 0);
  // The capacity the cell offered in the window (outage excluded) as the emulator counted it: a
  // trace's or rate steps' varying rate, not the nominal one; rate × usable time where it has none.
  const offered = (raw.linkAt1.up.offeredBytes ?? NaN) - (raw.linkAt0.up.offeredBytes ?? NaN);
  const capacityBits = Number.isFinite(offered) && offered > 0 ? offered * 8 : rateBps * usableS;
  const result: RunResult = {
    run: raw.run, measuredS: round(T) ?? 0,
    classes: {
      up: classResults(raw.edge.sent, raw.hub.recv, raw.edge.pendingFrom, raw.t0, raw.t1),
      down: classResults(raw.hub.sent, raw.edge.recv, raw.hub.pendingFrom, raw.t0, raw.t1),
    },
    goodputBps: Math.round((goodBytes * 8) / T),
    linkUtilisation: round((linkBytes * 8) / capacityBits) ?? 0,
    goodputUtilisation: round((goodBytes * 8) / capacityBits) ?? 0,
    durableRefused: raw.edge.refused,
    peakRssBytes: { edge: raw.edge.peakRssBytes, hub: raw.hub.peakRssBytes },
    edgeSenderStats: raw.edge.senderStats,
    diag: {
      hops: { up: hops(raw.edge.sent, raw.hub.recv, raw.t0, raw.t1), down: hops(raw.hub.sent, raw.edge.recv, raw.t0, raw.t1) },
      loopDelay: { edge: raw.edge.loopDelay, hub: raw.hub.loopDelay, link: raw.linkLoopDelay },
      cpuS: { edge: raw.edge.cpuS, hub: raw.hub.cpuS, link: raw.linkCpuS },
      link: { up: linkDiag(raw.linkAt0.up, raw.linkAt1.up), down: linkDiag(raw.linkAt0.down, raw.linkAt1.down) },
      linkTrace: raw.linkTrace,
      slowControl: { up: slowControl(raw.edge.sent, raw.hub.recv, raw.t0, raw.t1), down: slowControl(raw.hub.sent, raw.edge.recv, raw.t0, raw.t1) },
    },
  };
  const t = scn.outage ? tunnel(raw, rateBps) : undefined;
  if (t) result.tunnel = t;
  return result;
}
