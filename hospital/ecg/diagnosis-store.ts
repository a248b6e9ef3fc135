import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { DIAGNOSIS_SIGNATURE_ALG, signDiagnosis, type HubSigningKey } from './diagnosis-signature.js';

import type { DiagnosisView } from '../../protocols/ecg/diagnosis-view.js';
export type { DiagnosisView };

/** What a reader submits. */
export interface DiagnosisInput {
  readonly statements: readonly string[];
  readonly text: string;
  readonly critical: boolean;
}

export type DiagnoseResult =
  | { readonly ok: true; readonly diagnosis: DiagnosisView; readonly gatewayId: string; readonly recordId: string }
  | { readonly ok: false; readonly reason: 'not-found' | 'not-claimed' };

interface Row {
  diagnosis_id: string; reader_name: string; statements: string; text: string; signed_at_ms: number;
  critical: number; revision: number; signature_alg: string; signature: Buffer; signing_key_id: string;
}

/**
 * Diagnoses of ECG records (table ecg_diagnoses, migration 5). Every submission is a new revision;
 * earlier ones stay, so an amendment never rewrites what the clinic already received.
 */
export class DiagnosisStore {
  private readonly stmt;

  constructor(private readonly db: Database.Database, private readonly key: HubSigningKey) {
    const cols = 'diagnosis_id, reader_name, statements, text, signed_at_ms, critical, revision, signature_alg, signature, signing_key_id';
    this.stmt = {
      record: db.prepare('SELECT gateway_id, record_id, status, claimed_by FROM ecg_records WHERE id = ?'),
      nextRevision: db.prepare('SELECT COALESCE(MAX(revision), 0) + 1 FROM ecg_diagnoses WHERE ecg_id = ?').pluck(),
      insert: db.prepare(`INSERT INTO ecg_diagnoses (ecg_id, revision, diagnosis_id, reader, reader_name, statements, text, critical, signed_at_ms, signature_alg, signature, signing_key_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      report: db.prepare("UPDATE ecg_records SET status = 'reported' WHERE id = ?"),
      latest: db.prepare(`SELECT ${cols} FROM ecg_diagnoses WHERE ecg_id = ? ORDER BY revision DESC LIMIT 1`),
      all: db.prepare(`SELECT ${cols} FROM ecg_diagnoses WHERE ecg_id = ? ORDER BY revision`),
    };
  }

  /**
   * Signs and stores a diagnosis by `reader`, who must hold the claim (status in_reading, or
   * reported for an amendment), and sets the record reported. One transaction: the revision
   * number cannot be taken twice.
   */
  diagnose(ecgId: number, reader: string, input: DiagnosisInput, nowMs: number): DiagnoseResult {
    return this.db.transaction((): DiagnoseResult => {
      const rec = this.stmt.record.get(ecgId) as { gateway_id: string; record_id: string; status: string; claimed_by: string | null } | undefined;
      if (rec === undefined) return { ok: false, reason: 'not-found' };
      if (rec.claimed_by !== reader || rec.status === 'pending') return { ok: false, reason: 'not-claimed' };
      const revision = this.stmt.nextRevision.get(ecgId) as number;
      const content = {
        recordId: rec.record_id, gatewayId: rec.gateway_id, statements: input.statements, text: input.text,
        critical: input.critical, reader, signedAtMs: nowMs, revision,
      };
      const signature = signDiagnosis(this.key, content);
      const diagnosisId = randomUUID();
      this.stmt.insert.run(ecgId, revision, diagnosisId, reader, reader, JSON.stringify(input.statements), input.text,
        input.critical ? 1 : 0, nowMs, DIAGNOSIS_SIGNATURE_ALG, signature, this.key.keyId);
      this.stmt.report.run(ecgId);
      const diagnosis: DiagnosisView = {
        diagnosisId, readerName: reader, statements: [...input.statements], text: input.text, signedAt: new Date(nowMs).toISOString(),
        critical: input.critical, revision, signatureAlg: DIAGNOSIS_SIGNATURE_ALG, signature: signature.toString('hex'), signingKeyId: this.key.keyId,
      };
      return { ok: true, diagnosis, gatewayId: rec.gateway_id, recordId: rec.record_id };
    })();
  }

  /** The newest revision, or null when the record has none. */
  latest(ecgId: number): DiagnosisView | null {
    const row = this.stmt.latest.get(ecgId) as Row | undefined;
    return row === undefined ? null : view(row);
  }

  /** Every revision, oldest first. */
  revisions(ecgId: number): DiagnosisView[] {
    return (this.stmt.all.all(ecgId) as Row[]).map(view);
  }
}

function view(r: Row): DiagnosisView {
  return {
    diagnosisId: r.diagnosis_id, readerName: r.reader_name, statements: JSON.parse(r.statements) as string[], text: r.text,
    signedAt: new Date(r.signed_at_ms).toISOString(), critical: r.critical === 1, revision: r.revision,
    signatureAlg: r.signature_alg, signature: r.signature.toString('hex'),
    ...(r.signing_key_id === '' ? {} : { signingKeyId: r.signing_key_id }),
  };
}
