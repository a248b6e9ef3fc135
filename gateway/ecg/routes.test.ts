import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../protocols/index.js';
import { exportEcg } from '../../protocols/ecg/export.js';
import { simulatedRecord } from '../analysis/findings/sim-record.js';
import type { BuildFrameInput, OutFrame } from '../uplink/streams.js';
import { EcgService } from './ecg-service.js';
import { EcgRecordStore } from './record-store.js';
import { ecgRoutes } from './routes.js';
import type { GatewayEcgView } from './view.js';
import { WatchFolder } from './watch-folder.js';

const clock: Clock = { nowNs: () => Date.now() * 1e6, monoMs: () => performance.now() };
const log = pino({ level: 'silent' });
const uplink = { submit: (f: BuildFrameInput) => Promise.resolve({ streamId: f.streamId, seq: 1, env: { header: {}, ...f.payload } } as unknown as OutFrame) };

describe('gateway ECG API and watch folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tm-ecg-routes-'));
  const store = new EcgRecordStore(':memory:');
  const service = new EcgService({ store, uplink, clock, log, send: 'manual', gatewayId: 'gw-1', verifyKey: null });
  const app = Fastify({ logger: false });
  afterAll(async () => { await app.close(); store.close(); rmSync(dir, { recursive: true, force: true }); });

  it('imports a file (201 preview), serves it with samples, sends once (202 then 409), refuses junk with a code (422)', async () => {
    await app.register(ecgRoutes(service, store));
    const rec = { ...simulatedRecord({ seed: 8, durationS: 2 }), id: 'ignored' };
    const bytes = exportEcg(rec, 'aecg');
    const imp = await app.inject({ method: 'POST', url: '/api/ecg/import', headers: { 'content-type': 'application/octet-stream', 'x-filename': 'clinic-7.xml' }, payload: Buffer.from(bytes) });
    expect(imp.statusCode).toBe(201);
    const { record } = imp.json<{ record: GatewayEcgView }>();
    expect(record).toMatchObject({ state: 'preview', deviceId: 'import', leads: expect.arrayContaining(['V4R']) as unknown });
    const id = encodeURIComponent(record.recordId);
    const full = (await app.inject({ url: `/api/ecg/records/${id}?samples=1` })).json<{ samples: { sampleRateHz: number; leads: { lead: string; uv: number[] }[] } }>();
    expect(full.samples.sampleRateHz).toBe(500);
    expect(full.samples.leads).toHaveLength(18);
    expect(full.samples.leads[0]?.uv).toHaveLength(1000);
    expect((await app.inject({ method: 'POST', url: `/api/ecg/records/${id}/send` })).statusCode).toBe(202);
    const again = await app.inject({ method: 'POST', url: `/api/ecg/records/${id}/send` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'TM_ERR_ECG_STATE' });
    const junk = await app.inject({ method: 'POST', url: '/api/ecg/import', headers: { 'content-type': 'application/octet-stream', 'x-filename': 'x.bin' }, payload: Buffer.from('not an ecg at all') });
    expect(junk.statusCode).toBe(422);
    expect(junk.json<{ code: string }>().code).toMatch(/^TM_ERR_/);
    expect((await app.inject({ url: '/api/ecg/records/nope' })).statusCode).toBe(404);
    const list = (await app.inject({ url: '/api/ecg/records' })).json<{ records: GatewayEcgView[] }>();
    expect(list.records.map((r) => r.recordId)).toContain(record.recordId);
  });

  it('imports a watched file once it is stable, moves it to done/; a bad one to failed/ with its code', async () => {
    const ingested: string[] = [];
    // start() makes done/ and failed/; this one is stopped at once, the second is polled by hand.
    const setup = new WatchFolder({ dir, intervalMs: 1000, log, ingest: () => 'unused' });
    await setup.start();
    setup.stop();
    const w = new WatchFolder({ dir, intervalMs: 1000, log, ingest: (r) => { ingested.push(r.id); return 'ecg-x'; } });
    writeFileSync(join(dir, 'cart-export-1.xml'), exportEcg(simulatedRecord({ seed: 9, durationS: 1 }), 'aecg'));
    writeFileSync(join(dir, 'garbage.txt'), 'hello');
    await w.poll(); // first sight: sizes noted, nothing taken yet
    expect(ingested).toEqual([]);
    await w.poll();
    expect(ingested).toEqual(['cart-export-1']);
    expect(existsSync(join(dir, 'done', 'cart-export-1.xml'))).toBe(true);
    expect(existsSync(join(dir, 'failed', 'garbage.txt'))).toBe(true);
    expect(readFileSync(join(dir, 'failed', 'garbage.txt.error.txt'), 'utf8')).toMatch(/^TM_ERR_/);
    await w.poll();
    expect(ingested).toHaveLength(1);
    expect({ imported: w.imported, failed: w.failed }).toEqual({ imported: 1, failed: 1 });
  });

  it('gives a file import an opaque record id: the file name is kept as sourceName only, never in the id, URL, document or log', async () => {
    const lines: string[] = [];
    const seen = pino({ level: 'debug' }, { write: (l: string) => { lines.push(l); } });
    const s2 = new EcgRecordStore(':memory:');
    const svc = new EcgService({ store: s2, uplink, clock, log: seen, send: 'manual', gatewayId: 'gw-1', verifyKey: null });
    const app2 = Fastify({ logger: false });
    await app2.register(ecgRoutes(svc, s2));
    const bytes = exportEcg(simulatedRecord({ seed: 10, durationS: 1 }), 'aecg');
    const name = 'ZHANG Wei 1961-03-04.xml';
    const imp = await app2.inject({ method: 'POST', url: '/api/ecg/import', headers: { 'content-type': 'application/octet-stream', 'x-filename': encodeURIComponent(name) }, payload: Buffer.from(bytes) });
    expect(imp.statusCode).toBe(201);
    const { record } = imp.json<{ record: GatewayEcgView }>();
    expect(record.recordId).toMatch(/^ecg-[A-Za-z0-9_-]{12}$/);
    expect(record.sourceName).toBe('ZHANG Wei 1961-03-04');
    const { decodeEcgDocument } = await import('../../protocols/ecg/document/index.js');
    expect(decodeEcgDocument(s2.document(record.recordId)!.document).record.id).toBe(record.recordId);
    // The same file again is a duplicate (by its name), with a message that does not repeat it.
    const again = await app2.inject({ method: 'POST', url: '/api/ecg/import', headers: { 'content-type': 'application/octet-stream', 'x-filename': encodeURIComponent(name) }, payload: Buffer.from(bytes) });
    expect(again.statusCode).toBe(409);
    expect(again.body).not.toContain('ZHANG');
    expect(lines.join('')).not.toContain('ZHANG');
    await app2.close();
    s2.close();
  });

  it('refuses a device id past the wire limit at ingest (TM_ERR_ECG_ID_INVALID) and stores nothing', () => {
    const s3 = new EcgRecordStore(':memory:');
    const svc = new EcgService({ store: s3, uplink, clock, log, send: 'manual', gatewayId: 'gw-1', verifyKey: null });
    expect(() => svc.ingest(simulatedRecord({ seed: 11, durationS: 1 }), 'c'.repeat(130))).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_ID_INVALID' }) as Error);
    expect(s3.list()).toEqual([]);
    // A device record whose own id is not a safe token gets an opaque id too (kept as sourceName).
    const v = svc.ingest({ ...simulatedRecord({ seed: 12, durationS: 1 }), id: 'x'.repeat(200) }, 'cart-1');
    expect(v.recordId).toMatch(/^ecg-/);
    expect(v.sourceName).toHaveLength(200);
    s3.close();
  });
});
