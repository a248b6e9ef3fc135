import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyMigrations, type Migration } from './migrate.js';

const M: Migration[] = [
  { id: 1, name: 'things', sql: 'CREATE TABLE things (id INTEGER PRIMARY KEY, v TEXT)' },
  { id: 2, name: 'a column', sql: 'ALTER TABLE things ADD COLUMN w INTEGER NOT NULL DEFAULT 0' },
];

describe('applyMigrations', () => {
  it('applies each migration once, records it with its time, and skips it on the next open', () => {
    const db = new Database(':memory:');
    expect(applyMigrations(db, M, () => 42)).toEqual([1, 2]);
    expect(db.prepare('SELECT id, name, applied_at_ms FROM migrations ORDER BY id').all()).toEqual([
      { id: 1, name: 'things', applied_at_ms: 42 },
      { id: 2, name: 'a column', applied_at_ms: 42 },
    ]);
    expect(applyMigrations(db, M)).toEqual([]);
    // A migration appended later is the only one applied.
    expect(applyMigrations(db, [...M, { id: 3, name: 'index', sql: 'CREATE INDEX things_w ON things (w)' }])).toEqual([3]);
    db.close();
  });

  it('a failing migration leaves neither its changes nor its record, and the ones before it stay', () => {
    const db = new Database(':memory:');
    const bad: Migration = { id: 2, name: 'half done', sql: 'ALTER TABLE things ADD COLUMN x INTEGER; CREATE TABLE things (id INTEGER)' };
    expect(() => applyMigrations(db, [M[0] as Migration, bad])).toThrow(/already exists/);
    expect(db.prepare('SELECT id FROM migrations').pluck().all()).toEqual([1]);
    const cols = (db.prepare('PRAGMA table_info(things)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(['id', 'v']);
    db.close();
  });
});
