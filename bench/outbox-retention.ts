// bench:outbox --retained N (issue 12 item 2): what keeping acked frames costs the send/ack path.
// Two SqliteOutboxes in one process, run INTERLEAVED (A B, then B A, ...) so machine load hits
// both alike: A keeps nothing (retainAckedMs 0), B keeps N acked frames (24 h window, cap above
// them, nothing pruned while measuring). Both then hold the same unacked backlog and drain it as
// the uplink does after an outage: a group commit of new readings, a backlog read (pendingBatch,
// 128 frames per stream), a cumulative ack per stream. Per operation it reports the WAL pages the
// operation wrote (deterministic: the WAL is checkpointed away before each operation, outside the
// timing) and its wall time (noisy on a loaded machine: compare A with B, not with other runs).
// Also: the query plan of every statement of the outbox, the time to open B (load), and one
// pruneRetained batch once B's frames are past the window.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { CLASS_DEFAULTS, TrafficClass } from '../protocols/index.js';
import { SqliteOutbox } from '../gateway/uplink/sqlite-outbox.js';
import { NO_RETENTION, PRUNE_BATCH_FRAMES } from '../gateway/uplink/outbox-retention.js';
import { StreamSequencer, type OutFrame } from '../gateway/uplink/streams.js';

const BULK_STREAM = 'ecg/cart-1';
const VITALS_STREAMS = 9;
/** Frames per tick: one 16 KiB BULK chunk (an ECG record upload) and one reading per vitals stream. */
const TICK_FRAMES = 1 + VITALS_STREAMS;
const DAY_MS = 86_400_000;

/** The private parts of SqliteOutbox a bench may look at (its connection and prepared statements). */
interface Inside {
  readonly db: Database.Database;
  readonly stmt: Record<string, Database.Statement>;
}
const inside = (box: SqliteOutbox): Inside => box as unknown as Inside;

class Mix {
  private readonly seqr = new StreamSequencer('bench', (c) => CLASS_DEFAULTS[c].budgetMs);
  private n = 0;
  tick(): OutFrame[] {
    const i = this.n++;
    const out: OutFrame[] = [this.seqr.build({
      streamId: BULK_STREAM, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: Date.now() * 1e6,
      payload: { ecgChunk: { recordId: `rec-${Math.floor(i / 11)}`, offset: (i % 11) * 16384, totalSize: 180_000, data: new Uint8Array(16384).fill(i & 255), contentType: 'application/octet-stream', last: i % 11 === 10 } },
    }, 0)];
    for (let m = 0; m < VITALS_STREAMS; m++) {
      out.push(this.seqr.build({
        streamId: `vitals/monitor-${m}`, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: Date.now() * 1e6,
        payload: { vitals: { deviceId: `mon-${m}`, numerics: [{ code: 'MDC_ECG_HEART_RATE', label: 'HR', value: 60 + (i % 40), unit: '/min', valid: true }] } },
      }, 0));
    }
    return out;
  }
}

/** One outbox under test, with its WAL measured per operation. */
class Side {
  readonly newest = new Map<string, number>();
  readonly samples = new Map<string, { ms: number[]; walPages: number[] }>();
  private readonly wal: string;
  constructor(readonly name: string, readonly box: SqliteOutbox, dir: string, readonly mix = new Mix()) {
    this.wal = join(dir, 'outbox.db-wal');
    // Checkpoints by hand between operations (outside the timing) so each one's WAL pages are its own.
    inside(box).db.pragma('wal_autocheckpoint = 0');
  }
  walPages(): number {
    return existsSync(this.wal) ? Math.max(0, Math.round((statSync(this.wal).size - 32) / (4096 + 24))) : 0;
  }
  /** Runs `fn` as one measured operation: checkpoint first (timed as 'checkpoint'), then the op. */
  measure<T>(op: string, fn: () => T): T {
    const c0 = performance.now();
    inside(this.box).db.pragma('wal_checkpoint(TRUNCATE)');
    this.record('checkpoint (the thread\'s work)', performance.now() - c0, 0);
    const t0 = performance.now();
    const out = fn();
    this.record(op, performance.now() - t0, this.walPages());
    return out;
  }
  append(ack: boolean): void {
    const frames = this.mix.tick();
    this.measure('appendBatch (10 frames, 1 commit)', () => this.box.appendBatch(frames));
    for (const f of frames) this.newest.set(f.streamId, f.seq);
    if (ack) for (const [s, q] of this.newest) this.box.ack(s, q);
  }
  private record(op: string, ms: number, walPages: number): void {
    const s = this.samples.get(op) ?? { ms: [], walPages: [] };
    s.ms.push(ms);
    s.walPages.push(walPages);
    this.samples.set(op, s);
  }
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}
const r2 = (x: number): number => Math.round(x * 100) / 100;

