import { createHash } from 'node:crypto';
import type { SafetyState } from './state.js';

export type AuditKind = 'command' | 'lease' | 'trip' | 'estop' | 'fault' | 'telemetry';
export type AuditDecision = 'accepted' | 'clamped' | 'rejected' | 'acted';

/**
 * One line of the edge's arm audit log (JSONL), and the unit mirrored to the hub. Fields are fixed;
 * `detail` holds numbers only (ages, limits, forces), never patient data. A record is chained to
 * the one before it: `hash = sha256(prevHash + "\n" + canonicalJson(record without hash))`, hex,
 * and the first record's prevHash is 64 zeros, so any edit, deletion or reordering shows.
 */
export interface AuditRecord {
  /** Record format version. */
  readonly v: 1;
  /** 1, 2, 3, … without gaps for the life of the file. */
  readonly seq: number;
  /** Gateway wall clock, Unix ns. */
  readonly atNs: number;
  readonly armId: string;
  readonly kind: AuditKind;
  readonly decision: AuditDecision;
  /** A TM_ERR_ARM_* / TM_SAFETY_* code, or null for a plain acceptance. */
  readonly reason: string | null;
  /** Supervisor state after the event. */
  readonly state: SafetyState;
  readonly leaseId: string | null;
  readonly operatorId: string | null;
  /** uint64 on the wire, as a decimal string. */
  readonly commandId: string | null;
  /** Command kind, lease action, e-stop source, ... */
  readonly what: string;
  readonly detail: Readonly<Record<string, number | string | boolean | null>>;
  readonly prevHash: string;
  readonly hash: string;
}

export type AuditEntry = Omit<AuditRecord, 'v' | 'seq' | 'prevHash' | 'hash'>;

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same bytes wherever the record was parsed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function hashRecord(prevHash: string, body: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(body)).digest('hex');
}

/** The next record of a chain. */
export function chainRecord(prev: { seq: number; hash: string } | null, entry: AuditEntry): AuditRecord {
  const prevHash = prev?.hash ?? GENESIS_HASH;
  const body: Omit<AuditRecord, 'hash'> = { v: 1, seq: (prev?.seq ?? 0) + 1, ...entry, prevHash };
  return { ...body, hash: hashRecord(prevHash, body) };
}

export interface ChainCheck {
  readonly ok: boolean;
  readonly records: number;
  /** 1-based line of the first bad record. */
  readonly badLine?: number;
  readonly problem?: string;
  readonly last: { seq: number; hash: string } | null;
}

/** Verifies a JSONL audit log's text: every line parses, seqs run 1.., every hash recomputes. */
export function verifyChain(text: string): ChainCheck {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let prev: { seq: number; hash: string } | null = null;
  for (let i = 0; i < lines.length; i++) {
    let rec: AuditRecord;
    try {
      rec = JSON.parse(lines[i]!) as AuditRecord;
    } catch {
      return { ok: false, records: i, badLine: i + 1, problem: 'not JSON (torn or edited line)', last: prev };
    }
    const wantPrev = prev?.hash ?? GENESIS_HASH;
    const wantSeq: number = (prev?.seq ?? 0) + 1;
    if (rec.seq !== wantSeq) return { ok: false, records: i, badLine: i + 1, problem: `seq ${rec.seq}, expected ${wantSeq}`, last: prev };
    if (rec.prevHash !== wantPrev) return { ok: false, records: i, badLine: i + 1, problem: 'prevHash does not match the previous record', last: prev };
    const { hash, ...body } = rec;
    if (hashRecord(wantPrev, body) !== hash) return { ok: false, records: i, badLine: i + 1, problem: 'hash does not match the record', last: prev };
    prev = { seq: rec.seq, hash: rec.hash };
  }
  return { ok: true, records: lines.length, last: prev };
}
