import { describe, expect, it } from 'vitest';
import { chainRecord, type AuditEntry } from '../../gateway/safety/audit-record.js';
import { decodeEnvelope, encodeEnvelope, type EnvelopeInit } from '../../protocols/index.js';
import { SqliteRecordsStore } from '../store/sqlite-store.js';

const entry: AuditEntry = {
  atNs: 1.7e18, armId: 'arm-1', kind: 'lease', decision: 'accepted', reason: null, state: 'leased',
  leaseId: 'L1', operatorId: 'dr.li', commandId: null, what: 'grant', detail: {},
};
const env = (seq: number, recordJson: string, armId = 'arm-1'): EnvelopeInit => ({
  header: { gatewayId: 'clinic-1', streamId: `${armId}/audit`, seq, trafficClass: 3, durable: true, captureTimeNs: 1 },
  armAudit: { armId, seq, recordJson },
});

describe('ArmAuditStore', () => {
  it('catches up from stored frames it never saw (crash between store and mirror), checking the chain across the gap', async () => {
    const store = new SqliteRecordsStore(':memory:');
    const r1 = chainRecord(null, entry);
    const r2 = chainRecord(r1, { ...entry, what: 'release', leaseId: 'L1' });
    const r3 = chainRecord({ seq: 2, hash: 'f'.repeat(64) }, entry); // links to a record that never was
    const frames = [env(1, JSON.stringify(r1)), env(2, JSON.stringify(r2)), env(3, JSON.stringify(r3)), env(4, '{torn')];
    // Only seq 1 is mirrored live; 2..4 are stored (and acked) but the hub stops before mirroring them.
    expect(store.armAudit.ingest('clinic-1', decodeEnvelope(encodeEnvelope(frames[0] ?? {})), 5)).toBe('ok');
    await store.storeFrames(frames.map((f, i) => ({
      gatewayId: 'clinic-1', streamId: 'arm-1/audit', seq: i + 1, trafficClass: 3, captureTimeNs: 1, receivedAtNs: 2, payloadKind: 'armAudit', raw: encodeEnvelope(f),
    })));
    expect(store.armAudit.catchUp(6)).toBe(3);
    expect(store.armAudit.catchUp(7)).toBe(0);
    const rows = store.armAudit.list('clinic-1', 'arm-1', 0, 10);
    expect(rows.map((r) => [r.seq, r.chain, r.what])).toEqual([[1, 'ok', 'grant'], [2, 'ok', 'release'], [3, 'broken-link', 'grant'], [4, 'bad-record', '']]);
    expect(rows[3]?.record).toBe('{torn');
    // A frame whose arm id and stream disagree is not mirrored under either.
    expect(store.armAudit.ingest('clinic-1', decodeEnvelope(encodeEnvelope({ ...env(5, '{}', 'arm-2'), header: { ...env(5, '{}', 'arm-2').header, streamId: 'arm-1/audit' } })), 8)).toBeNull();
    await store.close();
  });
});
