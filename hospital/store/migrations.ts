import type Database from 'better-sqlite3';
import { applyMigrations, type Migration } from '../../protocols/storage/migrate.js';

/** Ordered schema migrations. Append only: an applied migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'frames and stream acks',
    sql: `
      CREATE TABLE frames (
        gateway_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        traffic_class INTEGER NOT NULL,
        capture_time_ns INTEGER NOT NULL,
        received_at_ns INTEGER NOT NULL,
        payload_kind TEXT NOT NULL,
        raw BLOB NOT NULL,
        PRIMARY KEY (gateway_id, stream_id, seq)
      ) WITHOUT ROWID;
      CREATE TABLE stream_acks (
        gateway_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        acked_seq INTEGER NOT NULL,
        PRIMARY KEY (gateway_id, stream_id)
      ) WITHOUT ROWID;`,
  },
  {
    id: 2,
    name: 'users and sessions',
    sql: `
      CREATE TABLE users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('clinician', 'specialist', 'admin')),
        password_hash TEXT NOT NULL
      );
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        role TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL
      );
      CREATE INDEX sessions_expiry ON sessions (expires_at_ms);`,
  },
  {
    id: 3,
    name: 'ecg records (worklist)',
    sql: `
      CREATE TABLE ecg_records (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        gateway_id TEXT NOT NULL,
        record_id TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'in_reading', 'reported')),
        priority INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,
        byte_size INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        corrupt_code TEXT,
        patient_ref TEXT NOT NULL,
        blob BLOB NOT NULL,
        UNIQUE (gateway_id, record_id)
      );
      CREATE INDEX ecg_records_received ON ecg_records (received_at_ms);`,
  },
  {
    id: 4,
    name: 'ecg record document: analysis and metadata',
    // From the EcgDocument (issue 4): the gateway's analysis (EcgAnalysisSummary JSON) and what the
    // worklist shows without decoding samples (rate, duration, leads, statements). NULL for records
    // stored before, or whose document did not decode (corrupt_code says why).
    sql: `
      ALTER TABLE ecg_records ADD COLUMN analysis_json TEXT;
      ALTER TABLE ecg_records ADD COLUMN meta_json TEXT;
      CREATE INDEX ecg_records_worklist ON ecg_records (status, priority, received_at_ms);`,
  },
  {
    id: 6,
    name: 'durable downlink outbox',
    // Frames to a gateway stay here from sendToGateway until the gateway acks them (issue 3);
    // downlink_seqs keeps numbering monotonic per (gateway, stream) after the rows are deleted.
    sql: `
      CREATE TABLE downlink_outbox (
        gateway_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        traffic_class INTEGER NOT NULL,
        size INTEGER NOT NULL,
        queued_at_ms INTEGER NOT NULL,
        env BLOB NOT NULL,
        PRIMARY KEY (gateway_id, stream_id, seq)
      );
      CREATE TABLE downlink_seqs (
        gateway_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        last_seq INTEGER NOT NULL,
        PRIMARY KEY (gateway_id, stream_id)
      ) WITHOUT ROWID;`,
  },
  {
    // Migration 4 is reserved for the ECG document columns (hospital/ecg); 5 is the reading workflow.
    id: 5,
    name: 'ecg diagnoses and audit trail',
    sql: `
      CREATE TABLE ecg_diagnoses (
        ecg_id INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        diagnosis_id TEXT NOT NULL UNIQUE,
        reader TEXT NOT NULL,
        reader_name TEXT NOT NULL,
        statements TEXT NOT NULL,
        text TEXT NOT NULL,
        critical INTEGER NOT NULL,
        signed_at_ms INTEGER NOT NULL,
        signature_alg TEXT NOT NULL,
        signature BLOB NOT NULL,
        PRIMARY KEY (ecg_id, revision)
      );
      CREATE TABLE ecg_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ecg_id INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE INDEX ecg_audit_record ON ecg_audit (ecg_id, id);`,
  },
  {
    id: 7,
    name: 'downlink epoch',
    // One random id per database, sent in HelloAck.downlink_epoch: downlink_seqs restart at 1 with
    // a new database (lost disk, restored backup, new install), and the gateway must then forget
    // its high-water marks or it drops the new frames as duplicates (SESSION.md §4). Made here, in
    // the same transaction as the table, so every database has exactly one from its first open.
    sql: `
      CREATE TABLE downlink_epoch (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch TEXT NOT NULL
      );
      INSERT INTO downlink_epoch (id, epoch) VALUES (1, lower(hex(randomblob(16))));`,
  },
  {
    id: 8,
    name: 'rollback gaps and rejected frames',
    // Issue 12 items 2 and 5. stream_gaps: frames a gateway had been told were stored but this
    // database lacks (it went backwards: restored backup, lost WAL), found from Hello.hub_acked;
    // the stream's ack moves past them so it never stalls, and the loss is on record with a code.
    // frames.reject_code: a durable frame whose header is sound but whose payload breaks the wire
    // limits is kept (raw bytes) and acked as rejected, so one bad frame never blocks its stream.
    sql: `
      CREATE TABLE stream_gaps (
        id INTEGER PRIMARY KEY,
        gateway_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,
        code TEXT NOT NULL,
        detected_at_ms INTEGER NOT NULL
      );
      ALTER TABLE frames ADD COLUMN reject_code TEXT;`,
  },
  {
    id: 9,
    name: 'diagnosis signing key id',
    // Issue 12 item 11: diagnoses are signed with the hub's Ed25519 key; the id (hex SHA-256 of
    // its SPKI DER) says which key, so a rotated key leaves old reports checkable. '' on the
    // hmac-sha256 rows from before (legacy: not verifiable at the clinic).
    sql: "ALTER TABLE ecg_diagnoses ADD COLUMN signing_key_id TEXT NOT NULL DEFAULT '';",
  },
  {
    id: 10,
    name: 'arm audit mirror',
    // Issue 11: the edge arm supervisor's hash-chained audit records (gateway/safety), mirrored
    // from the durable <armId>/audit stream (hospital/teleop/audit-store.ts). Rows are never
    // updated or deleted; `chain` is the hub's own check of each record's hash and link.
    sql: `
      CREATE TABLE arm_audit (
        gateway_id TEXT NOT NULL,
        arm_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        stream_id TEXT NOT NULL,
        stream_seq INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        decision TEXT NOT NULL,
        reason TEXT,
        lease_id TEXT,
        operator_id TEXT,
        what TEXT NOT NULL,
        record_json TEXT NOT NULL,
        hash TEXT NOT NULL,
        chain TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL,
        PRIMARY KEY (gateway_id, arm_id, seq)
      ) WITHOUT ROWID;
      CREATE INDEX arm_audit_stream ON arm_audit (gateway_id, stream_id, stream_seq);`,
  },
];

/** Applies every migration of MIGRATIONS not yet recorded in `migrations` (protocols/storage/migrate.ts). */
export function migrate(db: Database.Database, now: () => number = Date.now): number[] {
  return applyMigrations(db, MIGRATIONS, now);
}
