import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../protocols/index.js';
import { simulatedRecord } from '../analysis/findings/sim-record.js';
import type { BuildFrameInput, OutFrame } from '../uplink/streams.js';
import { EcgService } from './ecg-service.js';
import { GatewayEcgErrorCode } from './errors.js';
import { prepareEcgRecord } from './prepare.js';
import { GatewayPreparePool } from './prepare-pool.js';
import { EcgRecordStore } from './record-store.js';

const clock: Clock = { nowNs: () => 1_700_000_000_000 * 1e6, monoMs: () => 0 };
const uplink = { submit: (f: BuildFrameInput): Promise<OutFrame> => Promise.resolve({ ...f, seq: 1, className: 'bulk', budgetMs: 0, deadlineMs: 0, size: 0, env: { header: {} } } as unknown as OutFrame) };

describe('GatewayPreparePool: a cart record analysed on a thread', () => {
  const pool = new GatewayPreparePool();
  afterAll(() => pool.close());

  it('gives the same analysis and document bytes as preparing on the event loop', async () => {
    const record = simulatedRecord({ seed: 11, rhythm: 'sinus' });
    const onThread = await pool.run(record);
    const onLoop = prepareEcgRecord(record);
    expect(Buffer.from(onThread.sha256).toString('hex')).toBe(Buffer.from(onLoop.sha256).toString('hex'));
    expect(onThread.document.length).toBe(onLoop.document.length);
    expect(onThread.analysis).toEqual(onLoop.analysis);
    expect(onThread.critical).toBe(onLoop.critical);
  });

  it('lets the event loop run while a record is analysed, and stores it after', async () => {
    const store = new EcgRecordStore(':memory:');
    const service = new EcgService({ store, uplink, clock, log: pino({ level: 'silent' }), send: 'manual', gatewayId: 'gw-1', verifyKey: null });
    const record = simulatedRecord({ seed: 12, rhythm: 'sinus' });
    let turns = 0;
    let stored = false;
    const done = service.ingestPrepared(record, 'cart-1', (r) => pool.run(r)).then((v) => { stored = true; return v; });
    // The loop keeps turning (timers, sockets, the uplink's pump) until the thread answers.
    while (!stored) {
      await new Promise((r) => setImmediate(r));
      turns += 1;
    }
    const view = await done;
    expect(turns).toBeGreaterThan(1);
    expect(view.recordId).toBe(record.id);
    expect(store.get(record.id)?.totalBytes).toBe(prepareEcgRecord(record).document.length);
    // The same record again is a duplicate before any analysis.
    await expect(service.ingestPrepared(record, 'cart-1', (r) => pool.run(r))).rejects.toMatchObject({ code: GatewayEcgErrorCode.DUPLICATE });
    store.close();
  });

  it('refuses with TM_ERR_ECG_PREPARE_BUSY when its thread and queue are full (the caller then prepares on its loop)', async () => {
    const small = new GatewayPreparePool({ maxQueued: 0 });
    try {
      const first = small.run(simulatedRecord({ seed: 13 }));
      await expect(small.run(simulatedRecord({ seed: 14 }))).rejects.toMatchObject({ code: GatewayEcgErrorCode.PREPARE_BUSY });
      await expect(first).resolves.toMatchObject({ contentType: expect.any(String) });
    } finally {
      await small.close();
    }
  });
});
