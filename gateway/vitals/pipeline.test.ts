import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { TrafficClass, telemed, type DecodedEnvelope } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { ManualTimers } from '../uplink/manual-timers.js';
import type { BuildFrameInput } from '../uplink/streams.js';
import { VitalsPipeline, recordedStreamId, type VitalsLiveMessage } from './pipeline.js';
import { MemoryAlarmStore } from './alarm-store.js';

const { AlarmState } = telemed.v1;

function setup(extra: Record<string, unknown> = {}) {
  const timers = new ManualTimers();
  const clock = { monoMs: () => timers.now, nowNs: () => (1_765_000_000_000 + timers.now) * 1e6 };
  const config = loadGatewayConfig({ gatewayId: 'amb-1', siteKind: 'ambulance', hub: { credential: 'x' }, ...extra });
  const durable: BuildFrameInput[] = [];
  const realtime: BuildFrameInput[] = [];
  const pipeline = new VitalsPipeline({
    config, clock, timers, logger: pino({ level: 'silent' }),
    durable: (f) => { durable.push(f); return Promise.resolve(f); },
    realtime: (f) => { realtime.push(f); return f; },
    alarmStore: new MemoryAlarmStore(),
  });
  return { timers, pipeline, durable, realtime };
}

const vitalsReading = (hr: number, t: number): BuildFrameInput => ({
  streamId: 'mon/vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: t * 1e6,
  payload: { vitals: { deviceId: 'mon', numerics: [{ code: 'MDC_ECG_HEART_RATE', label: 'HR', value: hr, unit: '/min', valid: true }] } },
});
const ecgReading = (first: number, n: number): BuildFrameInput => ({
  streamId: 'mon/ecg-ii', trafficClass: TrafficClass.TRAFFIC_CLASS_WAVEFORM, durable: false, captureTimeNs: first * 2e6,
  payload: { waveform: { deviceId: 'mon', channel: 'ECG_II', code: 'MDC_ECG_LEAD_II', sampleRateHz: 500, firstSampleIndex: first, samples: new Array<number>(n).fill(7), scale: 0.001, unit: 'mV' } },
});

