import type Database from 'better-sqlite3';

/** A claim that was taken back, for the audit and the relay. */
export interface ReleasedClaim { readonly id: number; readonly holder: string }

export type ClaimChange =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'not-found' | 'not-holder' | 'not-in-reading' };

/**
 * Claims that end (issue 12, item 14): the holder can release one, an admin can release or hand
 * one to another reader, and a claim with no diagnosis within the timeout goes back to the
 * worklist. The claim's start is its newest 'claim' or 'reassign' audit event (ecg_audit keeps
 * the time), so no column of ecg_records changes meaning. Statements run on the worklist's own
 * connection (EcgStore.db), each one UPDATE guarded by the state it expects.
 */
export class ClaimBook {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      get: db.prepare('SELECT status, claimed_by FROM ecg_records WHERE id = ?'),
      release: db.prepare("UPDATE ecg_records SET status = 'pending', claimed_by = NULL WHERE id = ? AND status = 'in_reading' AND claimed_by = ?"),
      reassign: db.prepare("UPDATE ecg_records SET status = 'in_reading', claimed_by = ? WHERE id = ? AND status IN ('pending', 'in_reading')"),
      stale: db.prepare(`SELECT r.id, r.claimed_by AS holder FROM ecg_records r WHERE r.status = 'in_reading' AND r.claimed_by IS NOT NULL
        AND COALESCE((SELECT MAX(a.at_ms) FROM ecg_audit a WHERE a.ecg_id = r.id AND a.action IN ('claim', 'reassign')), 0) < ?`),
    };
  }

  /**
   * in_reading → pending. `holder` must hold the claim unless `asAdmin`. A reported record keeps
   * its reader (an amendment is theirs): 'not-in-reading'.
   */
  release(id: number, by: string, asAdmin: boolean): ClaimChange & { holder?: string } {
    const row = this.stmt.get.get(id) as { status: string; claimed_by: string | null } | undefined;
    if (row === undefined) return { ok: false, reason: 'not-found' };
    if (row.status !== 'in_reading' || row.claimed_by === null) return { ok: false, reason: 'not-in-reading' };
    if (!asAdmin && row.claimed_by !== by) return { ok: false, reason: 'not-holder' };
    const changed = this.stmt.release.run(id, row.claimed_by).changes === 1;
    return changed ? { ok: true, holder: row.claimed_by } : { ok: false, reason: 'not-in-reading' };
  }

  /** Admin: the record (pending or in reading) is now `to`'s to read. */
  reassign(id: number, to: string): ClaimChange & { from?: string | null } {
    const row = this.stmt.get.get(id) as { status: string; claimed_by: string | null } | undefined;
    if (row === undefined) return { ok: false, reason: 'not-found' };
    if (row.status === 'reported') return { ok: false, reason: 'not-in-reading' };
    return this.stmt.reassign.run(to, id).changes === 1 ? { ok: true, from: row.claimed_by } : { ok: false, reason: 'not-in-reading' };
  }

  /** Releases every claim older than `timeoutMs` at `nowMs`; returns them (one transaction). */
  expire(nowMs: number, timeoutMs: number): ReleasedClaim[] {
    return this.db.transaction(() => {
      const stale = this.stmt.stale.all(nowMs - timeoutMs) as ReleasedClaim[];
      return stale.filter((c) => this.stmt.release.run(c.id, c.holder).changes === 1);
    })();
  }
}
