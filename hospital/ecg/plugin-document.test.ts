// The hub side of the EcgDocument (application/x-telemed-ecg+protobuf): decoded at arrival for the
// worklist fields and priority, stored marked when it does not decode, samples served in µV.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatedRecord } from '../../gateway/analysis/findings/sim-record.js';
import { prepareEcgRecord } from '../../gateway/ecg/prepare.js';
import { decodeEnvelope, encodeEnvelope, TrafficClass } from '../../protocols/index.js';
import { channelMicrovolts } from '../../protocols/ecg/record.js';
import { buildHospital } from '../app.js';
import { hashSecret } from '../auth/password.js';
import { FAST_SCRYPT, memoryLogger, PASSWORDS, tempDir, testConfig, type TempDir } from '../test-support.js';
import type { EcgRecordView } from './ecg-store.js';

const DOC = 'application/x-telemed-ecg+protobuf';
const PATIENT = 'PAT-DOC-NEVER-LOG-7';
let seq = 1;

async function deliver(app: FastifyInstance, recordId: string, blob: Uint8Array, contentType: string): Promise<void> {
  const sha = createHash('sha256').update(blob).digest();
  for (let o = 0; o < blob.length; o += 16_000) {
    const end = Math.min(blob.length, o + 16_000);
    const s = seq++;
    const raw = encodeEnvelope({
      header: { gatewayId: 'clinic-9', streamId: 'ecg/cart-9', seq: s, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: Date.now() * 1e6 },
      ecgChunk: { recordId, offset: o, totalSize: blob.length, data: blob.subarray(o, end), contentType, patientRef: PATIENT, last: end === blob.length, ...(o === 0 ? { sha256: sha } : {}) },
    });
    await app.hospital.store.storeFrames([{ gatewayId: 'clinic-9', streamId: 'ecg/cart-9', seq: s, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, captureTimeNs: 0, receivedAtNs: 0, payloadKind: 'ecgChunk', raw }]);
    app.hospital.registry.emitFrame('clinic-9', decodeEnvelope(raw));
  }
  // Stored at once; described on a decode thread (describer.ts) and in the worklist a moment later.
  expect(app.hospital.store.ecg.idOf('clinic-9', recordId)).toBeDefined();
  await vi.waitFor(() => expect(app.hospital.store.ecg.undescribed(10)).toEqual([]), { timeout: 15_000, interval: 20 });
}

describe('ECG worklist with EcgDocument records', () => {
  let dir: TempDir;
  let app: FastifyInstance;
  const mem = memoryLogger();
  let auth: { authorization: string };
  const normal = prepareEcgRecord({ ...simulatedRecord({ seed: 21 }), id: 'DOC-NORMAL', patient: { id: PATIENT, name: 'Never Logged', ageYears: 50, sex: 'M' } });
  const stemiRecord = { ...simulatedRecord({ seed: 22, rhythm: 'stemi' }), id: 'DOC-STEMI', statements: ['Sinus rhythm'] };
  const stemi = prepareEcgRecord(stemiRecord);

  beforeAll(async () => {
    dir = tempDir();
    const cfg = await testConfig(dir.path, {
      gateways: [{ id: 'clinic-9', secretHash: await hashSecret('clinic-9-secret', FAST_SCRYPT) }],
      users: [{ username: 'dr.li', role: 'specialist', sites: ['clinic-9'], passwordHash: await hashSecret(PASSWORDS['dr.li'], FAST_SCRYPT) }],
    });
    app = await buildHospital(cfg, { logger: mem.logger });
    const token = (await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'dr.li', password: PASSWORDS['dr.li'] } })).json<{ token: string }>().token;
    auth = { authorization: `Bearer ${token}` };
  });
  afterAll(async () => { await app.close(); dir.remove(); });

  it('stores the analysis and metadata, puts the critical record first, and pushes them on /live', async () => {
    const pushed = vi.spyOn(app.hospital.live, 'broadcast');
    await deliver(app, 'DOC-NORMAL', normal.document, DOC);
    await deliver(app, 'DOC-STEMI', stemi.document, DOC);
    const live = pushed.mock.calls.map((c) => c[0]).filter((m) => m.type === 'ecg');
    pushed.mockRestore();
    expect(live.map((m) => m.type === 'ecg' && m.record.priority)).toEqual([0, 3]);
    const { records } = (await app.inject({ url: '/api/ecg/worklist', headers: auth })).json<{ records: EcgRecordView[] }>();
    expect(records.map((r) => [r.recordId, r.priority, r.corruptCode])).toEqual([['DOC-STEMI', 3, null], ['DOC-NORMAL', 0, null]]);
    const s = records[0]!;
    expect(s).toMatchObject({ contentType: DOC, verdict: stemi.analysis.verdict, heartRateBpm: stemi.analysis.heartRateBpm, durationS: 10, sampleRateHz: 500, statements: ['Sinus rhythm'] });
    expect(s.leads).toHaveLength(18);
    expect(s.findings.map((f) => f.code)).toContain('TM_ECG_STEMI');
    expect(s.leadQuality).toEqual(stemi.analysis.leadQuality);
    expect(JSON.stringify(records) + JSON.stringify(live) + mem.text()).not.toContain(PATIENT);
  });

  it('returns µV per lead for a document record', async () => {
    const { records } = (await app.inject({ url: '/api/ecg/worklist', headers: auth })).json<{ records: EcgRecordView[] }>();
    const id = records.find((r) => r.recordId === 'DOC-STEMI')!.id;
    const body = (await app.inject({ url: `/api/ecg/records/${id}?samples=1`, headers: auth })).json<{ samples: { sampleRateHz: number; leads: { name: string; uv: number[] }[] } }>();
    expect(body.samples.sampleRateHz).toBe(500);
    expect(body.samples.leads.map((l) => l.name)).toEqual(stemiRecord.leads.map((l) => l.lead));
    const v4 = channelMicrovolts(stemiRecord.leads[9]!);
    expect(body.samples.leads[9]!.uv).toHaveLength(5000);
    body.samples.leads[9]!.uv.forEach((v, i) => { if (Math.abs(v - (v4[i] ?? 0)) > 0.001) throw new Error(`V4 sample ${i}: ${v} vs ${v4[i]}`); });
  });

  it('stores a document that does not decode as corrupt (TM_ERR_ECG_DOCUMENT), never drops it, and answers 422 for its samples', async () => {
    const garbage = new Uint8Array(normal.document.subarray(0, 3000));
    garbage.fill(0xff, 100, 200);
    await deliver(app, 'DOC-BAD', garbage, DOC);
    const { records } = (await app.inject({ url: '/api/ecg/worklist', headers: auth })).json<{ records: EcgRecordView[] }>();
    const bad = records.find((r) => r.recordId === 'DOC-BAD');
    expect(bad).toMatchObject({ corruptCode: 'TM_ERR_ECG_DOCUMENT', priority: 0, findings: [], leads: [], heartRateBpm: null });
    const res = await app.inject({ url: `/api/ecg/records/${bad!.id}?samples=1`, headers: auth });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'TM_ERR_ECG_DOCUMENT' });
    expect((await app.inject({ url: '/metrics' })).body).toMatch(/telemed_hub_ecg_records_total\{outcome="TM_ERR_ECG_DOCUMENT"\} 1/);
  });
});
