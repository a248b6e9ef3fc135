import type Database from 'better-sqlite3';
import { applyMigrations, type Migration } from '../../protocols/storage/migrate.js';

/** Ordered schema migrations of outbox.db. Append only: an applied migration is never edited. */
export const OUTBOX_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'frames and stream high-water marks',
    // A rowid table (not WITHOUT ROWID): BULK chunks are large rows, which WITHOUT ROWID b-trees
    // store badly. The (stream_id, seq) key is the unique index every read and ack walks.
    // deadline_wall_ms is Unix ms so a deadline survives a restart (monotonic time does not).
    sql: `
      CREATE TABLE frames (
        stream_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        size INTEGER NOT NULL,
        deadline_wall_ms REAL NOT NULL,
        env BLOB NOT NULL,
        PRIMARY KEY (stream_id, seq)
      );
      CREATE TABLE streams (
        stream_id TEXT PRIMARY KEY,
        highest_seq INTEGER NOT NULL
      ) WITHOUT ROWID;`,
  },
  {
    id: 2,
    name: 'downlink high-water marks',
    // Per hub stream, the highest durable downlink seq delivered here: dedup after our restart.
    sql: `
      CREATE TABLE downlink_marks (
        stream_id TEXT PRIMARY KEY,
        high_seq INTEGER NOT NULL
      ) WITHOUT ROWID;`,
  },
  {
    id: 3,
    name: 'downlink epoch',
    // The hub's downlink epoch (HelloAck.downlink_epoch) the marks above belong to; no row until a
    // hub sent one. A different epoch means the hub's numbering restarted: the marks are cleared.
    sql: `
      CREATE TABLE downlink_epoch (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch TEXT NOT NULL
      );`,
  },
  {
    id: 4,
    name: 'acked frames retained for hub rollback',
    // Issue 12 item 2: acked frames stay in `frames` for outbox.retainAckedMs; streams.acked_seq is
    // the hub's ack (frames at or below it are retained, not pending). ack_marks: when a stream was
    // acked up to a seq, one row per stream per time bucket (updated in place), what pruning reads.
    // Rows from before were all unacked (acked ones were deleted): the ack is one below the oldest.
    sql: `
      ALTER TABLE streams ADD COLUMN acked_seq INTEGER NOT NULL DEFAULT 0;
      UPDATE streams SET acked_seq = COALESCE((SELECT MIN(seq) FROM frames f WHERE f.stream_id = streams.stream_id) - 1, highest_seq);
      CREATE TABLE ack_marks (
        stream_id TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        up_to_seq INTEGER NOT NULL,
        acked_at_ms REAL NOT NULL,
        PRIMARY KEY (stream_id, bucket)
      ) WITHOUT ROWID;`,
  },
  {
    id: 5,
    name: 'cumulative bytes per stream',
    // frames.cum_bytes: bytes of the stream's frames up to and including this one, so the bytes of
    // a range (an ack, a requeue, a prune) are a difference of two values instead of a SUM over its
    // rows. Rows from before are numbered from the oldest one held.
    sql: `
      ALTER TABLE frames ADD COLUMN cum_bytes INTEGER NOT NULL DEFAULT 0;
      UPDATE frames SET cum_bytes = c.cb
        FROM (SELECT rowid AS r, SUM(size) OVER (PARTITION BY stream_id ORDER BY seq) AS cb FROM frames) AS c
        WHERE c.r = frames.rowid;`,
  },
];

/** Applies every migration of OUTBOX_MIGRATIONS not yet recorded in `migrations` (protocols/storage/migrate.ts). */
export function migrateOutbox(db: Database.Database, now: () => number = Date.now): number[] {
  return applyMigrations(db, OUTBOX_MIGRATIONS, now);
}
