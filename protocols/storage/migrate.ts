import type Database from 'better-sqlite3';

/** One schema migration of a SQLite database. A list of them is append-only: an applied one is never edited. */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Applies every migration of `migrations` not yet recorded in the database's `migrations` table,
 * in list order, each with its record in one transaction (a crash leaves it applied and recorded,
 * or neither). Returns the ids applied now. Used by the gateway's outbox.db and the hub's
 * records.db, so both keep the same bookkeeping table.
 */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[], now: () => number = Date.now): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT id FROM migrations').all() as { id: number }[]).map((r) => r.id));
  const record = db.prepare('INSERT INTO migrations (id, name, applied_at_ms) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.id, m.name, now());
    })();
    done.push(m.id);
  }
  return done;
}
