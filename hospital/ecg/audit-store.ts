import type Database from 'better-sqlite3';

/** What happened to a record. Append-only; the names are stable (dashboards show them). */
export type EcgAuditAction =
  | 'received' | 'rejected' | 'claim' | 'diagnosis' | 'amend'
  | 'relay-queued' | 'relay-deferred' | 'relay-resent'
  /** The reader gave the record back; an admin took it back ('release') or handed it on ('reassign'). */
  | 'release' | 'reassign'
  /** The claim timed out (config ecg.claimTimeoutMs) and the record went back to the worklist. */
  | 'claim-expired'
  /** A person of another site asked for the record (clinic isolation); refused. */
  | 'access-refused'
  /** The gateway acked the relayed frame (it left the hub's downlink outbox); detail has stream and seq. */
  | 'relay-delivered';

/** One audit event as GET /api/ecg/records/:id/audit returns it. */
export interface EcgAuditEvent {
  /** ISO 8601, hub clock. */
  readonly at: string;
  /** Username, or "hub" for the hub's own actions. Never a patient identifier. */
  readonly actor: string;
  readonly action: EcgAuditAction;
  /** Free-form, machine-readable where possible (e.g. "revision=2 seq=7"). */
  readonly detail: string;
}

/** The audit trail of ECG records (table ecg_audit, migration 5). Rows are never updated or deleted. */
export class EcgAuditStore {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      append: db.prepare('INSERT INTO ecg_audit (ecg_id, at_ms, actor, action, detail) VALUES (?, ?, ?, ?, ?)'),
      list: db.prepare('SELECT at_ms, actor, action, detail FROM ecg_audit WHERE ecg_id = ? ORDER BY id LIMIT ?'),
    };
  }

  append(ecgId: number, atMs: number, actor: string, action: EcgAuditAction, detail = ''): void {
    this.stmt.append.run(ecgId, atMs, actor, action, detail);
  }

  /** Oldest first, at most `limit` (default 1000). */
  list(ecgId: number, limit = 1000): EcgAuditEvent[] {
    return (this.stmt.list.all(ecgId, limit) as { at_ms: number; actor: string; action: EcgAuditAction; detail: string }[])
      .map((r) => ({ at: new Date(r.at_ms).toISOString(), actor: r.actor, action: r.action, detail: r.detail }));
  }
}
