import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeEnvelope, encodeEnvelope, TrafficClass, type EnvelopeInit } from '../../protocols/index.js';
import { buildHospital } from '../app.js';
import { hashSecret } from '../auth/password.js';
import { FAST_SCRYPT, loginAll, memoryLogger, PASSWORDS, recordingSession, tempDir, testConfig, type TempDir } from '../test-support.js';
import type { EcgAuditEvent } from './audit-store.js';
import type { RecordWithDiagnosis } from './reading-plugin.js';

/**
 * Issue 12, item 14: claims end (release, admin reassign, timeout), and a refused diagnosis relay
 * is retried until the registry takes it, with its state on the record the reader sees. On the old
 * hub a claim held a record for ever and a refused relay was audited 'relay-deferred' and dropped.
 */
const users = { 'dr.li': PASSWORDS['dr.li'], 'dr.wang': 'wang-password-xyz', 'it.admin': PASSWORDS['it.admin'] } as const;
type Who = keyof typeof users;

describe('ECG claims and relay retry', () => {
  let dir: TempDir;
  let app: FastifyInstance;
  const tokens = {} as Record<Who, string>;
  const sent: EnvelopeInit[] = [];
  let id = 0;
  const auth = (u: Who) => ({ authorization: `Bearer ${tokens[u]}` });
  const post = (path: string, u: Who, payload?: Record<string, unknown>) => app.inject({ method: 'POST', url: `/api/ecg/records/${id}/${path}`, headers: auth(u), ...(payload ? { payload } : {}) });
  const record = async (): Promise<RecordWithDiagnosis> => (await app.inject({ url: `/api/ecg/records/${id}`, headers: auth('it.admin') })).json<{ record: RecordWithDiagnosis }>().record;
  const trail = async (): Promise<EcgAuditEvent[]> => (await app.inject({ url: `/api/ecg/records/${id}/audit`, headers: auth('it.admin') })).json<{ events: EcgAuditEvent[] }>().events;

  async function start(ecg: Record<string, unknown>): Promise<void> {
    dir = tempDir();
    app = await buildHospital(await testConfig(dir.path, {
      ecg,
      users: [
        { username: 'dr.li', role: 'specialist', sites: ['clinic-1'], passwordHash: await hashSecret(users['dr.li'], FAST_SCRYPT) },
        { username: 'dr.wang', role: 'specialist', sites: ['clinic-1'], passwordHash: await hashSecret(users['dr.wang'], FAST_SCRYPT) },
        { username: 'it.admin', role: 'admin', passwordHash: await hashSecret(users['it.admin'], FAST_SCRYPT) },
      ],
    }), { logger: memoryLogger().logger });
    app.hospital.registry.attach('clinic-1', recordingSession(sent), { siteKind: 'clinic', siteName: 'test clinic' });
    Object.assign(tokens, await loginAll(app, users));
    const blob = new Uint8Array(1000).map((_, i) => i % 251);
    const raw = encodeEnvelope({
      header: { gatewayId: 'clinic-1', streamId: 'cart-1/ecg-record', seq: 1, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: 1 },
      ecgChunk: { recordId: 'REC-C', offset: 0, totalSize: 1000, data: blob, contentType: 'application/x-telemed-ecg-int16le;leads=2;rate=500', patientRef: 'P', last: true, sha256: createHash('sha256').update(blob).digest() },
    });
    await app.hospital.store.storeFrames([{ gatewayId: 'clinic-1', streamId: 'cart-1/ecg-record', seq: 1, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, captureTimeNs: 0, receivedAtNs: 0, payloadKind: 'ecgChunk', raw }]);
    app.hospital.registry.emitFrame('clinic-1', decodeEnvelope(raw));
    id = app.hospital.store.ecg.idOf('clinic-1', 'REC-C') ?? -1;
  }
  beforeEach(() => { sent.length = 0; });
  afterEach(async () => { await app.close(); dir.remove(); });

  it('lets the holder release a claim (others 409), and an admin release and reassign', async () => {
    await start({});
    expect((await post('claim', 'dr.li')).statusCode).toBe(200);
    expect((await post('claim', 'dr.wang')).statusCode).toBe(409);
    expect((await post('release', 'dr.wang')).json()).toMatchObject({ code: 'TM_ERR_ECG_CLAIMED' });
    expect((await post('release', 'dr.li')).json<{ record: RecordWithDiagnosis }>().record).toMatchObject({ status: 'pending', claimedBy: null });
    expect((await post('claim', 'dr.wang')).statusCode).toBe(200);
    // Admin: hand it to dr.li (a specialist of the record's site), then take it back.
    expect((await post('reassign', 'it.admin', { to: 'nurse.wu' })).json()).toMatchObject({ code: 'TM_ERR_BAD_REQUEST' });
    expect((await post('reassign', 'dr.li', { to: 'dr.li' })).statusCode).toBe(403);
    expect((await post('reassign', 'it.admin', { to: 'dr.li' })).json<{ record: RecordWithDiagnosis }>().record).toMatchObject({ status: 'in_reading', claimedBy: 'dr.li' });
    expect((await post('diagnosis', 'dr.wang', { statements: ['x'], text: '' })).statusCode).toBe(409);
    expect((await post('release', 'it.admin')).statusCode).toBe(200);
    expect((await trail()).map((e) => `${e.actor}:${e.action}`).filter((a) => !a.startsWith('hub:'))).toEqual([
      'dr.li:claim', 'dr.li:release', 'dr.wang:claim', 'it.admin:reassign', 'it.admin:release',
    ]);
    // The clinic was told: back to received, in reading by dr.li, received again.
    expect(sent.filter((e) => e.ecgStatus != null).map((e) => `${String(e.ecgStatus?.state)}:${e.ecgStatus?.readerName ?? ''}`)).toEqual(['1:', '2:dr.li', '1:', '2:dr.wang', '2:dr.li', '1:']);
  });

  it('puts a claim nobody reports back in the worklist after ecg.claimTimeoutMs', async () => {
    await start({ claimTimeoutMs: 1000 });
    expect((await post('claim', 'dr.li')).statusCode).toBe(200);
    await expect.poll(async () => (await record()).status, { timeout: 5000, interval: 200 }).toBe('pending');
    expect((await trail()).some((e) => e.action === 'claim-expired' && e.detail.includes('holder=dr.li'))).toBe(true);
    expect((await post('claim', 'dr.wang')).statusCode).toBe(200);
  });

  it('retries a refused diagnosis relay until it is taken, and shows the reader deferred then queued', async () => {
    await start({ relayRetryMs: 50 });
    const registry = app.hospital.registry;
    const real = registry.sendToGateway.bind(registry);
    let refuse = true;
    const spy = vi.spyOn(registry, 'sendToGateway').mockImplementation((gw, env) => (refuse && env.diagnosis != null ? 'backpressure' : real(gw, env)));
    expect((await post('claim', 'dr.li')).statusCode).toBe(200);
    const res = await post('diagnosis', 'dr.li', { statements: ['Sinus rhythm'], text: 'Normal ECG' });
    expect(res.statusCode).toBe(201);
    expect((await record()).relay).toMatchObject({ state: 'deferred', revision: 1 });
    await new Promise((r) => setTimeout(r, 200)); // several retry periods, all refused
    expect(sent.some((e) => e.diagnosis != null)).toBe(false);
    expect((await trail()).filter((e) => e.action === 'relay-deferred')).toHaveLength(1); // one line, not one per retry
    refuse = false;
    await expect.poll(() => sent.filter((e) => e.diagnosis != null).length, { timeout: 3000 }).toBe(1);
    expect((await trail()).filter((e) => e.action === 'relay-resent').map((e) => e.detail)).toEqual([expect.stringMatching(/^diagnosis revision=1 stream=ecg-dx result=sent/)]);
    expect((await record()).relay).toMatchObject({ state: 'queued', revision: 1 });
    spy.mockRestore();
  });
});
