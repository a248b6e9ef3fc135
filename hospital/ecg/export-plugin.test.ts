// GET /api/ecg/records/:id/export: the worklist record as DICOM / aECG, behind the same readers and
// site check as the record GET; the files pass dciodvfy and the HL7 schema and read back exactly.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, TrafficClass } from '../../protocols/index.js';
import { readEcgBytes } from '../../protocols/ecg/import.js';
import { dciodvfy, xmllintSchema } from '../../test/conformance/ecg-validators.js';
import { buildHospital } from '../app.js';
import { hashSecret } from '../auth/password.js';
import { FAST_SCRYPT, PASSWORDS, memoryLogger, tempDir, testConfig, type TempDir } from '../test-support.js';

const PATIENT = 'PAT-NEVER-LOG-77';
const TYPE = 'application/x-telemed-ecg-int16le;leads=2;rate=500';
/** 2 leads × 1000 samples of µV, lead-major (the cart blob of blob-format.ts). */
const uv = (lead: number, i: number): number => Math.round(800 * Math.sin(i / (7 + lead))) - 20 * lead;
const blob = (() => {
  const b = Buffer.alloc(2 * 1000 * 2);
  for (let l = 0; l < 2; l++) for (let i = 0; i < 1000; i++) b.writeInt16LE(uv(l, i), (l * 1000 + i) * 2);
  return new Uint8Array(b);
})();

async function deliver(app: FastifyInstance, gatewayId: string, recordId: string): Promise<void> {
  const raw = encodeEnvelope({
    header: { gatewayId, streamId: 'cart-1/ecg-record', seq: 1, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: Date.now() * 1e6 },
    ecgChunk: { recordId, offset: 0, totalSize: blob.length, data: blob, contentType: TYPE, patientRef: PATIENT, last: true, sha256: createHash('sha256').update(blob).digest() },
  });
  await app.hospital.store.storeFrames([{ gatewayId, streamId: 'cart-1/ecg-record', seq: 1, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, captureTimeNs: 0, receivedAtNs: 0, payloadKind: 'ecgChunk', raw }]);
  app.hospital.registry.emitFrame(gatewayId, decodeEnvelope(raw));
}

describe('ECG record export route', () => {
  let dir: TempDir;
  let app: FastifyInstance;
  const mem = memoryLogger();
  const tokens: Record<string, string> = {};
  let id = 0;
  let otherSiteId = 0;
  const get = (user: string, url: string) => app.inject({ method: 'GET', url, headers: user === '' ? {} : { authorization: `Bearer ${tokens[user] ?? ''}` } });

  beforeAll(async () => {
    dir = tempDir();
    const cfg = await testConfig(dir.path, {
      gateways: [
        { id: 'clinic-1', secretHash: await hashSecret('s1-secret-xyz', FAST_SCRYPT) },
        { id: 'clinic-2', secretHash: await hashSecret('s2-secret-xyz', FAST_SCRYPT) },
      ],
      users: [
        { username: 'dr.li', role: 'specialist', sites: ['clinic-1'], passwordHash: await hashSecret(PASSWORDS['dr.li'], FAST_SCRYPT) },
        { username: 'nurse.wu', role: 'clinician', sites: ['clinic-1'], passwordHash: await hashSecret(PASSWORDS['nurse.wu'], FAST_SCRYPT) },
        { username: 'it.admin', role: 'admin', passwordHash: await hashSecret(PASSWORDS['it.admin'], FAST_SCRYPT) },
      ],
    });
    app = await buildHospital(cfg, { logger: mem.logger });
    for (const [username, password] of Object.entries(PASSWORDS)) {
      tokens[username] = (await app.inject({ method: 'POST', url: '/api/login', payload: { username, password } })).json<{ token: string }>().token;
    }
    await deliver(app, 'clinic-1', 'REC-EXPORT-1');
    await deliver(app, 'clinic-2', 'REC-EXPORT-2');
    const list = (await get('it.admin', '/api/ecg/worklist')).json<{ records: { id: number; gatewayId: string }[] }>().records;
    id = list.find((r) => r.gatewayId === 'clinic-1')?.id ?? 0;
    otherSiteId = list.find((r) => r.gatewayId === 'clinic-2')?.id ?? 0;
  });
  afterAll(async () => { await app.close(); dir.remove(); });

  it('DICOM: a file dciodvfy accepts, named by the hub id only, reading back the cart µV exactly', async () => {
    const res = await get('dr.li', `/api/ecg/records/${id}/export?format=dicom`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/dicom');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="ecg-${id}.dcm"`);
    const path = join(dir.path, 'export.dcm');
    writeFileSync(path, res.rawPayload);
    const v = await dciodvfy(path);
    expect(v.errors).toEqual([]);
    expect(v.unaccepted).toEqual([]);
    const back = readEcgBytes(new Uint8Array(res.rawPayload), path);
    expect(back.sampleRateHz).toBe(500);
    expect(back.leads.map((l) => l.label)).toEqual(['L1', 'L2']);
    for (let l = 0; l < 2; l++) expect(Array.from(back.leads[l]?.samples ?? []).slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => uv(l, i)));
  });

  it('aECG: valid against the HL7 schema; admins may export too', async () => {
    const res = await get('it.admin', `/api/ecg/records/${id}/export?format=aecg`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    const path = join(dir.path, 'export.xml');
    writeFileSync(path, res.rawPayload);
    const v = await xmllintSchema(path);
    expect(v.valid, v.output).toBe(true);
    expect(readEcgBytes(new Uint8Array(res.rawPayload), path).leads[1]?.samples[10]).toBe(uv(1, 10));
  });

  it('the record GET\'s checks: no token 401, clinician 403, another site\'s record 404 (as no such id), bad format 400', async () => {
    expect((await get('', `/api/ecg/records/${id}/export?format=dicom`)).statusCode).toBe(401);
    expect((await get('nurse.wu', `/api/ecg/records/${id}/export?format=dicom`)).statusCode).toBe(403);
    const other = await get('dr.li', `/api/ecg/records/${otherSiteId}/export?format=dicom`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual((await get('dr.li', '/api/ecg/records/999999/export?format=dicom')).json());
    expect((await get('dr.li', `/api/ecg/records/${id}/export?format=pdf`)).statusCode).toBe(400);
    expect(mem.text()).not.toContain(PATIENT);
  });
});
