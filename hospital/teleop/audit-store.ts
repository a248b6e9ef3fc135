import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { decodeEnvelope, type DecodedEnvelope } from '../../protocols/index.js';

/** The durable stream an arm's audit records come up on (the gateway names it so). */
export const auditStreamId = (armId: string): string => `${armId}/audit`;
const AUDIT_SUFFIX = '/audit';

/**
 * The hub's check of one mirrored record: `ok` (its hash recomputes and its prevHash is the
 * stored previous record's hash, or 64 zeros for seq 1), `unlinked` (hash fine, previous record
 * not here yet), `broken-link`, `bad-hash`, `bad-record` (not the JSON of an audit record, or its
 * seq/arm differ from the frame's).
 */
export type ChainCheck = 'ok' | 'unlinked' | 'broken-link' | 'bad-hash' | 'bad-record';

/** One mirrored record as GET /api/teleop/audit returns it. */
export interface ArmAuditView {
  readonly gatewayId: string;
  readonly armId: string;
  readonly seq: number;
  readonly at: string;
  readonly kind: string;
  readonly decision: string;
  readonly reason: string | null;
  readonly leaseId: string | null;
  readonly operatorId: string | null;
  readonly what: string;
  readonly chain: ChainCheck;
  /** The record exactly as the edge wrote it (detail, state, command id, hashes). */
  readonly record: unknown;
}

interface Row {
  gateway_id: string; arm_id: string; seq: number; at_ms: number; kind: string; decision: string; reason: string | null;
  lease_id: string | null; operator_id: string | null; what: string; record_json: string; chain: ChainCheck;
}

const GENESIS = '0'.repeat(64);

/** gateway/safety/audit-record.ts canonicalJson, reimplemented (hospital does not import gateway/). */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, 128) : null);

/**
 * Table arm_audit (migration 10) in records.db: the mirror of each arm's edge audit log. Filled
 * from the durable `<armId>/audit` frames: as they are fanned out after storing (`ingest`), and at
 * start from the frames table for anything stored but not yet mirrored (`catchUp`: a crash
 * between the two loses nothing). Rows are never updated or deleted.
 */