describe('VitalsPipeline routing', () => {
  it('numerics go durable as VITALS; the live waveform realtime as WAVEFORM; other readings unchanged', () => {
    const { pipeline, durable, realtime } = setup();
    pipeline.sink({ ...vitalsReading(70, 0), durable: false, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK });
    pipeline.sink({ ...ecgReading(0, 20), durable: true });
    pipeline.sink({ streamId: 'mon/arm', trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL, durable: false, captureTimeNs: 1, payload: { armTelemetry: { armId: 'a' } } });
    expect(durable.map((f) => [f.streamId, f.trafficClass, f.durable])).toEqual([['mon/vitals', TrafficClass.TRAFFIC_CLASS_VITALS, true]]);
    expect(realtime.map((f) => [f.streamId, f.trafficClass, f.durable])).toEqual([
      ['mon/ecg-ii', TrafficClass.TRAFFIC_CLASS_WAVEFORM, false], ['mon/arm', TrafficClass.TRAFFIC_CLASS_CONTROL, false],
    ]);
  });

  it('keeps a recorded copy: 10 s windows of the ECG as durable BULK frames on <device>/rec/<stream>', () => {
    const { pipeline, durable } = setup();
    for (let i = 0; i < 5000 + 200; i += 20) pipeline.sink(ecgReading(i, 20));
    const rec = durable.filter((f) => f.streamId === 'mon/rec/ecg-ii');
    // 5000 samples (10 s at 500 Hz) in two frames of 2500 (recordMaxSamples); the next window is still open.
    expect(rec.map((f) => [f.trafficClass, f.durable, f.payload.waveform?.firstSampleIndex, f.payload.waveform?.samples?.length])).toEqual([
      [TrafficClass.TRAFFIC_CLASS_BULK, true, 0, 2500], [TrafficClass.TRAFFIC_CLASS_BULK, true, 2500, 2500],
    ]);
    pipeline.close(); // the open window (200 samples) is stored too
    expect(durable.filter((f) => f.streamId === 'mon/rec/ecg-ii').map((f) => f.payload.waveform?.samples?.length)).toEqual([2500, 2500, 200]);
    expect(recordedStreamId('mon/ecg-ii')).toBe('mon/rec/ecg-ii');
  });

  it('a clinic records no copy unless configured', () => {
    const { pipeline, durable } = setup({ siteKind: 'clinic' });
    for (let i = 0; i < 6000; i += 20) pipeline.sink(ecgReading(i, 20));
    pipeline.close();
    expect(durable).toEqual([]);
  });

  it('a deterioration raises an ALARM durable on <device>/alarms; a downlink ack marks it and is confirmed up', () => {
    const { timers, pipeline, durable } = setup();
    const live: VitalsLiveMessage[] = [];
    pipeline.onLive((m) => live.push(m));
    for (let s = 0; s <= 6; s++) {
      timers.advance(s === 0 ? 0 : 1000);
      pipeline.sink(vitalsReading(s < 1 ? 80 : 150, timers.now));
    }
    const alarms = durable.filter((f) => f.payload.alarm);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ streamId: 'mon/alarms', trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true });
    const alarmId = alarms[0]!.payload.alarm?.alarmId ?? '';
    const ack = {
      header: { gatewayId: 'hub', streamId: 'hub/alarm-acks', seq: 1, durable: true, captureTimeNs: 1_765_000_010_000 * 1e6 },
      payload: 'alarm', alarm: { alarmId, state: AlarmState.ALARM_STATE_ACKNOWLEDGED, text: 'acknowledged by dr.li' },
    } as unknown as DecodedEnvelope;
    pipeline.onDownlink(ack);
    pipeline.onDownlink(ack); // a resend changes nothing
    const after = durable.filter((f) => f.payload.alarm);
    expect(after.map((f) => f.payload.alarm?.state)).toEqual([AlarmState.ALARM_STATE_ACTIVE, AlarmState.ALARM_STATE_ACKNOWLEDGED]);
    expect(pipeline.snapshot().alarms[0]).toMatchObject({ alarmId, acknowledged: { by: 'dr.li', atMs: 1_765_000_010_000 } });
    const last = live.filter((m) => m.type === 'alarms').at(-1);
    expect(last?.type === 'alarms' && last.alarms[0]?.acknowledged?.by).toBe('dr.li');
    expect(live.some((m) => m.type === 'vitals' && m.vitals.numerics[0]?.value === 150)).toBe(true);
  });

  it('the monitor going quiet raises TM_ALARM_NO_DATA from the 1 s tick', () => {
    const { timers, pipeline, durable } = setup();
    pipeline.start();
    pipeline.sink(vitalsReading(70, 0));
    timers.advance(9000);
    expect(durable.filter((f) => f.payload.alarm)).toEqual([]);
    timers.advance(1000);
    expect(durable.filter((f) => f.payload.alarm).map((f) => f.payload.alarm?.code)).toEqual(['TM_ALARM_NO_DATA']);
    pipeline.close();
    expect(timers.size).toBe(0);
  });

  it('devices listed in passThrough (the load generator) bypass routing and the alarm engine', () => {
    const timers = new ManualTimers();
    const clock = { monoMs: () => timers.now, nowNs: () => timers.now * 1e6 };
    const config = loadGatewayConfig({ gatewayId: 'amb-1', siteKind: 'ambulance', hub: { credential: 'x' }, vitals: { alarms: { delayMs: 0 } } });
    const out: BuildFrameInput[] = [];
    const pipeline = new VitalsPipeline({
      config, clock, timers, logger: pino({ level: 'silent' }), passThrough: new Set(['load-1']),
      durable: (f) => out.push(f), realtime: (f) => out.push(f), alarmStore: new MemoryAlarmStore(),
    });
    const r = { ...vitalsReading(999, 0), streamId: 'load-1/vitals-0', trafficClass: TrafficClass.TRAFFIC_CLASS_BULK };
    pipeline.sink(r);
    expect(out).toEqual([r]);
    expect(pipeline.engine.counts.raised).toBe(0);
    pipeline.sink(vitalsReading(999, 0)); // the monitor is evaluated
    expect(pipeline.engine.counts.raised).toBe(1);
  });

  it('a refused durable alarm is counted, not thrown into the device', async () => {
    const timers = new ManualTimers();
    const clock = { monoMs: () => timers.now, nowNs: () => timers.now * 1e6 };
    const config = loadGatewayConfig({ gatewayId: 'amb-1', siteKind: 'ambulance', hub: { credential: 'x' }, vitals: { alarms: { delayMs: 0 } } });
    const pipeline = new VitalsPipeline({
      config, clock, timers, logger: pino({ level: 'silent' }),
      durable: () => Promise.reject(Object.assign(new Error('full'), { code: 'TM_ERR_OUTBOX_FULL' })),
      realtime: () => undefined, alarmStore: new MemoryAlarmStore(),
    });
    const taken = pipeline.sink(vitalsReading(200, 0)) as Promise<unknown>;
    await expect(taken).rejects.toThrow('full'); // the reading's own refusal goes back to the DeviceManager
    await new Promise((r) => setImmediate(r));
    expect(pipeline.counts.refused).toBe(1); // the alarm the engine raised
  });
});
