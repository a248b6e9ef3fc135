// The hub's ECG decode threads start when a clinic's cart first streams live leads, ahead of its
// first record (a record's first chunk used to be the first hint: the first records then waited
// ~0.5 s for the threads). Only a clinic's ECG leads count: an ambulance monitor's ECG II or a
// clinic's pleth starts nothing.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, TrafficClass } from '../../protocols/index.js';
import { hubWithAttachedGateways, tempDir, type TempDir } from '../test-support.js';

let seq = 1;
const liveLead = (gatewayId: string, code: string, channel: string): ReturnType<typeof decodeEnvelope> => decodeEnvelope(encodeEnvelope({
  header: { gatewayId, streamId: `live/${channel}`, seq: seq++, trafficClass: TrafficClass.TRAFFIC_CLASS_WAVEFORM, durable: false, captureTimeNs: Date.now() * 1e6 },
  waveform: { deviceId: 'dev-1', channel, code, sampleRateHz: 500, firstSampleIndex: 0, samples: [1, 2, 3], scale: 1, unit: 'uV' },
}));

describe('ECG decode threads warmed by a cart\'s live leads', () => {
  let dir: TempDir;
  let app: FastifyInstance;
  const threads = async (): Promise<number> => {
    const text = await app.hospital.metrics.registry.getSingleMetricAsString('telemed_hub_ecg_decode_threads');
    return Number(/^telemed_hub_ecg_decode_threads (\d+)$/m.exec(text)?.[1] ?? NaN);
  };

  beforeEach(async () => {
    dir = tempDir();
    app = await hubWithAttachedGateways(dir.path, { 'clinic-1': 'clinic', 'amb-1': 'ambulance' });
  });
  afterEach(async () => { await app.close(); dir.remove(); });

  it('starts both threads on a clinic cart\'s first live ECG lead', async () => {
    expect(await threads()).toBe(0);
    app.hospital.registry.emitFrame('clinic-1', liveLead('clinic-1', 'MDC_ECG_LEAD_V1', 'V1'));
    expect(await threads()).toBe(2);
  });

  it('starts none for an ambulance monitor\'s ECG II or a clinic\'s pleth', async () => {
    for (let i = 0; i < 3; i++) {
      app.hospital.registry.emitFrame('amb-1', liveLead('amb-1', 'MDC_ECG_LEAD_II', 'ECG_II'));
      app.hospital.registry.emitFrame('clinic-1', liveLead('clinic-1', 'MDC_PULS_OXIM_PLETH', 'PLETH'));
    }
    expect(await threads()).toBe(0);
  });
});
