import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlAuditLog } from './audit-log.js';
import { canonicalJson, verifyChain, type AuditEntry } from './audit-record.js';

const entry = (i: number): AuditEntry => ({
  atNs: 1_800_000_000_000_000_000 + i * 1e6, armId: 'arm-1', kind: 'command', decision: i % 3 === 0 ? 'rejected' : 'accepted',
  reason: i % 3 === 0 ? 'TM_ERR_ARM_COMMAND_TOO_OLD' : null, state: 'active', leaseId: 'L1', operatorId: 'op-1',
  commandId: String(i), what: 'jog', detail: { ageMs: i / 10 },
});

describe('JsonlAuditLog (hash chain on disk)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-audit-'));
    path = join(dir, 'arm-audit.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one line per record and continues the chain after a reopen', () => {
    const a = new JsonlAuditLog(path);
    for (let i = 1; i <= 5; i++) a.append(entry(i));
    a.close();
    const b = new JsonlAuditLog(path);
    const rec = b.append(entry(6));
    b.close();
    expect(rec.seq).toBe(6);
    const text = readFileSync(path, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(6);
    expect(verifyChain(text)).toMatchObject({ ok: true, records: 6 });
  });

  it('shows an edited, deleted or reordered line and refuses to append after it', () => {
    const a = new JsonlAuditLog(path);
    for (let i = 1; i <= 6; i++) a.append(entry(i));
    a.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    // Edited: the rejection of command 3 rewritten as an acceptance (hash kept).
    const edited = lines.map((l, i) => (i === 2 ? l.replace('"rejected"', '"accepted"') : l));
    expect(verifyChain(edited.join('\n') + '\n')).toMatchObject({ ok: false, badLine: 3, problem: 'hash does not match the record' });
    // Deleted line 4.
    expect(verifyChain(lines.filter((_, i) => i !== 3).join('\n'))).toMatchObject({ ok: false, badLine: 4 });
    // Swapped 2 and 3.
    expect(verifyChain([lines[0], lines[2], lines[1], ...lines.slice(3)].join('\n'))).toMatchObject({ ok: false, badLine: 2 });
    writeFileSync(path, edited.join('\n') + '\n');
    expect(() => new JsonlAuditLog(path)).toThrow(expect.objectContaining({ code: 'TM_ERR_AUDIT_CHAIN_BROKEN' }) as Error);
  });

  it('reports a torn last line', () => {
    const a = new JsonlAuditLog(path);
    a.append(entry(1));
    a.close();
    appendFileSync(path, '{"v":1,"seq":2,');
    expect(verifyChain(readFileSync(path, 'utf8'))).toMatchObject({ ok: false, badLine: 2, problem: 'not JSON (torn or edited line)' });
  });

  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });
});
