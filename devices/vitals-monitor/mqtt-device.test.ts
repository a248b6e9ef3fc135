import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, telemed, TrafficClass } from '../../protocols/index.js';
import { MqttMonitorSimulator } from '../../simulators/vitals/index.js';
import type { DeviceState, Reading } from '../device.js';
import { VitalsMqttDevice, type VitalsMqttDeviceOptions } from './mqtt-device.js';

// Driver + the embedded aedes broker + the MQTT monitor simulator, over real loopback sockets.

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Harness {
  device: VitalsMqttDevice;
  readings: Reading[];
  states: DeviceState[];
  url: string;
}

async function startDevice(opts: Partial<VitalsMqttDeviceOptions> & { id: string }): Promise<Harness> {
  const device = new VitalsMqttDevice({
    monitorId: opts.id, url: null, brokerHost: '127.0.0.1', brokerPort: 0, clock: systemClock, logger: log, silenceMs: 3000, ...opts,
  });
  const readings: Reading[] = [];
  const states: DeviceState[] = [];
  device.on('reading', (r) => readings.push(r));
  device.on('state', (s) => states.push(s));
  const ac = new AbortController();
  await device.start(ac.signal);
  cleanups.push(() => device.stop());
  await waitFor(() => device.sessionState !== 'connecting', 5000, 'driver subscribed');
  return { device, readings, states, url: `mqtt://127.0.0.1:${device.embeddedPort}` };
}

