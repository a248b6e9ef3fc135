import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { className, encodeEnvelope, type Clock } from '../../protocols/index.js';
import { SyntheticDevice } from './synthetic-device.js';
import type { Reading } from './device-api.js';

const clock: Clock = { nowNs: () => Date.now() * 1e6, monoMs: () => Date.now() };

beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }));
afterEach(() => vi.useRealTimers());

function run(profile: 'clinic' | 'ambulance', ms: number): { readings: Reading[]; dev: SyntheticDevice } {
  const dev = new SyntheticDevice({ id: 'sim-1', profile, seed: 1, clock });
  const readings: Reading[] = [];
  dev.on('reading', (r) => readings.push(r));
  const ac = new AbortController();
  void dev.start(ac.signal);
  vi.advanceTimersByTime(ms);
  ac.abort();
  return { readings, dev };
}

const count = (rs: Reading[], stream: string): number => rs.filter((r) => r.stream === stream).length;

describe('SyntheticDevice', () => {
  it('clinic: one stream per class at the stated rates', () => {
    const { readings, dev } = run('clinic', 2000);
    expect(dev.state).toBe('stopped');
    expect(count(readings, 'vitals')).toBe(2);
    expect(count(readings, 'ecg-ii')).toBe(50);
    expect(count(readings, 'arm')).toBe(100);
    expect(count(readings, 'ultrasound')).toBe(20);
    const classes = new Set(readings.map((r) => className(r.trafficClass)));
    expect([...classes].sort()).toEqual(['control', 'video', 'vitals', 'waveform']);
    const v = readings.find((r) => r.stream === 'vitals');
    expect(v?.durable).toBe(true);
    const codes = v && 'vitals' in v.payload ? v.payload.vitals.numerics?.map((n) => `${n.code} ${n.unit}`) : [];
    expect(codes).toEqual(['MDC_ECG_HEART_RATE /min', 'MDC_PULS_OXIM_SAT_O2 %', 'MDC_PRESS_BLD_NONINV_SYS mm[Hg]', 'MDC_PRESS_BLD_NONINV_DIA mm[Hg]', 'MDC_RESP_RATE /min', 'MDC_TEMP_BODY Cel']);
  });

  it('ECG chunks are contiguous 20-sample chunks at 500 Hz', () => {
    const { readings } = run('ambulance', 200);
    const chunks = readings.flatMap((r) => ('waveform' in r.payload ? [r.payload.waveform] : []));
    expect(chunks.map((c) => c.firstSampleIndex)).toEqual([0, 20, 40, 60, 80]);
    expect(chunks.every((c) => c.samples?.length === 20 && c.sampleRateHz === 500)).toBe(true);
  });

  it('ultrasound frames are ~8 KB gray8 and fit a frame', () => {
    const { readings } = run('clinic', 100);
    const us = readings.find((r) => r.stream === 'ultrasound');
    expect(us && 'ultrasound' in us.payload ? us.payload.ultrasound.data?.length : 0).toBe(8192);
  });

  it('raises an SpO2 alarm on the dip and clears it after', () => {
    const { readings } = run('ambulance', 45_000);
    const alarms = readings.flatMap((r) => ('alarm' in r.payload ? [r] : []));
    expect(alarms.length).toBe(2);
    expect(alarms.every((a) => a.durable && className(a.trafficClass) === 'alarm')).toBe(true);
    const states = alarms.map((a) => ('alarm' in a.payload ? a.payload.alarm.state : 0));
    expect(states).toEqual([1, 2]); // ACTIVE then CLEARED
  });

  it('ambulance adds GPS and has no arm, video or bulk', () => {
    const { readings } = run('ambulance', 31_000);
    const v = readings.find((r) => r.stream === 'vitals');
    expect(v && 'vitals' in v.payload ? v.payload.vitals.position?.latitudeDeg : undefined).toBeTypeOf('number');
    expect(count(readings, 'arm') + count(readings, 'ultrasound') + count(readings, 'ecg-record')).toBe(0);
  });

  it('clinic sends a ~180 KB ECG record every 30 s in ≤16 KB chunks that reassemble', () => {
    const { readings } = run('clinic', 30_000);
    const chunks = readings.flatMap((r) => ('ecgChunk' in r.payload ? [r.payload.ecgChunk] : []));
    expect(chunks.length).toBe(11);
    expect(chunks.every((c) => (c.data?.length ?? 0) <= 16 * 1024)).toBe(true);
    const whole = Buffer.concat(chunks.map((c) => c.data ?? new Uint8Array()));
    expect(whole.length).toBe(180_000);
    expect(chunks[0]?.sha256).toEqual(createHash('sha256').update(whole).digest());
    expect(chunks.at(-1)?.last).toBe(true);
    expect(chunks.map((c) => c.offset)).toEqual(chunks.map((_, i) => i * 16 * 1024));
    // Every chunk encodes within the frame limit.
    for (const ecgChunk of chunks) expect(encodeEnvelope({ header: { streamId: 's', trafficClass: 6 }, ecgChunk }).length).toBeLessThan(17_000);
  });
});
