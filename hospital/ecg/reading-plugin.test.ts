import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, telemed, TrafficClass, type EnvelopeInit } from '../../protocols/index.js';
import { buildHospital } from '../app.js';
import { hashSecret } from '../auth/password.js';
import { FAST_SCRYPT, loginAll, memoryLogger, PASSWORDS, recordingSession, tempDir, testConfig, type TempDir } from '../test-support.js';
import type { EcgAuditEvent } from './audit-store.js';
import { loadVerifyKey, verifyDiagnosis } from '../../protocols/ecg/diagnosis-signature.js';
import { SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE } from './diagnosis-signature.js';
import type { DiagnosisView } from './diagnosis-store.js';
import type { EcgRecordView } from './ecg-store.js';

const PATIENT = 'PAT-NEVER-LOG-77';
const TYPE = 'application/x-telemed-ecg-int16le;leads=2;rate=500';
const users = { 'dr.li': PASSWORDS['dr.li'], 'dr.wang': 'wang-password-xyz' } as const;
const v1 = telemed.v1;

/** Stores and emits one record's chunks as the uplink does (see plugin.test.ts). */
async function deliver(app: FastifyInstance, recordId: string, blob: Uint8Array, seq0: number, sha?: Uint8Array): Promise<void> {
  const hash = sha ?? createHash('sha256').update(blob).digest();
  for (let o = 0, n = 0; o < blob.length; o += 700, n++) {
    const end = Math.min(blob.length, o + 700);
    const seq = seq0 + n;
    const raw = encodeEnvelope({
      header: { gatewayId: 'clinic-1', streamId: 'cart-1/ecg-record', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: 1 },
      ecgChunk: { recordId, offset: o, totalSize: blob.length, data: blob.subarray(o, end), contentType: TYPE, patientRef: PATIENT, last: end === blob.length, ...(o === 0 ? { sha256: hash } : {}) },
    });
    await app.hospital.store.storeFrames([{ gatewayId: 'clinic-1', streamId: 'cart-1/ecg-record', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, captureTimeNs: 0, receivedAtNs: 0, payloadKind: 'ecgChunk', raw }]);
    app.hospital.registry.emitFrame('clinic-1', decodeEnvelope(raw));
  }
}