/** EXPLAIN QUERY PLAN of every prepared statement of the outbox (parameters bound to NULL). */
export function queryPlans(box: SqliteOutbox): Record<string, string[]> {
  const { db, stmt } = inside(box);
  const out: Record<string, string[]> = {};
  for (const [name, s] of Object.entries(stmt)) {
    if (s.source.startsWith('PRAGMA')) continue;
    const params = (s.source.match(/\?/g) ?? []).map(() => null);
    out[name] = (db.prepare(`EXPLAIN QUERY PLAN ${s.source}`).all(...params) as { detail: string }[]).map((r) => r.detail);
  }
  return out;
}

export interface RetentionBenchResult {
  retainedFrames: number;
  retainedBytes: number;
  backlogTicks: number;
  rounds: number;
  /** Per operation, per side: p50 / p99 / max ms and mean WAL pages written. */
  ops: Record<string, Record<string, { p50Ms: number; p99Ms: number; maxMs: number; walPagesMean: number; n: number }>>;
  openMs: { none: number; retained: number };
  prune: { frames: number; ms: number; walPages: number };
  plans: Record<string, string[]>;
}

/**
 * The comparison. `retained`: acked frames B keeps; `backlogTicks`: unacked ticks both hold when
 * the drain starts; `rounds`: drain steps measured per side.
 */
