import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Broker } from '../../bench/uplink/mosquitto.js';
import { VitalsMqttDevice } from '../../devices/vitals-monitor/index.js';
import type { DeviceState, Reading } from '../../devices/device.js';
import { systemClock, telemed } from '../../protocols/index.js';
import { MqttMonitorSimulator, type MqttMonitorOptions } from '../../simulators/vitals/index.js';
import { makeTempDir } from '../helpers/socat.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { DeviceManager } from '../../gateway/devices/manager.js';
import type { BuildFrameInput } from '../../gateway/uplink/streams.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The MQTT monitor simulator and the vitals-mqtt driver through a real Mosquitto on a random
// loopback port (started here; bench/uplink/mosquitto.ts writes its config: listener on
// 127.0.0.1 only, set_tcp_nodelay true, log_dest stderr).

function requireMosquitto(): void {
  const r = spawnSync('mosquitto', ['-h'], { stdio: 'ignore' });
  if (r.error) throw new Error('mosquitto not found: run `apt-get install -y mosquitto` (or `npm run test:setup` as root)');
}

const log = pino({ level: 'silent' });
let broker: Broker;
let tmp: { dir: string; remove(): void };
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  requireMosquitto();
  tmp = makeTempDir('tm-vitals-mqtt-');
  broker = await startMosquitto(tmp.dir, 'ambulance');
});
afterAll(async () => {
  await broker?.stop();
  tmp?.remove();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Driver { device: VitalsMqttDevice; readings: Reading[]; states: DeviceState[] }

async function startDriver(id: string, silenceMs = 3000): Promise<Driver> {
  const device = new VitalsMqttDevice({ id, monitorId: id, url: `mqtt://127.0.0.1:${broker.port}`, brokerHost: '127.0.0.1', brokerPort: 0, clock: systemClock, logger: log, silenceMs });
  const readings: Reading[] = [];
  const states: DeviceState[] = [];
  device.on('reading', (r) => readings.push(r));
  device.on('state', (s) => states.push(s));
  await device.start(new AbortController().signal);
  cleanups.push(() => device.stop());
  await waitFor(() => device.sessionState !== 'connecting', 5000, 'subscribed to Mosquitto');
  return { device, readings, states };
}

async function startSim(monitorId: string, o: Partial<MqttMonitorOptions>): Promise<MqttMonitorSimulator> {
  const sim = new MqttMonitorSimulator({ url: `mqtt://127.0.0.1:${broker.port}`, monitorId, scenario: 'stable', seed: 1, ...o });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const vitalsOf = (r: Reading) => ('vitals' in r.payload ? r.payload.vitals : undefined);
const alarmOf = (r: Reading) => ('alarm' in r.payload ? r.payload.alarm : undefined);

describe('vitals-mqtt through a real Mosquitto', () => {
  it('delivers numerics, the three waveforms and alarms; -999 from the monitor arrives as valid: false', async () => {
    const d = await startDriver('amb-1');
    // probe-off at 30x: the probe is off from 2 s to 4 s of our time; the monitor sends -999 for "no value".
    await startSim('amb-1', { scenario: 'probe-off', speed: 30, noValue: -999 });
    await waitFor(() => d.readings.some((r) => alarmOf(r)?.state === telemed.v1.AlarmState.ALARM_STATE_CLEARED), 10_000, 'probe alarm cleared');
    expect(d.device.state).toBe('running');
    const streams = new Set(d.readings.map((r) => r.stream));
    expect(streams).toEqual(new Set(['vitals', 'ecg-ii', 'pleth', 'co2', 'monitor-alarms']));
    const spo2 = d.readings.flatMap((r) => vitalsOf(r)?.numerics?.filter((n) => n.code === 'MDC_PULS_OXIM_SAT_O2') ?? []);
    expect(spo2.some((n) => n.valid === false && n.value === undefined)).toBe(true);
    expect(spo2.some((n) => n.valid === true && n.value! >= 90)).toBe(true);
    // No -999 anywhere as a number.
    expect(d.readings.flatMap((r) => vitalsOf(r)?.numerics ?? []).some((n) => n.value === -999)).toBe(false);
    const probe = d.readings.map(alarmOf).filter((a) => a !== undefined);
    expect(probe.map((a) => [a.code, a.kind, a.state])).toEqual([
      ['MDC_PULS_OXIM_SAT_O2/MDC_EVT_SENSOR_DISCONN', telemed.v1.AlarmKind.ALARM_KIND_TECHNICAL, telemed.v1.AlarmState.ALARM_STATE_ACTIVE],
      ['MDC_PULS_OXIM_SAT_O2/MDC_EVT_SENSOR_DISCONN', telemed.v1.AlarmKind.ALARM_KIND_TECHNICAL, telemed.v1.AlarmState.ALARM_STATE_CLEARED],
    ]);
    expect(d.device.counts.rejected).toEqual({});
    expect(d.device.counts.invalidValues).toBeGreaterThan(0);
  }, 20_000);

  it('monitor-reboot: Mosquitto publishes the monitor\'s will, the device is faulted, then running again', async () => {
    const d = await startDriver('amb-2', 10_000);
    const sim = await startSim('amb-2', { scenario: 'monitor-reboot', speed: 10 });
    await waitFor(() => d.device.state === 'running', 5000, 'running');
    const t0 = Date.now();
    await waitFor(() => d.device.state === 'faulted', 15_000, 'faulted');
    // Faulted by the will (the silence watchdog is 10 s here), within about a second of the crash at 9 s.
    expect(Date.now() - t0).toBeLessThan(11_000);
    await waitFor(() => d.device.state === 'running', 8000, 'running again');
    expect(d.states).toEqual(['starting', 'running', 'faulted', 'running']);
    expect(sim.counts.boots).toBe(2);
  }, 30_000);

  it('a gateway restart loses no QoS 1 numerics: Mosquitto holds them for the persistent session', async () => {
    const first = await startDriver('amb-3');
    const sim = await startSim('amb-3', { scenario: 'sepsis', speed: 5 });
    await waitFor(() => first.readings.filter((r) => r.stream === 'vitals').length >= 2, 5000, 'numerics');
    await first.device.stop();
    await new Promise((r) => setTimeout(r, 2500)); // the gateway is down for 2.5 s
    const second = await startDriver('amb-3');
    await new Promise((r) => setTimeout(r, 1500));
    await sim.stop();
    await new Promise((r) => setTimeout(r, 500));
    const got = [...first.readings, ...second.readings].filter((r) => r.stream === 'vitals');
    expect(got.length).toBe(sim.counts.numerics);
    // Each 1 s tick exactly once, in order, across the restart.
    const times = got.map((r) => r.captureTimeNs);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(500e6);
  }, 20_000);

  it('the gateway config registers vitals-mqtt, fed by `telemed sim vitals-mqtt` as a child process', async () => {
    const cfg = loadGatewayConfig({
      gatewayId: 'amb-gw', siteKind: 'ambulance', hub: { credential: 'x' },
      devices: [{ kind: 'vitals-mqtt', id: 'mon-cli', monitorId: 'amb-cli', mqtt: { url: `mqtt://127.0.0.1:${broker.port}` }, silenceMs: 20_000 }],
    });
    const frames: BuildFrameInput[] = [];
    const manager = new DeviceManager(cfg.devices, (f) => frames.push(f), { clock: systemClock, logger: log });
    await manager.start(new AbortController().signal);
    cleanups.push(() => manager.stop());
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'bin', 'telemed.ts'), 'sim', 'vitals-mqtt',
      '--url', `mqtt://127.0.0.1:${broker.port}`, '--monitor', 'amb-cli', '--scenario', 'sepsis', '--seed', '1'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    cleanups.push(async () => { if (child.exitCode === null) { child.kill('SIGKILL'); await once(child, 'exit'); } });
    await waitFor(() => frames.some((f) => f.streamId === 'mon-cli/vitals'), 20_000, `vitals frames (simulator said: ${out})`);
    await waitFor(() => frames.some((f) => f.streamId === 'mon-cli/ecg-ii'), 5000, 'ECG frames');
    expect(out).toContain('vitals-mqtt monitor amb-cli');
    expect(manager.list()).toEqual([{ id: 'mon-cli', kind: 'vitals-mqtt', state: 'running' }]);
    // Ctrl-C: the simulator says offline (retained) before it goes; the device is faulted at once.
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit') as [number | null];
    expect(code).toBe(0);
    await waitFor(() => manager.list()[0]!.state === 'faulted', 3000, 'faulted after the monitor shut down');
  }, 40_000);

  it('the config refuses an embedded broker off loopback without a monitor password', () => {
    const base = { gatewayId: 'g', hub: { credential: 'x' } };
    expect(() => loadGatewayConfig({ ...base, devices: [{ kind: 'vitals-mqtt', id: 'm', mqtt: { host: '0.0.0.0' } }] })).toThrow(/TM_ERR_VITALS_BROKER_UNSAFE_BIND/);
    expect(() => loadGatewayConfig({ ...base, devices: [{ kind: 'vitals-mqtt', id: 'm', mqtt: { host: '0.0.0.0', monitorPassword: 'a-long-secret-1' } }] })).not.toThrow();
    expect(() => loadGatewayConfig({ ...base, devices: [{ kind: 'vitals-mqtt', id: 'm', mqtt: { url: 'http://x' } }] })).toThrow(/mqtt\/url/);
  });
});
