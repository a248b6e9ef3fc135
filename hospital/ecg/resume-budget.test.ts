// A chunk of a record the hub is not assembling (offset > 0) makes it scan up to 512 stored frames
// for the record's start (hub restarted mid-upload). Unbounded, one gateway sending small chunks of
// unknown records cost the hub ~500x what it sent: in test/integration/uplink-pacing, chunks cut
// from records that each ended at once took 2 s of the hub's event loop in 5 s and delayed every
// frame it read. Each gateway now has a budget of scans; past it chunks are assembled with a gap.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, TrafficClass } from '../../protocols/index.js';
import { hubWithAttachedGateways, tempDir, type TempDir } from '../test-support.js';
import { ResumeBudget } from './recover.js';

let seq = 1;
const strayChunk = (gatewayId: string, recordId: string): ReturnType<typeof decodeEnvelope> => decodeEnvelope(encodeEnvelope({
  header: { gatewayId, streamId: 'ecg/records', seq: seq++, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: Date.now() * 1e6 },
  ecgChunk: { recordId, offset: 4096, totalSize: 1 << 20, data: new Uint8Array(64) },
}));

describe('scans for a resumed ECG record\'s start, per gateway', () => {
  let dir: TempDir;
  let app: FastifyInstance;
  const scans = async (): Promise<Record<string, number>> => {
    const text = await app.hospital.metrics.registry.getSingleMetricAsString('telemed_hub_ecg_resume_scans_total');
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^telemed_hub_ecg_resume_scans_total\{outcome="(\w+)"\} (\d+)$/gm)) out[m[1] ?? ''] = Number(m[2]);
    return out;
  };

  beforeEach(async () => {
    dir = tempDir();
    app = await hubWithAttachedGateways(dir.path, { 'clinic-1': 'clinic', 'clinic-2': 'clinic' });
  });
  afterEach(async () => { await app.close(); dir.remove(); });

  it('scans for at most 32 records of one gateway at once; another gateway keeps its own budget', async () => {
    for (let i = 0; i < 100; i++) app.hospital.registry.emitFrame('clinic-1', strayChunk('clinic-1', `stray-${i}`));
    expect(await scans()).toEqual({ not_found: 32, throttled: 68 });
    app.hospital.registry.emitFrame('clinic-2', strayChunk('clinic-2', 'upload-1'));
    expect(await scans()).toEqual({ not_found: 33, throttled: 68 });
  });

  it('scans once per record: later chunks of a record being assembled cost nothing', async () => {
    for (let i = 0; i < 50; i++) app.hospital.registry.emitFrame('clinic-1', strayChunk('clinic-1', 'one-upload'));
    expect(await scans()).toEqual({ not_found: 1 });
  });
});

describe('ResumeBudget', () => {
  it('refills at its rate up to its burst, per gateway', () => {
    const b = new ResumeBudget(2, 1);
    expect([b.take('a', 0), b.take('a', 0), b.take('a', 0)]).toEqual([true, true, false]);
    expect(b.take('b', 0)).toBe(true);
    expect(b.take('a', 999)).toBe(false);
    expect(b.take('a', 1000)).toBe(true);
    // A long quiet spell refills to the burst, not beyond.
    expect([b.take('a', 60_000), b.take('a', 60_000), b.take('a', 60_000)]).toEqual([true, true, false]);
  });
});