export function runRetentionBench(dir: string, retained: number, backlogTicks: number, rounds: number): RetentionBenchResult {
  let nowMs = Date.now();
  const open = (name: string, keep: boolean): SqliteOutbox => new SqliteOutbox({
    dataDir: join(dir, name), maxBytes: 4 * 1024 ** 3, checkpointThread: false,
    retention: keep ? { retainAckedMs: DAY_MS, retainAckedBytes: 4 * 1024 ** 3, nowMs: () => nowMs } : NO_RETENTION,
  });
  const a = new Side('none', open('none', false), join(dir, 'none'));
  let b = new Side('retained', open('retained', true), join(dir, 'retained'));
  // B's history: `retained` frames appended in group commits of 1000 and acked.
  for (let i = 0; i < retained / TICK_FRAMES; i += 100) {
    const frames: OutFrame[] = [];
    for (let k = 0; k < 100; k++) frames.push(...b.mix.tick());
    b.box.appendBatch(frames);
    for (const f of frames) b.newest.set(f.streamId, f.seq);
    for (const [s, q] of b.newest) b.box.ack(s, q);
    inside(b.box).db.pragma('wal_checkpoint(TRUNCATE)');
  }
  // Open time with the retained rows (the gateway's start), then the same backlog on both.
  b.box.close();
  const t0 = performance.now();
  const reopened = open('retained', true);
  const openRetained = performance.now() - t0;
  const before = b;
  b = new Side('retained', reopened, join(dir, 'retained'), before.mix);
  for (const [s, q] of before.newest) b.newest.set(s, q);
  a.box.close();
  const t1 = performance.now();
  const a2 = new Side('none', open('none', false), join(dir, 'none'));
  const openNone = performance.now() - t1;
  for (const side of [a2, b]) for (let i = 0; i < backlogTicks; i++) side.append(false);
  // The drain, interleaved: per round a new tick (group commit), a backlog read per stream, an ack
  // per stream 8 frames further (the backlog drains at 7 frames per stream per round).
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? [a2, b] : [b, a2]) {
      side.append(false);
      const streams = [...side.newest.keys()];
      side.measure('pendingBatch (128 frames, BULK stream)', () => side.box.pendingBatch(BULK_STREAM, side.box.ackedSeq(BULK_STREAM), 128));
      side.measure('pendingBatch (128 frames, vitals stream)', () => side.box.pendingBatch('vitals/monitor-0', side.box.ackedSeq('vitals/monitor-0'), 128));
      side.measure('ack (10 streams, 8 frames each)', () => { for (const s of streams) side.box.ack(s, side.box.ackedSeq(s) + 8); });
    }
  }
  const plans = queryPlans(b.box);
  const retainedFrames = b.box.retainedFrames;
  const retainedBytes = b.box.retainedBytes;
  // One prune batch of B, its frames past the window.
  nowMs += 2 * DAY_MS;
  const prune = b.measure('pruneRetained (one batch)', () => b.box.pruneRetained(PRUNE_BATCH_FRAMES));
  const pruneSample = b.samples.get('pruneRetained (one batch)');
  const ops: RetentionBenchResult['ops'] = {};
  for (const side of [a2, b]) {
    for (const [op, s] of side.samples) {
      if (op.startsWith('pruneRetained')) continue;
      ops[op] ??= {};
      ops[op][side.name] = {
        p50Ms: r2(quantile(s.ms, 0.5)), p99Ms: r2(quantile(s.ms, 0.99)), maxMs: r2(Math.max(...s.ms)),
        walPagesMean: r2(s.walPages.reduce((x, y) => x + y, 0) / s.walPages.length), n: s.ms.length,
      };
    }
  }
  a2.box.close();
  b.box.close();
  return {
    retainedFrames, retainedBytes, backlogTicks, rounds, ops,
    openMs: { none: r2(openNone), retained: r2(openRetained) },
    prune: { frames: prune, ms: r2(pruneSample?.ms[0] ?? 0), walPages: pruneSample?.walPages[0] ?? 0 },
    plans,
  };
}

/** The side-by-side table of a result (Markdown). */
export function retentionTable(r: RetentionBenchResult): string {
  const lines = [
    `retained (B): ${r.retainedFrames} frames, ${Math.round(r.retainedBytes / 1e6)} MB; backlog ${r.backlogTicks * TICK_FRAMES} frames; ${r.rounds} drain rounds per side, interleaved`,
    '',
    '| operation | WAL pages A (none) | WAL pages B (retained) | p50 / p99 / max ms A | p50 / p99 / max ms B |',
    '|---|---|---|---|---|',
  ];
  for (const [op, s] of Object.entries(r.ops)) {
    const f = (x: { p50Ms: number; p99Ms: number; maxMs: number } | undefined): string => (x ? `${x.p50Ms} / ${x.p99Ms} / ${x.maxMs}` : '-');
    lines.push(`| ${op} | ${s.none?.walPagesMean ?? '-'} | ${s.retained?.walPagesMean ?? '-'} | ${f(s.none)} | ${f(s.retained)} |`);
  }
  lines.push('', `open (load): A ${r.openMs.none} ms, B ${r.openMs.retained} ms`);
  lines.push(`one pruneRetained batch of B: ${r.prune.frames} frames, ${r.prune.walPages} WAL pages, ${r.prune.ms} ms`);
  lines.push('', 'query plans:');
  for (const [name, plan] of Object.entries(r.plans)) lines.push(`- ${name}: ${plan.join('; ')}`);
  return lines.join('\n');
}
