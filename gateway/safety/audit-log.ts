import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { chainRecord, verifyChain, type AuditEntry, type AuditRecord } from './audit-record.js';
import { SafetyError, SafetyErrorCode } from './reasons.js';

/** Where the supervisor writes its decisions. */
export interface AuditSink {
  append(entry: AuditEntry): AuditRecord;
}

/** In memory, same chain (unit tests, and the hub mirror's buffer). */
export class MemoryAuditLog implements AuditSink {
  readonly records: AuditRecord[] = [];
  append(entry: AuditEntry): AuditRecord {
    const last = this.records[this.records.length - 1];
    const rec = chainRecord(last ? { seq: last.seq, hash: last.hash } : null, entry);
    this.records.push(rec);
    return rec;
  }
}

/**
 * Append-only JSONL file with a hash chain (audit-record.ts). Opened with O_APPEND; each record is
 * one write() of one line, so a crash loses at most the line being written (a torn last line is
 * reported by verify and refused at open). On open the whole chain is verified: a broken chain is
 * TM_ERR_AUDIT_CHAIN_BROKEN and the supervisor must not drive the arm (the operator moves the file
 * aside, which itself is evidence). `sync()` fsyncs (called at close and on e-stop).
 */
export class JsonlAuditLog implements AuditSink {
  private fd: number;
  private last: { seq: number; hash: string } | null;

  constructor(readonly path: string) {
    if (existsSync(path)) {
      const check = verifyChain(readFileSync(path, 'utf8'));
      if (!check.ok) throw new SafetyError(SafetyErrorCode.AUDIT_CHAIN_BROKEN, `audit log ${path} line ${check.badLine}: ${check.problem}`);
      this.last = check.last;
    } else {
      this.last = null;
    }
    try {
      this.fd = openSync(path, 'a', 0o600);
    } catch (err) {
      throw new SafetyError(SafetyErrorCode.AUDIT_IO, `cannot open audit log ${path}`, { cause: err });
    }
  }

  append(entry: AuditEntry): AuditRecord {
    const rec = chainRecord(this.last, entry);
    try {
      writeSync(this.fd, JSON.stringify(rec) + '\n');
    } catch (err) {
      throw new SafetyError(SafetyErrorCode.AUDIT_IO, 'audit log write failed', { cause: err });
    }
    this.last = { seq: rec.seq, hash: rec.hash };
    return rec;
  }

  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}
