// The decode pool's bounds on real threads: a full queue refuses at once with a stable code, a task
// past its deadline fails and its thread is replaced, and results come back intact.
import { afterEach, describe, expect, it } from 'vitest';
import { encodeLeadSamples } from '../../protocols/ecg/document/index.js';
import { telemed } from '../../protocols/index.js';
import { INVALID_SAMPLE } from '../../protocols/ecg/record.js';
import { EcgDecodePool } from './decode-pool.js';
import { pageLeadMicrovolts, pageOf } from './decode-task.js';

const DOC = 'application/x-telemed-ecg+protobuf';
const data = encodeLeadSamples(new Int32Array(2 ** 21), { gain: 1, units: 'uV', adcResolution: 16 }, { blockSize: 4096 });
const doc = telemed.v1.EcgDocument.encode({
  recordId: 'x', sampleRateHz: 500, frames: 2 ** 21,
  leads: [{ lead: 'I', label: 'I', sampleRateHz: 500, sampleCount: 2 ** 21, encoding: telemed.v1.EcgSampleEncoding.ECG_SAMPLE_ENCODING_DIFF_RICE, data }],
}).finish();

describe('EcgDecodePool', () => {
  let pool: EcgDecodePool;
  afterEach(async () => { await pool.close(); });

  it('describes and pages a document on a thread', async () => {
    pool = new EcgDecodePool({ threads: 1 });
    await expect(pool.run({ op: 'describe', contentType: DOC, blob: doc })).resolves.toMatchObject({ op: 'describe', meta: { sampleRateHz: 500, leads: ['I'] } });
    const res = await pool.run({ op: 'samples', contentType: DOC, blob: doc, request: { from: 10, count: 100, leads: ['I'], maxSamples: 1000 } });
    expect(res.op === 'samples' && [res.page.count, res.page.frames, res.page.leads[0]?.counts.length]).toEqual([100, 2 ** 21, 100]);
  }, 30_000);

  it('refuses a task with TM_ERR_ECG_DECODE_BUSY when the thread is busy and the queue is full', async () => {
    pool = new EcgDecodePool({ threads: 1, maxQueued: 1 });
    const first = pool.run({ op: 'describe', contentType: DOC, blob: doc });
    const second = pool.run({ op: 'describe', contentType: DOC, blob: doc });
    await expect(pool.run({ op: 'describe', contentType: DOC, blob: doc })).rejects.toMatchObject({ code: 'TM_ERR_ECG_DECODE_BUSY' });
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
  }, 30_000);

  it('fails a task past its deadline with TM_ERR_ECG_DECODE_FAILED and serves the next on a new thread', async () => {
    pool = new EcgDecodePool({ threads: 1, timeoutMs: 1 });
    await expect(pool.run({ op: 'describe', contentType: DOC, blob: doc })).rejects.toMatchObject({ code: 'TM_ERR_ECG_DECODE_FAILED' });
    expect(pool.pending).toBe(0);
  }, 30_000);

  it('keeps the task\'s own code for a bad document (TM_ERR_ECG_DOCUMENT)', async () => {
    pool = new EcgDecodePool({ threads: 1 });
    await expect(pool.run({ op: 'describe', contentType: DOC, blob: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({ code: 'TM_ERR_ECG_DOCUMENT' });
  }, 30_000);
});

describe('pageOf', () => {
  const lead = (name: string, n: number) => ({ name, uvPerCount: 2.5, baseline: 1, counts: Int32Array.from({ length: n }, (_, i) => i) });

  it('cuts the asked frames, pads a short lead with gaps, and refuses what is outside the record or the limit', () => {
    const p = pageOf(500, [lead('I', 10), lead('II', 6)], { from: 4, count: 4, leads: null, maxSamples: 100 });
    expect([p.frames, p.from, p.count]).toEqual([10, 4, 4]);
    expect(Array.from(p.leads[1]?.counts ?? [])).toEqual([4, 5, INVALID_SAMPLE, INVALID_SAMPLE]);
    expect(pageLeadMicrovolts(p.leads[1]!)).toEqual([7.5, 10, null, null]);
    expect(pageOf(500, [lead('I', 10)], { from: 8, count: null, leads: ['I'], maxSamples: 100 }).count).toBe(2);
    expect(() => pageOf(500, [lead('I', 10)], { from: 11, count: 1, leads: null, maxSamples: 100 })).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_SAMPLES_RANGE' }) as Error);
    expect(() => pageOf(500, [lead('I', 10)], { from: 0, count: 5, leads: ['V9'], maxSamples: 100 })).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_SAMPLES_RANGE' }) as Error);
    expect(() => pageOf(500, [lead('I', 10), lead('II', 10)], { from: 0, count: 60, leads: null, maxSamples: 100 })).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_SAMPLES_RANGE' }) as Error);
    expect(() => pageOf(500, [lead('I', 60), lead('II', 60)], { from: 0, count: null, leads: null, maxSamples: 100, whole: true })).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_SAMPLES_TOO_LARGE' }) as Error);
  });
});
