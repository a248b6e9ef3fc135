// A document is stored the moment its last chunk is in and described on a decode thread after:
// one stored but not yet described when the hub stopped is described at the next start, so an
// acked record never goes missing from the worklist.
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { simulatedRecord } from '../../gateway/analysis/findings/sim-record.js';
import { prepareEcgRecord } from '../../gateway/ecg/prepare.js';
import { buildHospital } from '../app.js';
import { loginAll, PASSWORDS, tempDir, testConfig } from '../test-support.js';
import type { EcgRecordView } from './ecg-store.js';

const DOC = 'application/x-telemed-ecg+protobuf';

describe('undescribed ECG documents', () => {
  const dir = tempDir();
  const apps: FastifyInstance[] = [];
  afterAll(async () => { for (const a of apps) await a.close(); dir.remove(); });

  it('are left out of the worklist, and described at the next start', async () => {
    const cfg = await testConfig(dir.path);
    const first = await buildHospital(cfg);
    apps.push(first);
    const doc = prepareEcgRecord({ ...simulatedRecord({ seed: 5 }), id: 'UNDESCRIBED-1' }).document;
    // As the plugin stores it on arrival, before the decode thread answers.
    const stored = first.hospital.store.ecg.put({ gatewayId: 'clinic-1', recordId: 'UNDESCRIBED-1', contentType: DOC, patientRef: 'P', blob: doc, corruptCode: null }, Date.now(), 0, null);
    expect(stored).toBeDefined();
    expect(first.hospital.store.ecg.undescribed(10)).toEqual([stored?.id]);
    const tokens = await loginAll(first, { 'dr.li': PASSWORDS['dr.li'] });
    const list = async (app: FastifyInstance) => (await app.inject({ url: '/api/ecg/worklist', headers: { authorization: `Bearer ${tokens['dr.li'] ?? ''}` } })).json<{ records: EcgRecordView[] }>().records;
    expect((await list(first)).map((r) => r.recordId)).not.toContain('UNDESCRIBED-1');
    await first.close();
    apps.pop();

    const second = await buildHospital(cfg);
    apps.push(second);
    await vi.waitFor(() => expect(second.hospital.store.ecg.undescribed(10)).toEqual([]), { timeout: 20_000, interval: 20 });
    Object.assign(tokens, await loginAll(second, { 'dr.li': PASSWORDS['dr.li'] }));
    expect((await list(second)).find((r) => r.recordId === 'UNDESCRIBED-1')).toMatchObject({ id: stored?.id, corruptCode: null, sampleRateHz: 500, durationS: 10 });
  }, 60_000);
});
