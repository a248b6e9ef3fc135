import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TrafficClass, telemed } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { startGateway, type RunningGateway } from '../main.js';
import { FakeHub } from '../uplink/fake-hub.js';
import { ScriptedMonitor } from './scripted-monitor.js';

// The whole gateway (SQLite outbox, uplink, downlink marks, alarm store, local API) restarted on
// its data directory with an acknowledged alarm active. ~3 s.

const { AlarmState } = telemed.v1;
const silent = pino({ level: 'silent' });

let root = '';
let hub: FakeHub;
const running: RunningGateway[] = [];
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tm-alarm-restart-'));
  hub = await FakeHub.start({ credential: 's3cret' });
});
afterEach(async () => {
  for (const gw of running.splice(0)) await gw.close();
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

const configFor = (dataDir: string, gatewayId: string) => loadGatewayConfig({
  gatewayId, siteKind: 'ambulance', hub: { url: hub.url, credential: 's3cret' }, port: 0, dataDir,
  devices: [{ kind: 'vitals-mqtt', id: 'mon-1' }],
  // SpO2 must stay low 300 ms here (10 s in the defaults) so the test runs in real time.
  vitals: { alarms: { limits: [{ code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', unit: '%', low: 90, lowPriority: 'high', hysteresis: 2, delayMs: 300 }] } },
});

async function start(dataDir: string, gatewayId: string, monitor: ScriptedMonitor): Promise<RunningGateway> {
  const gw = await startGateway(configFor(dataDir, gatewayId), { logger: silent, deviceFactory: () => monitor });
  running.push(gw);
  await vi.waitFor(() => expect(gw.uplink.session.state).toBe('ready'), { timeout: 5000, interval: 10 });
  return gw;
}

/** A monitor sending SpO2 every 50 ms; `value.spo2` may be changed while it runs. */
function feeding(monitor: ScriptedMonitor, value: { spo2: number }): () => void {
  const send = (): void => monitor.numerics([{ code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value: value.spo2, unit: '%', valid: true }]);
  send();
  const timer = setInterval(send, 50);
  return () => clearInterval(timer);
}

interface Snapshot { alarms: { alarmId: string; state: string; code: string; acknowledged: { by: string; atMs: number } | null }[] }
const vitalsOf = async (gw: RunningGateway): Promise<Snapshot> => (await (await fetch(`${gw.url}/api/vitals`)).json()) as Snapshot;

/** Every file of `from` copied into a new `to` in one synchronous step: what a process killed now leaves on disk. */
function crashCopy(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) copyFileSync(join(from, f), join(to, f));
}

describe('ambulance gateway restart with an acknowledged alarm active', () => {
  it('continues the same episode: same alarm id, still acknowledged on the page, no new ACTIVE at the hub, cleared under that id', async () => {
    const dataDir = join(root, 'amb-1');
    const value = { spo2: 84 };
    const monitor1 = new ScriptedMonitor('mon-1');
    const first = await start(dataDir, 'amb-1', monitor1);
    let stop = feeding(monitor1, value);
    const raised = await hub.waitFor((e) => e.payload === 'alarm' && e.header.streamId === 'mon-1/alarms' && e.alarm?.state === AlarmState.ALARM_STATE_ACTIVE);
    const alarmId = raised.alarm?.alarmId ?? '';
    expect(raised.alarm?.code).toBe('MDC_PULS_OXIM_SAT_O2/MDC_EVT_LO');
    // The clinician's acknowledgement on the durable downlink, as the hub sends it.
    hub.send({
      header: { gatewayId: 'hub', streamId: 'hub/alarm-acks/amb-1', seq: 1, durable: true, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, captureTimeNs: Date.now() * 1e6 },
      alarm: { alarmId, state: AlarmState.ALARM_STATE_ACKNOWLEDGED, text: 'acknowledged by dr.zhou' },
    });
    // The gateway acks the downlink frame only once its mark is fsynced: from here the hub never resends it.
    await hub.waitFor((e) => e.payload === 'ack' && (e.ack?.streams ?? []).some((s) => s.streamId === 'hub/alarm-acks/amb-1' && s.seq === 1));
    await hub.waitFor((e) => e.payload === 'alarm' && e.alarm?.alarmId === alarmId && e.alarm.state === AlarmState.ALARM_STATE_ACKNOWLEDGED);

    // The box loses power now: the second run gets the files as they are, the first is then shut down out of sight.
    const crashed = join(root, 'amb-1-after-crash');
    crashCopy(dataDir, crashed);
    stop();
    running.splice(running.indexOf(first), 1);
    await first.close();
    const afterCrash = hub.received.length;

    const monitor2 = new ScriptedMonitor('mon-1');
    const second = await start(crashed, 'amb-1', monitor2);
    // Before any reading: the page already shows the hospital's acknowledgement of the same episode,
    // in GET /api/vitals and in the snapshot /live gives a page that connects (what the crew's page renders).
    const restoredView = [expect.objectContaining({ alarmId, state: 'active', acknowledged: { by: 'dr.zhou', atMs: expect.any(Number) as number } })];
    expect((await vitalsOf(second)).alarms).toEqual(restoredView);
    const live = new WebSocket(`ws://127.0.0.1:${second.port}/live`);
    try {
      const snapshot = await new Promise<Snapshot>((resolve, reject) => {
        live.on('message', (d: Buffer) => {
          const m = JSON.parse(d.toString()) as Snapshot & { type: string };
          if (m.type === 'vitals-snapshot') resolve(m);
        });
        live.on('error', reject);
      });
      expect(snapshot.alarms).toEqual(restoredView);
    } finally {
      live.close();
    }
    const restartedAtNs = Date.now() * 1e6;
    stop = feeding(monitor2, value);
    try {
      // Still desaturated for 3× the debounce (seen at the hub, so the engine judged those readings): nothing raised.
      await vi.waitFor(() => {
        expect(hub.dataFrames('mon-1/vitals').some((e) => e.header.captureTimeNs > restartedAtNs + 900e6)).toBe(true);
      }, { timeout: 5000, interval: 20 });
      const alarmsAfter = hub.received.slice(afterCrash).filter((e) => e.payload === 'alarm');
      expect(alarmsAfter.map((e) => [e.alarm?.alarmId, e.alarm?.state])).toEqual([]);
      const metrics = await (await fetch(`${second.url}/metrics`)).text();
      expect(metrics).toContain('telemed_gateway_alarms_restored 1');
      expect(metrics).toContain('telemed_gateway_alarm_transitions_total{transition="raised"} 0');

      // The patient recovers: the episode the hospital knows is cleared, under its id.
      value.spo2 = 97;
      const cleared = await hub.waitFor((e) => e.payload === 'alarm' && e.alarm?.state === AlarmState.ALARM_STATE_CLEARED);
      expect(cleared.alarm).toMatchObject({ alarmId, code: 'MDC_PULS_OXIM_SAT_O2/MDC_EVT_LO' });
      expect(hub.received.indexOf(cleared)).toBeGreaterThan(afterCrash);
      expect((await vitalsOf(second)).alarms).toEqual([expect.objectContaining({ alarmId, state: 'cleared', acknowledged: expect.objectContaining({ by: 'dr.zhou' }) as object })]);
    } finally {
      stop();
    }
  });

  it('an unreadable alarms.db does not stop the gateway: it starts empty, moves the file aside and says so in /metrics', async () => {
    const dataDir = join(root, 'amb-2');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'alarms.db'), Buffer.alloc(4096, 0xee));
    const monitor = new ScriptedMonitor('mon-1');
    const gw = await start(dataDir, 'amb-2', monitor);
    expect((await vitalsOf(gw)).alarms).toEqual([]);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('telemed_gateway_alarm_store_errors_total{code="TM_ERR_ALARM_STORE_CORRUPT"} 1');
    expect(readdirSync(dataDir).filter((f) => f.startsWith('alarms.db.corrupt-'))).toHaveLength(1);
  });
});
