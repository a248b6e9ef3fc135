// Durable outbox throughput: append + cumulative ack of small VITALS frames, three ways:
// SqliteOutbox with group commit (batches, one fsync each), MemoryOutbox, and the naive baseline
// a user would write first (better-sqlite3, one autocommitted INSERT per frame, synchronous=FULL).
// Usage: node --import tsx bench/outbox.ts [--frames N] [--batch B] [--json FILE]
// With --retained N: instead, the retention comparison of bench/outbox-retention.ts (0 vs N acked
// frames kept, interleaved in this process): node --import tsx bench/outbox.ts --retained 100000
//   [--backlog TICKS] [--rounds R] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { CLASS_DEFAULTS, TrafficClass, encodeEnvelope } from '../protocols/index.js';
import { MemoryOutbox, type Outbox } from '../gateway/uplink/outbox.js';
import { SqliteOutbox } from '../gateway/uplink/sqlite-outbox.js';
import { StreamSequencer, type OutFrame } from '../gateway/uplink/streams.js';
import { retentionTable, runRetentionBench } from './outbox-retention.js';

const { values } = parseArgs({ options: {
  frames: { type: 'string' }, batch: { type: 'string' }, json: { type: 'string' },
  retained: { type: 'string' }, backlog: { type: 'string' }, rounds: { type: 'string' },
} });
const FRAMES = Number(values.frames ?? 50_000);
const BATCH = Number(values.batch ?? 100); // frames per group commit (~5 ms at 20k/s)
const ACK_EVERY = 64; // the hub acks at most every 64 frames (SESSION.md §2)

function makeFrames(n: number): OutFrame[] {
  const seqr = new StreamSequencer('bench', (c) => CLASS_DEFAULTS[c].budgetMs);
  const out: OutFrame[] = [];
  for (let i = 0; i < n; i++) {
    out.push(seqr.build({
      streamId: `mon-${i % 4}/vitals`, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: Date.now() * 1e6,
      payload: { vitals: { deviceId: 'mon', numerics: [{ code: 'MDC_ECG_HEART_RATE', label: 'HR', value: 60 + (i % 40), unit: '/min', valid: true }] } },
    }, 0));
  }
  return out;
}

function runOutbox(box: Outbox, frames: readonly OutFrame[], batch: number): number {
  const newest = new Map<string, number>();
  let sinceAck = 0;
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i += batch) {
    const b = frames.slice(i, i + batch);
    box.appendBatch(b);
    for (const f of b) newest.set(f.streamId, f.seq);
    sinceAck += b.length;
    // Acks arrive as the hub stores: every ACK_EVERY frames, each stream's newest seq so far.
    if (sinceAck >= ACK_EVERY || i + batch >= frames.length) {
      for (const [streamId, seq] of newest) box.ack(streamId, seq);
      sinceAck = 0;
    }
  }
  if (box.frames !== 0) throw new Error(`outbox not drained: ${box.frames}`);
  return frames.length / ((performance.now() - t0) / 1000);
}

function runNaive(dir: string, frames: readonly OutFrame[]): number {
  const db = new Database(join(dir, 'naive.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE frames (stream_id TEXT NOT NULL, seq INTEGER NOT NULL, env BLOB NOT NULL, PRIMARY KEY (stream_id, seq))');
  const ins = db.prepare('INSERT INTO frames (stream_id, seq, env) VALUES (?, ?, ?)');
  const del = db.prepare('DELETE FROM frames WHERE stream_id = ? AND seq <= ?');
  const t0 = performance.now();
  frames.forEach((f, i) => {
    ins.run(f.streamId, f.seq, encodeEnvelope(f.env));
    if ((i + 1) % ACK_EVERY === 0 || i === frames.length - 1) for (let s = 0; s < 4; s++) del.run(`mon-${s}/vitals`, f.seq + 4);
  });
  const rate = frames.length / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

const dir = mkdtempSync(join(tmpdir(), 'telemed-bench-outbox-'));
try {
  if (values.retained !== undefined) {
    const r = runRetentionBench(dir, Number(values.retained), Number(values.backlog ?? 2000), Number(values.rounds ?? 200));
    if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ bench: 'outbox-retention', node: process.version, ...r }, null, 2) + '\n');
    process.stdout.write(retentionTable(r) + '\n');
  } else {
    runThroughput();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function runThroughput(): void {
  const frames = makeFrames(FRAMES);
  const naiveFrames = frames.slice(0, Math.min(FRAMES, 5000)); // one fsync per frame: keep it short
  const sqlite = new SqliteOutbox({ dataDir: join(dir, 'sqlite'), maxBytes: 1 << 30 });
  const sqliteRate = runOutbox(sqlite, frames, BATCH);
  sqlite.close();
  const sqliteSingle = new SqliteOutbox({ dataDir: join(dir, 'single'), maxBytes: 1 << 30 });
  const singleRate = runOutbox(sqliteSingle, naiveFrames, 1);
  sqliteSingle.close();
  const memRate = runOutbox(new MemoryOutbox(1 << 30), frames, BATCH);
  const naiveRate = runNaive(dir, naiveFrames);
  const result = {
    bench: 'outbox', node: process.version, frameBytes: frames[0]?.size ?? 0, groupCommitFrames: BATCH, ackEveryFrames: ACK_EVERY,
    framesPerSecond: {
      sqliteGroupCommit: Math.round(sqliteRate),
      sqliteOneFramePerCommit: Math.round(singleRate),
      memory: Math.round(memRate),
      naiveAutocommitInsert: Math.round(naiveRate),
    },
    frames: { groupCommit: frames.length, perFrame: naiveFrames.length },
  };
  const text = JSON.stringify(result, null, 2);
  if (values.json !== undefined) writeFileSync(values.json, text + '\n');
  process.stdout.write(text + '\n');
}