const alarmOf = (r: Reading): telemed.v1.IAlarm | undefined => ('alarm' in r.payload ? r.payload.alarm : undefined);
const vitalsOf = (r: Reading): telemed.v1.IVitalsNumerics | undefined => ('vitals' in r.payload ? r.payload.vitals : undefined);
const waveOf = (r: Reading): telemed.v1.IWaveformChunk | undefined => ('waveform' in r.payload ? r.payload.waveform : undefined);

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startSim(url: string, monitorId: string, extra: Partial<ConstructorParameters<typeof MqttMonitorSimulator>[0]> = {}): Promise<MqttMonitorSimulator> {
  const sim = new MqttMonitorSimulator({ url, monitorId, scenario: 'stable', seed: 1, ...extra });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

describe('vitals-mqtt driver on the embedded broker', () => {
  it('turns a monitor\'s numerics, waveforms and alarms into VITALS, WAVEFORM and ALARM readings', async () => {
    const h = await startDevice({ id: 'mon-a' });
    // vt-arrest at 10x: VT at 6 s, its alarm confirmed 4 s later (monitor time is not sped up).
    await startSim(h.url, 'mon-a', { scenario: 'vt-arrest', speed: 10 });
    await waitFor(() => h.readings.some((r) => alarmOf(r)?.code === 'MDC_EVT_ECG_V_TACH'), 15_000, 'VTach alarm');
    expect(h.device.state).toBe('running');
    const vitals = h.readings.filter((r) => r.stream === 'vitals');
    expect(vitals.length).toBeGreaterThanOrEqual(3);
    for (const r of vitals) expect([r.trafficClass, r.durable]).toEqual([TrafficClass.TRAFFIC_CLASS_VITALS, true]);
    const first = vitalsOf(vitals[0]!)!;
    expect(first.deviceId).toBe('mon-a');
    expect(first.numerics!.map((n) => [n.code, n.unit])).toEqual(expect.arrayContaining([
      ['MDC_ECG_HEART_RATE', '/min'], ['MDC_PULS_OXIM_SAT_O2', '%'], ['MDC_PRESS_BLD_ART_SYS', 'mm[Hg]'], ['MDC_TEMP_BODY', 'Cel'], ['MDC_CONC_AWAY_CO2_ET', 'mm[Hg]'],
    ]));
    expect(first.numerics!.every((n) => n.valid === true && typeof n.value === 'number')).toBe(true);
    // Capture time: the monitor's clock (the same as ours here).
    expect(Math.abs(vitals[0]!.captureTimeNs / 1e6 - Date.now())).toBeLessThan(15_000);
    const waves = h.readings.filter((r) => r.trafficClass === TrafficClass.TRAFFIC_CLASS_WAVEFORM);
    expect(new Set(waves.map((r) => r.stream))).toEqual(new Set(['ecg-ii', 'pleth', 'co2']));
    for (const r of waves) expect(r.durable).toBe(false);
    const ecg = waves.filter((r) => r.stream === 'ecg-ii').map((r) => waveOf(r)!);
    expect(ecg[0]).toMatchObject({ channel: 'ECG_II', code: 'MDC_ECG_ELEC_POTL_II', sampleRateHz: 500, unit: 'mV', scale: 0.001 });
    // QoS 0 on loopback loses nothing here: the indexes run on without gaps.
    for (let i = 1; i < ecg.length; i++) expect(Number(ecg[i]!.firstSampleIndex)).toBe(Number(ecg[i - 1]!.firstSampleIndex) + ecg[i - 1]!.samples!.length);
    const alarm = h.readings.find((r) => alarmOf(r)?.code === 'MDC_EVT_ECG_V_TACH')!;
    expect([alarm.stream, alarm.trafficClass, alarm.durable]).toEqual(['monitor-alarms', TrafficClass.TRAFFIC_CLASS_ALARM, true]);
    expect(alarmOf(alarm)).toMatchObject({ deviceId: 'mon-a', state: telemed.v1.AlarmState.ALARM_STATE_ACTIVE, priority: telemed.v1.AlarmPriority.ALARM_PRIORITY_HIGH });
    // The HR limit alarm names its numeric for the edge alarm engine.
    expect(h.readings.some((r) => alarmOf(r)?.code === 'MDC_ECG_HEART_RATE/MDC_EVT_HI')).toBe(true);
    expect(h.device.counts.rejected).toEqual({});
  }, 20_000);

  it('monitor-reboot: faulted while the monitor is gone (its last will), running again when it is back', async () => {
    const h = await startDevice({ id: 'mon-r' });
    // At 10x the monitor is silent from 9 s to 11 s.
    const sim = await startSim(h.url, 'mon-r', { scenario: 'monitor-reboot', speed: 10 });
    await waitFor(() => h.device.state === 'running', 5000, 'running');
    await waitFor(() => h.device.state === 'faulted', 15_000, 'faulted on reboot');
    await waitFor(() => h.device.state === 'running', 8000, 'running after reboot');
    expect(sim.counts.boots).toBe(2);
    expect(h.states).toEqual(['starting', 'running', 'faulted', 'running']);
    // The rebooted monitor numbers its samples from 0 again and the driver takes them.
    await waitFor(() => h.readings.filter((r) => r.stream === 'ecg-ii').length > 5, 3000, 'ECG after reboot');
    expect(h.device.counts.rejected).toEqual({});
  }, 30_000);

  it('a taken broker port is a clear, coded start error', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as import('node:net').AddressInfo).port;
    const device = new VitalsMqttDevice({ id: 'mon-p', monitorId: 'mon-p', url: null, brokerHost: '127.0.0.1', brokerPort: port, clock: systemClock, logger: log });
    await expect(device.start(new AbortController().signal)).rejects.toMatchObject({ code: 'TM_ERR_VITALS_BROKER', message: expect.stringContaining('EADDRINUSE') as unknown });
    expect(device.state).toBe('stopped');
  });

  it('faulted after silence without a last will, and on a retained offline status at subscription', async () => {
    const h = await startDevice({ id: 'mon-s', silenceMs: 1000 });
    const raw = await connectAsync(h.url, { protocolVersion: 4, clientId: 'raw-mon-s' });
    cleanups.push(() => raw.endAsync());
    const t = Date.now();
    await raw.publishAsync('telemed/v1/monitors/mon-s/numerics', JSON.stringify({ v: 1, boot: 1, seq: 1, t, numerics: [{ code: 147842, value: 80, unit: '/min' }] }), { qos: 1 });
    await waitFor(() => h.device.state === 'running', 3000, 'running');
    await waitFor(() => h.device.state === 'faulted', 3000, 'faulted after 1 s of silence');
    await raw.publishAsync('telemed/v1/monitors/mon-s2/status', JSON.stringify({ v: 1, state: 'offline', reason: 'lwt' }), { qos: 1, retain: true });
    // The retained offline status arrives with the subscription: faulted at once (long before
    // the 3 s silence watchdog).
    const t0 = Date.now();
    const late = await startDevice({ id: 'mon-s2', silenceMs: 30_000 });
    await waitFor(() => late.device.state === 'faulted', 3000, 'faulted from retained status');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(late.states).toEqual(['starting', 'faulted']);
  }, 15_000);
});
