import type { ClassName } from '../../protocols/index.js';
import type { RunName, TrafficSpec } from './scenario.js';

/**
 * A frame as offered: class, stream, seq, capture wall ms, encoded bytes. A reading the sender cut
 * into parts (the gateway re-chunks BULK) spans seqs `q0..q`; it counts as delivered once every
 * part is, at the time of the last.
 */
export interface SentRec { c: ClassName; s: string; q0: number; q: number; t: number; b: number }
/**
 * A frame as received: stream, seq, capture wall ms (from the frame), receive wall ms, and the
 * sender's send stamp (header send_time_ns, wall ms; 0 when absent) to split the latency into hops.
 */
export interface RecvRec { s: string; q: number; t: number; r: number; x: number }

/** Event-loop delay of a side's process over the run (perf_hooks.monitorEventLoopDelay), ms. */
export interface LoopDelay {
  p50Ms: number; p99Ms: number; maxMs: number; meanMs: number;
  /** V8 heap in use and memory outside it (Buffers), MB, when the run was collected. */
  heapUsedMb?: number; externalMb?: number;
  /** `[wall ms, gap ms]` per event-loop stall of ≥ 6 ms (bench/uplink/loop-delay.ts). */
  stalls?: number[][];
  /** `[wall ms, duration ms, kind]` per V8 GC pause of ≥ 2 ms. */
  gcs?: number[][];
}

/** What one side hands back after a run. */
export interface SideReport {
  sent: SentRec[];
  recv: RecvRec[];
  /** Durable frames the sender refused (outbox full). */
  refused: number;
  /**
   * Lowest seq per durable stream the sender still holds unacknowledged (telemed outbox), so lost
   * = never stored and no longer held. Null where the transport cannot tell (Mosquitto).
   */
  pendingFrom: Record<string, number> | null;
  /** Peak resident set size of the side's process, bytes. */
  peakRssBytes: number;
  /** The sender's own counters (telemed: per-class sent/dropped/queued/acked and drop reasons), for diagnosis. */
  senderStats: unknown;
  /** Event-loop delay of this side's process from `start` to `collect`; null before start. */
  loopDelay: LoopDelay | null;
  /** CPU time of this side's process from `start` to `collect`, s (user + system). */
  cpuS: number | null;
}

/** What a child process is: its side, the transport and where to connect. */
export interface ChildSpec {
  role: 'edge' | 'hub';
  run: RunName;
  traffic: TrafficSpec;
  /** Temp dir of this side (data dirs). */
  dir: string;
  /** edge telemed: the link emulator's port in front of the hub; mosquitto: the side's broker port. */
  connectPort: number;
  /** `shaped` runs: the fixed token-bucket rate, bits/s (0.95x the cell's nominal uplink rate). */
  shapedRateBps?: number;
  /**
   * telemed runs over TLS (`--tls`): the folder of a local enrolment (hospital/pki ensurePki, made by
   * the parent before either side starts); the hub serves wss:// with mutual TLS, the edge pins its CA.
   */
  tlsDir?: string;
}

export type ToChild = { type: 'start' } | { type: 'stop' } | { type: 'collect' } | { type: 'close' };
export type FromChild =
  | { type: 'ready'; port: number }
  | { type: 'report'; report: SideReport }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

/** Per-side bookkeeping of offered and received frames. Bounded by the run's length (~20 k frames/min). */
export class Ledger {
  readonly sent: SentRec[] = [];
  readonly recv: RecvRec[] = [];
  refused = 0;
  peakRss = 0;
  private readonly rssTimer = setInterval(() => { this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss()); }, 500);

  private readonly lastSeq = new Map<string, number>();

  /** Records an offered reading whose last part has `q`; parts follow the previous reading's seq. */
  offered(c: ClassName, s: string, q: number, t: number, b: number): void {
    const q0 = Math.min(q, (this.lastSeq.get(s) ?? 0) + 1);
    this.lastSeq.set(s, q);
    this.sent.push({ c, s, q0, q, t, b });
  }

  received(s: string, q: number, captureNs: number, r: number, sendNs = 0): void {
    this.recv.push({ s, q, t: captureNs / 1e6, r, x: sendNs / 1e6 });
  }

  report(pendingFrom: Record<string, number> | null, senderStats: unknown = null): SideReport {
    clearInterval(this.rssTimer);
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    return { sent: this.sent, recv: this.recv, refused: this.refused, pendingFrom, peakRssBytes: this.peakRss, senderStats, loopDelay: null, cpuS: null };
  }
}
