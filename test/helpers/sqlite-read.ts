import Database from 'better-sqlite3';

/** Reads a SQLite file another process is writing (WAL: readers do not block the writer). */
export function query<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
