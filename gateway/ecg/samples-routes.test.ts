// The clinic page's samples on threads (issue 12 item 13 on the gateway): a record past one page is
// refused with 413 and a code instead of a body the size of the record, pages read it instead, and
// while a large document decodes the gateway's event loop keeps answering /healthz.
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLeadSamples } from '../../protocols/ecg/document/index.js';
import { telemed, type Clock } from '../../protocols/index.js';
import { simulatedRecord } from '../analysis/findings/sim-record.js';
import type { BuildFrameInput, OutFrame } from '../uplink/streams.js';
import { EcgService } from './ecg-service.js';
import { EcgRecordStore } from './record-store.js';
import { ecgRoutes } from './routes.js';
import { GatewaySamplesPool, MAX_PAGE_SAMPLES } from './samples-pool.js';

const clock: Clock = { nowNs: () => Date.now() * 1e6, monoMs: () => performance.now() };
const uplink = { submit: (f: BuildFrameInput) => Promise.resolve({ streamId: f.streamId, seq: 1, env: { header: {}, ...f.payload } } as unknown as OutFrame) };

/** 2 leads × 2^21 samples of pseudo-random noise: ~250 ms to decode on an idle core, 23 pages' worth. */
function hugeDocument(): Uint8Array {
  const n = 2 ** 21;
  const s = new Int32Array(n);
  let x = 7;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; s[i] = ((x >>> 16) % 2000) - 1000; }
  const data = encodeLeadSamples(s, { gain: 1, units: 'uV', adcResolution: 16 }, { blockSize: 4096 });
  const leads = ['I', 'II'].map((lead) => ({
    lead, label: lead, sampleRateHz: 500, sampleCount: n, encoding: telemed.v1.EcgSampleEncoding.ECG_SAMPLE_ENCODING_DIFF_RICE, data,
  }));
  return telemed.v1.EcgDocument.encode({ recordId: 'huge-1', sampleRateHz: 500, frames: n, leads }).finish();
}

describe('gateway ECG samples off the event loop, bounded', () => {
  const store = new EcgRecordStore(':memory:');
  const service = new EcgService({ store, uplink, clock, log: pino({ level: 'silent' }), send: 'manual', gatewayId: 'gw-1', verifyKey: null });
  // A long deadline: CI shares two cores; the deadline itself is tested on the shared pool in hospital/ecg/decode-pool.test.ts.
  const pool = new GatewaySamplesPool({ timeoutMs: 60_000 });
  const app = Fastify({ logger: false });
  let base = '';
  let small = '';
  let long = '';

  beforeAll(async () => {
    app.get('/healthz', () => ({ ok: true }));
    await app.register(ecgRoutes(service, store, { pool }));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    small = service.ingest(simulatedRecord({ seed: 3, durationS: 10 }), 'cart-1').recordId;
    // 30 s × 18 leads at 500 Hz = 270 000 samples: more than one page of 180 000.
    long = service.ingest(simulatedRecord({ seed: 4, durationS: 30 }), 'cart-1').recordId;
    const meta = store.get(small);
    if (meta === undefined) throw new Error('small record not stored');
    store.insert({ ...meta, recordId: 'huge-1', streamId: 'ecg/cart-1', document: hugeDocument(), sha256: new Uint8Array(32), patientRef: '' }, Date.now());
  }, 30_000);
  afterAll(async () => { await app.close(); await pool.close(); store.close(); });

  it('serves a 10 s record whole with ?samples=1, as before (lead names, µV)', async () => {
    const body = await (await fetch(`${base}/api/ecg/records/${small}?samples=1`)).json() as { samples: { sampleRateHz: number; leads: { lead: string; uv: number[] }[] } };
    expect(body.samples.sampleRateHz).toBe(500);
    expect(body.samples.leads).toHaveLength(18);
    expect(body.samples.leads.map((l) => l.uv.length)).toEqual(new Array(18).fill(5000));
    expect(body.samples.leads[1]?.lead).toBe('II');
  }, 20_000);

  it('refuses ?samples=1 past one page with 413 TM_ERR_ECG_SAMPLES_TOO_LARGE; the pages read the same record', async () => {
    const res = await fetch(`${base}/api/ecg/records/${long}?samples=1`);
    expect(res.status).toBe(413);
    expect((await res.json() as { code: string }).code).toBe('TM_ERR_ECG_SAMPLES_TOO_LARGE');
    const first = await (await fetch(`${base}/api/ecg/records/${long}/samples`)).json() as { frames: number; count: number; next: number | null; leads: { uv: number[] }[] };
    expect(first.frames).toBe(15_000);
    expect(first.count).toBe(Math.floor(MAX_PAGE_SAMPLES / 18));
    expect(first.next).toBe(first.count);
    const last = await (await fetch(`${base}/api/ecg/records/${long}/samples?from=${first.next ?? 0}&leads=II`)).json() as { count: number; next: number | null; leads: { uv: number[] }[] };
    expect([last.count, last.next, last.leads.length]).toEqual([15_000 - first.count, null, 1]);
    const over = await fetch(`${base}/api/ecg/records/${long}/samples?count=20000`);
    expect([over.status, (await over.json() as { code: string }).code]).toEqual([400, 'TM_ERR_ECG_SAMPLES_RANGE']);
    const bad = await fetch(`${base}/api/ecg/records/${long}/samples?from=-1`);
    expect([bad.status, (await bad.json() as { code: string }).code]).toEqual([400, 'TM_ERR_ECG_SAMPLES_RANGE']);
    expect((await fetch(`${base}/api/ecg/records/nope/samples`)).status).toBe(404);
  }, 20_000);

  it('answers /healthz while a 4 M-sample document decodes on the thread, then refuses it (413)', async () => {
    const samples = fetch(`${base}/api/ecg/records/huge-1?samples=1`);
    let done = false;
    void samples.then(() => { done = true; });
    // Wait (bounded) until the decode is running on the thread, then ask the event loop.
    const t0 = Date.now();
    while (pool.pending === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 2));
    expect(pool.pending).toBe(1);
    let answered = 0;
    while (!done && pool.pending === 1) {
      const h = await fetch(`${base}/healthz`);
      if (h.status === 200 && pool.pending === 1) answered++;
    }
    expect(answered, 'no /healthz answer while the document decoded: the decode blocks the event loop').toBeGreaterThan(0);
    const res = await samples;
    expect([res.status, await res.text()]).toEqual([413, expect.stringContaining('TM_ERR_ECG_SAMPLES_TOO_LARGE')]);
  }, 30_000);

  it('a full queue is refused with 503 TM_ERR_ECG_DECODE_BUSY and Retry-After, not queued without bound', async () => {
    const busy = new GatewaySamplesPool({ threads: 1, maxQueued: 0, timeoutMs: 60_000 });
    const app2 = Fastify({ logger: false });
    await app2.register(ecgRoutes(service, store, { pool: busy }));
    try {
      // inject() starts on then(); wait until the first task holds the only thread.
      const first = app2.inject({ url: '/api/ecg/records/huge-1?samples=1' }).then((r) => r);
      const t0 = Date.now();
      while (busy.pending === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 2));
      const second = await app2.inject({ url: `/api/ecg/records/${small}?samples=1` });
      expect([second.statusCode, second.json<{ code: string }>().code, second.headers['retry-after']]).toEqual([503, 'TM_ERR_ECG_DECODE_BUSY', '2']);
      expect([(await first).statusCode, (await first).body]).toEqual([413, expect.stringContaining('TM_ERR_ECG_SAMPLES_TOO_LARGE')]);
    } finally {
      await app2.close();
      await busy.close();
    }
  }, 30_000);
});
