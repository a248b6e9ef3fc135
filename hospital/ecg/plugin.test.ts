import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeEnvelope, encodeEnvelope, TrafficClass } from '../../protocols/index.js';
import { buildHospital } from '../app.js';
import { hashSecret } from '../auth/password.js';
import { FAST_SCRYPT, memoryLogger, PASSWORDS, tempDir, testConfig, type TempDir } from '../test-support.js';
import type { EcgRecordView } from './ecg-store.js';

const PATIENT = 'PAT-NEVER-LOG-42';
const TYPE = 'application/x-telemed-ecg-int16le;leads=2;rate=500';
const users = { 'dr.li': PASSWORDS['dr.li'], 'dr.wang': 'wang-password-xyz', 'nurse.wu': PASSWORDS['nurse.wu'] } as const;

/**
 * Pushes a record's chunks through the registry as the uplink does once frames are stored. The
 * first `storedOnly` chunks are only stored, as if the hub had restarted after acking them.
 */
async function deliver(app: FastifyInstance, recordId: string, blob: Uint8Array, opts: { sha?: Uint8Array; storedOnly?: number; seq0?: number } = {}): Promise<void> {
  const sha = opts.sha ?? createHash('sha256').update(blob).digest();
  for (let o = 0, n = 0; o < blob.length; o += 300, n++) {
    const end = Math.min(blob.length, o + 300);
    const seq = (opts.seq0 ?? 1) + n;
    const raw = encodeEnvelope({
      header: { gatewayId: 'clinic-1', streamId: 'cart-1/ecg-record', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: Date.now() * 1e6 },
      ecgChunk: { recordId, offset: o, totalSize: blob.length, data: blob.subarray(o, end), contentType: TYPE, patientRef: PATIENT, last: end === blob.length, ...(o === 0 ? { sha256: sha } : {}) },
    });
    await app.hospital.store.storeFrames([{ gatewayId: 'clinic-1', streamId: 'cart-1/ecg-record', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, captureTimeNs: 0, receivedAtNs: 0, payloadKind: 'ecgChunk', raw }]);
    if (n >= (opts.storedOnly ?? 0)) app.hospital.registry.emitFrame('clinic-1', decodeEnvelope(raw));
  }
}