describe('ECG reading workflow: diagnosis, audit, relay', () => {
  let dir: TempDir;
  let app: FastifyInstance;
  const mem = memoryLogger();
  const tokens: Record<string, string> = {};
  const sent: EnvelopeInit[] = [];
  const blob = new Uint8Array(Buffer.alloc(2 * 500 * 2).map((_, i) => (i * 7) % 251));
  const auth = (u: keyof typeof users) => ({ authorization: `Bearer ${tokens[u] ?? ''}` });
  const idOf = async (recordId: string): Promise<number> =>
    (await app.inject({ url: '/api/ecg/worklist', headers: auth('dr.li') })).json<{ records: EcgRecordView[] }>().records.find((r) => r.recordId === recordId)!.id;
  const post = (id: number, u: keyof typeof users, payload: unknown) =>
    app.inject({ method: 'POST', url: `/api/ecg/records/${id}/diagnosis`, headers: auth(u), payload: payload as Record<string, unknown> });

  beforeAll(async () => {
    dir = tempDir();
    const cfg = await testConfig(dir.path, {
      users: [
        { username: 'dr.li', role: 'specialist', sites: ['clinic-1'], passwordHash: await hashSecret(users['dr.li'], FAST_SCRYPT) },
        { username: 'dr.wang', role: 'specialist', sites: ['clinic-1'], passwordHash: await hashSecret(users['dr.wang'], FAST_SCRYPT) },
      ],
    });
    app = await buildHospital(cfg, { logger: mem.logger });
    app.hospital.registry.attach('clinic-1', recordingSession(sent), { siteKind: 'clinic', siteName: 'test clinic' });
    Object.assign(tokens, await loginAll(app, users));
    await deliver(app, 'REC-A', blob, 1);
    await deliver(app, 'REC-BAD', blob, 100, Buffer.alloc(32));
  });
  afterAll(async () => { await app.close(); dir.remove(); });

  it('relays RECEIVED for a good record and REJECTED with the code for a corrupt one, durable', () => {
    const statuses = sent.filter((e) => e.ecgStatus != null);
    expect(statuses.map((e) => [e.ecgStatus?.recordId, e.ecgStatus?.state, e.ecgStatus?.reasonCode])).toEqual([
      ['REC-A', v1.EcgReadingState.ECG_READING_STATE_RECEIVED, ''],
      ['REC-BAD', v1.EcgReadingState.ECG_READING_STATE_REJECTED, 'TM_ERR_ECG_HASH_MISMATCH'],
    ]);
    expect(statuses.every((e) => e.header?.durable === true && e.header.streamId === 'ecg-status')).toBe(true);
    expect(statuses.map((e) => e.header?.seq)).toEqual([1, 2]);
  });

  it('refuses a diagnosis from anyone but the claiming reader (409) and bad bodies (400 with code)', async () => {
    const id = await idOf('REC-A');
    expect((await post(id, 'dr.li', { statements: ['Sinus rhythm'], text: '', critical: false })).json()).toMatchObject({ code: 'TM_ERR_ECG_CLAIMED' });
    expect((await app.inject({ method: 'POST', url: `/api/ecg/records/${id}/claim`, headers: auth('dr.li') })).statusCode).toBe(200);
    const inReading = sent.at(-1)?.ecgStatus;
    expect(inReading).toMatchObject({ recordId: 'REC-A', state: v1.EcgReadingState.ECG_READING_STATE_IN_READING, readerName: 'dr.li' });
    const other = await post(id, 'dr.wang', { statements: ['Sinus rhythm'], text: '', critical: false });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'TM_ERR_ECG_CLAIMED' });
    for (const bad of [{ text: 'no statements' }, { statements: [], text: '   ' }, { statements: ['a'], text: 'x'.repeat(9000) }, { statements: [{}], text: '' }]) {
      const res = await post(id, 'dr.li', bad);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'TM_ERR_ECG_DIAGNOSIS_INVALID' });
    }
    expect((await post(999, 'dr.li', { statements: ['a'], text: '' })).statusCode).toBe(404);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/telemed_hub_ecg_diagnoses_total\{outcome="TM_ERR_ECG_DIAGNOSIS_INVALID"\} 4/);
  });

  it('signs, stores, reports and relays a diagnosis; an amendment is revision 2 on the critical stream', async () => {
    const id = await idOf('REC-A');
    const res = await post(id, 'dr.li', { statements: ['Sinus rhythm', 'Normal ECG'], text: 'No acute changes.', critical: false });
    expect(res.statusCode).toBe(201);
    const { record, diagnosis } = res.json<{ record: EcgRecordView & { diagnosis: DiagnosisView }; diagnosis: DiagnosisView }>();
    expect(record).toMatchObject({ status: 'reported', claimedBy: 'dr.li', diagnosis: { revision: 1 } });
    expect(diagnosis).toMatchObject({ readerName: 'dr.li', statements: ['Sinus rhythm', 'Normal ECG'], revision: 1, signatureAlg: 'ed25519', critical: false });
    // The key files of first start: the private key 0600, its public half what gateways enrol.
    expect(statSync(join(dir.path, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir.path, SIGNING_KEY_FILE), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const key = loadVerifyKey(join(dir.path, SIGNING_PUBLIC_KEY_FILE));
    expect(diagnosis.signingKeyId).toBe(key.keyId);
    const content = {
      recordId: 'REC-A', gatewayId: 'clinic-1', statements: diagnosis.statements, text: diagnosis.text, critical: false,
      reader: 'dr.li', signedAtMs: Date.parse(diagnosis.signedAt), revision: 1,
    };
    const signed = { signatureAlg: diagnosis.signatureAlg, signature: Buffer.from(diagnosis.signature, 'hex'), keyId: key.keyId };
    expect(verifyDiagnosis(key, { ...signed, content })).toBe('verified');
    expect(verifyDiagnosis(key, { ...signed, content: { ...content, text: 'tampered' } })).toBe('unverified');

    const dx = sent.at(-1);
    expect(dx?.header).toMatchObject({ streamId: 'ecg-dx', durable: true, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS });
    expect(dx?.diagnosis).toMatchObject({ recordId: 'REC-A', diagnosisId: diagnosis.diagnosisId, readerName: 'dr.li', revision: 1, signatureAlg: 'ed25519', signingKeyId: key.keyId });
    expect(Buffer.from(dx?.diagnosis?.signature ?? []).toString('hex')).toBe(diagnosis.signature);

    const amended = (await post(id, 'dr.li', { statements: ['Acute inferior STEMI'], text: 'Call now.', critical: true })).json<{ diagnosis: DiagnosisView }>();
    expect(amended.diagnosis.revision).toBe(2);
    expect(sent.at(-1)?.header).toMatchObject({ streamId: 'ecg-dx/critical', trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true });
    const shown = (await app.inject({ url: `/api/ecg/records/${id}`, headers: auth('dr.wang') })).json<{ record: { diagnosis: DiagnosisView } }>();
    expect(shown.record.diagnosis).toMatchObject({ revision: 2, critical: true, statements: ['Acute inferior STEMI'] });
    const listed = (await app.inject({ url: '/api/ecg/worklist', headers: auth('dr.wang') })).json<{ records: (EcgRecordView & { diagnosis: DiagnosisView | null })[] }>();
    expect(listed.records.find((r) => r.id === id)?.diagnosis?.revision).toBe(2);
    expect(listed.records.find((r) => r.recordId === 'REC-BAD')?.diagnosis).toBeNull();
    // Another reader still cannot amend.
    expect((await post(id, 'dr.wang', { statements: ['x'], text: '' })).statusCode).toBe(409);
  });

  it('keeps an audit trail of arrival, claim, diagnosis, amendment and each relay', async () => {
    const id = await idOf('REC-A');
    const res = await app.inject({ url: `/api/ecg/records/${id}/audit`, headers: auth('dr.wang') });
    expect(res.statusCode).toBe(200);
    const events = res.json<{ events: EcgAuditEvent[] }>().events;
    expect(events.map((e) => [e.actor, e.action])).toEqual([
      ['hub', 'received'], ['hub', 'relay-queued'], ['dr.li', 'claim'], ['hub', 'relay-queued'],
      ['dr.li', 'diagnosis'], ['hub', 'relay-queued'], ['dr.li', 'amend'], ['hub', 'relay-queued'],
    ]);
    expect(events[6]?.detail).toContain('revision=2');
    expect((await app.inject({ url: `/api/ecg/records/${await idOf('REC-BAD')}/audit`, headers: auth('dr.li') })).json<{ events: EcgAuditEvent[] }>()
      .events.map((e) => e.action)).toEqual(['rejected', 'relay-queued']);
    expect((await app.inject({ url: '/api/ecg/records/424242/audit', headers: auth('dr.li') })).statusCode).toBe(404);
    expect(existsSync(join(dir.path, SIGNING_KEY_FILE))).toBe(true);
    expect(mem.text()).not.toContain(PATIENT);
  });

  it("audits 'relay-delivered' with stream and seq when the gateway's ack takes a relay frame out of the downlink outbox", async () => {
    const audit = async (recordId: string): Promise<EcgAuditEvent[]> =>
      (await app.inject({ url: `/api/ecg/records/${await idOf(recordId)}/audit`, headers: auth('dr.li') })).json<{ events: EcgAuditEvent[] }>().events;
    const delivered = async (recordId: string): Promise<string[]> =>
      (await audit(recordId)).filter((e) => e.action === 'relay-delivered').map((e) => e.detail);
    const outbox = app.hospital.store.downlink;
    expect(await delivered('REC-A')).toEqual([]); // queued and sent, but not acked yet
    // What the session does on an Ack from the gateway (cumulative per stream).
    outbox.ack('clinic-1', 'ecg-status', 2); // REC-A received (1), REC-BAD rejected (2)
    outbox.ack('clinic-1', 'ecg-dx', 1);
    expect(await delivered('REC-A')).toEqual(['status=received stream=ecg-status seq=1', 'diagnosis revision=1 stream=ecg-dx seq=1']);
    expect(await delivered('REC-BAD')).toEqual(['status=rejected stream=ecg-status seq=2']);
    outbox.ack('clinic-1', 'ecg-status', 3); // in reading
    outbox.ack('clinic-1', 'ecg-status', 3); // the same ack again: nothing left, nothing audited twice
    outbox.ack('clinic-1', 'ecg-dx/critical', 1);
    expect(await delivered('REC-A')).toEqual([
      'status=received stream=ecg-status seq=1', 'diagnosis revision=1 stream=ecg-dx seq=1',
      'status=in-reading stream=ecg-status seq=3', 'diagnosis revision=2 stream=ecg-dx/critical seq=1',
    ]);
    expect((await audit('REC-A')).at(-1)).toMatchObject({ actor: 'hub', action: 'relay-delivered' });
    expect(outbox.pending('clinic-1')).toEqual([]);
  });
});