export class ArmAuditStore {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare(`INSERT OR IGNORE INTO arm_audit (gateway_id, arm_id, seq, stream_id, stream_seq, at_ms, kind, decision, reason,
        lease_id, operator_id, what, record_json, hash, chain, received_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      prevHash: db.prepare('SELECT hash FROM arm_audit WHERE gateway_id = ? AND arm_id = ? AND seq = ?').pluck(),
      auditStreams: db.prepare("SELECT gateway_id, stream_id FROM stream_acks WHERE stream_id LIKE '%/audit'"),
      lastMirrored: db.prepare('SELECT MAX(stream_seq) FROM arm_audit WHERE gateway_id = ? AND stream_id = ?').pluck(),
      framesAfter: db.prepare('SELECT seq, raw FROM frames WHERE gateway_id = ? AND stream_id = ? AND seq > ? AND reject_code IS NULL ORDER BY seq LIMIT 1000'),
      list: db.prepare(`SELECT gateway_id, arm_id, seq, at_ms, kind, decision, reason, lease_id, operator_id, what, record_json, chain
        FROM arm_audit WHERE gateway_id = ? AND arm_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
      arms: db.prepare('SELECT gateway_id, arm_id, COUNT(*) AS n, MAX(seq) AS last FROM arm_audit GROUP BY gateway_id, arm_id'),
    };
  }

  /** Mirrors one durable frame of `<armId>/audit`; false when it is not one (ignored). */
  ingest(gatewayId: string, env: DecodedEnvelope, receivedAtMs: number): ChainCheck | null {
    const a = env.armAudit;
    const streamId = env.header.streamId ?? '';
    if (a == null || !streamId.endsWith(AUDIT_SUFFIX)) return null;
    const armId = a.armId ?? '';
    const seq = Number(a.seq ?? 0);
    if (armId.length === 0 || streamId !== auditStreamId(armId) || !Number.isSafeInteger(seq) || seq < 1) return null;
    const line = a.recordJson ?? '';
    let rec: Record<string, unknown> | null = null;
    try {
      const v: unknown = JSON.parse(line);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) rec = v as Record<string, unknown>;
    } catch { /* kept as bad-record: the mirror stores what came, the check says what it is */ }
    const chain = this.check(gatewayId, armId, seq, rec);
    const atNs = typeof rec?.['atNs'] === 'number' ? rec['atNs'] : 0;
    this.stmt.insert.run(gatewayId, armId, seq, streamId, Number(env.header.seq ?? 0), Math.floor(atNs / 1e6),
      str(rec?.['kind']) ?? '', str(rec?.['decision']) ?? '', str(rec?.['reason']), str(rec?.['leaseId']), str(rec?.['operatorId']),
      str(rec?.['what']) ?? '', line, str(rec?.['hash']) ?? '', chain, receivedAtMs);
    return chain;
  }

  /** Mirrors stored audit frames not yet in the table (after a crash between store and mirror). */
  catchUp(receivedAtMs: number): number {
    let n = 0;
    for (const s of this.stmt.auditStreams.all() as { gateway_id: string; stream_id: string }[]) {
      for (;;) {
        const after = (this.stmt.lastMirrored.get(s.gateway_id, s.stream_id) as number | null) ?? 0;
        const rows = this.stmt.framesAfter.all(s.gateway_id, s.stream_id, after) as { seq: number; raw: Buffer }[];
        for (const r of rows) {
          try {
            if (this.ingest(s.gateway_id, decodeEnvelope(new Uint8Array(r.raw)), receivedAtMs) !== null) n += 1;
          } catch { /* a frame stored as sound but not decodable now: left in frames, not mirrored */ }
        }
        const moved = ((this.stmt.lastMirrored.get(s.gateway_id, s.stream_id) as number | null) ?? 0) > after;
        if (rows.length < 1000 || !moved) break;
      }
    }
    return n;
  }

  /** Records of one arm after `afterSeq`, oldest first. */
  list(gatewayId: string, armId: string, afterSeq: number, limit: number): ArmAuditView[] {
    return (this.stmt.list.all(gatewayId, armId, afterSeq, limit) as Row[]).map((r) => ({
      gatewayId: r.gateway_id, armId: r.arm_id, seq: r.seq, at: new Date(r.at_ms).toISOString(), kind: r.kind, decision: r.decision,
      reason: r.reason, leaseId: r.lease_id, operatorId: r.operator_id, what: r.what, chain: r.chain, record: parseOrText(r.record_json),
    }));
  }

  /** Every mirrored arm with its record count and last seq. */
  arms(): { gatewayId: string; armId: string; records: number; lastSeq: number }[] {
    return (this.stmt.arms.all() as { gateway_id: string; arm_id: string; n: number; last: number }[])
      .map((r) => ({ gatewayId: r.gateway_id, armId: r.arm_id, records: r.n, lastSeq: r.last }));
  }

  private check(gatewayId: string, armId: string, seq: number, rec: Record<string, unknown> | null): ChainCheck {
    if (rec === null || rec['seq'] !== seq || rec['armId'] !== armId || typeof rec['hash'] !== 'string' || typeof rec['prevHash'] !== 'string') return 'bad-record';
    const { hash, ...body } = rec;
    // gateway/safety/README.md: hash = sha256(prevHash + "\n" + canonicalJson(record without hash)).
    const want = createHash('sha256').update(rec['prevHash']).update('\n').update(canonicalJson(body)).digest('hex');
    if (want !== hash) return 'bad-hash';
    const prev = seq === 1 ? GENESIS : (this.stmt.prevHash.get(gatewayId, armId, seq - 1) as string | undefined);
    if (prev === undefined) return 'unlinked';
    return prev === rec['prevHash'] ? 'ok' : 'broken-link';
  }
}

function parseOrText(s: string): unknown {
  try { return JSON.parse(s); } catch { return s; }
}