describe('ECG worklist API', () => {
  let dir: TempDir;
  let app: FastifyInstance;
  const mem = memoryLogger();
  const tokens: Record<string, string> = {};
  const blob = new Uint8Array(Buffer.alloc(2 * 500 * 2).map((_, i) => i % 251));
  const auth = (u: keyof typeof users) => ({ authorization: `Bearer ${tokens[u] ?? ''}` });

  beforeAll(async () => {
    dir = tempDir();
    const cfg = await testConfig(dir.path, {
      users: [
        { username: 'dr.li', role: 'specialist', sites: ['clinic-1'], passwordHash: await hashSecret(users['dr.li'], FAST_SCRYPT) },
        { username: 'dr.wang', role: 'specialist', sites: ['clinic-1'], passwordHash: await hashSecret(users['dr.wang'], FAST_SCRYPT) },
        { username: 'nurse.wu', role: 'clinician', sites: ['clinic-1'], passwordHash: await hashSecret(users['nurse.wu'], FAST_SCRYPT) },
      ],
    });
    app = await buildHospital(cfg, { logger: mem.logger });
    for (const [username, password] of Object.entries(users)) {
      tokens[username] = (await app.inject({ method: 'POST', url: '/api/login', payload: { username, password } })).json<{ token: string }>().token;
    }
  });
  afterAll(async () => { await app.close(); dir.remove(); });

  it('lists reassembled records (same priority: oldest first), corrupt ones marked, for specialists only', async () => {
    const pushed = vi.spyOn(app.hospital.live, 'broadcast');
    await deliver(app, 'REC-1', blob);
    await deliver(app, 'REC-2', blob, { sha: Buffer.alloc(32), seq0: 100 });
    await deliver(app, 'REC-1', blob, { seq0: 200 }); // the same record again: stored once
    // One /live message per stored record, none for the duplicate, never the patient reference.
    const ecgMessages = pushed.mock.calls.map((c) => c[0]).filter((m) => m.type === 'ecg');
    expect(ecgMessages.map((m) => m.type === 'ecg' && m.record.recordId)).toEqual(['REC-1', 'REC-2']);
    expect(JSON.stringify(ecgMessages)).not.toContain(PATIENT);
    pushed.mockRestore();
    const res = await app.inject({ url: '/api/ecg/worklist', headers: auth('dr.li') });
    expect(res.statusCode).toBe(200);
    const { records } = res.json<{ records: EcgRecordView[] }>();
    expect(records.map((r) => [r.recordId, r.status, r.corruptCode, r.byteSize])).toEqual([
      ['REC-1', 'pending', null, 2000], ['REC-2', 'pending', 'TM_ERR_ECG_HASH_MISMATCH', 2000],
    ]);
    expect(JSON.stringify(records)).not.toContain(PATIENT);
    expect((await app.inject({ url: '/api/ecg/worklist', headers: auth('nurse.wu') })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/ecg/worklist' })).statusCode).toBe(401);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/telemed_hub_ecg_records_total\{outcome="TM_ERR_ECG_HASH_MISMATCH"\} 1/);
  });

  it('resumes a record from its stored chunks after a hub restart', async () => {
    await deliver(app, 'REC-3', blob, { storedOnly: 3, seq0: 300 });
    await deliver(app, 'REC-4', blob, { storedOnly: 2, seq0: 400, sha: Buffer.alloc(0) });
    const { records } = (await app.inject({ url: '/api/ecg/worklist', headers: auth('dr.li') })).json<{ records: EcgRecordView[] }>();
    expect(records.find((r) => r.recordId === 'REC-3')).toMatchObject({ corruptCode: null, byteSize: 2000 });
    // Without a hash on the first chunk nothing can be verified: stored, marked.
    expect(records.find((r) => r.recordId === 'REC-4')).toMatchObject({ corruptCode: 'TM_ERR_ECG_HASH_MISMATCH' });
  });

  it('returns metadata, and µV samples with ?samples=1', async () => {
    const { records } = (await app.inject({ url: '/api/ecg/worklist', headers: auth('dr.li') })).json<{ records: EcgRecordView[] }>();
    const id = records.find((r) => r.recordId === 'REC-1')!.id;
    const meta = (await app.inject({ url: `/api/ecg/records/${id}`, headers: auth('dr.li') })).json<Record<string, unknown>>();
    expect(meta).toMatchObject({ record: { id, recordId: 'REC-1', contentType: TYPE } });
    expect(meta.samples).toBeUndefined();
    const full = (await app.inject({ url: `/api/ecg/records/${id}?samples=1`, headers: auth('dr.li') })).json<{ samples: { sampleRateHz: number; leads: { name: string; uv: number[] }[] } }>();
    expect(full.samples.sampleRateHz).toBe(500);
    expect(full.samples.leads.map((l) => l.uv.length)).toEqual([500, 500]);
    expect(full.samples.leads[0]!.uv[0]).toBe(Buffer.from(blob).readInt16LE(0));
    expect(full.samples.leads[1]!.uv[3]).toBe(Buffer.from(blob).readInt16LE((500 + 3) * 2));
    expect((await app.inject({ url: '/api/ecg/records/999', headers: auth('dr.li') })).json()).toMatchObject({ code: 'TM_ERR_ECG_NOT_FOUND' });
  });

  it('claims: pending → in_reading; the same reader again is fine; another reader gets 409', async () => {
    const { records } = (await app.inject({ url: '/api/ecg/worklist', headers: auth('dr.li') })).json<{ records: EcgRecordView[] }>();
    const id = records.find((r) => r.recordId === 'REC-1')!.id;
    const first = await app.inject({ method: 'POST', url: `/api/ecg/records/${id}/claim`, headers: auth('dr.li') });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ record: { status: 'in_reading', claimedBy: 'dr.li' } });
    expect((await app.inject({ method: 'POST', url: `/api/ecg/records/${id}/claim`, headers: auth('dr.li') })).statusCode).toBe(200);
    const second = await app.inject({ method: 'POST', url: `/api/ecg/records/${id}/claim`, headers: auth('dr.wang') });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'TM_ERR_ECG_CLAIMED' });
    expect((await app.inject({ method: 'POST', url: `/api/ecg/records/${id}/claim`, headers: auth('nurse.wu') })).statusCode).toBe(403);
    expect(mem.text()).not.toContain(PATIENT);
  });
});
