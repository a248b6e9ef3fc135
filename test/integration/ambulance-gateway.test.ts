import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Broker } from '../../bench/uplink/mosquitto.js';
import { TrafficClass, telemed } from '../../protocols/index.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { FakeHub } from '../../gateway/uplink/fake-hub.js';
import { MqttMonitorSimulator } from '../../simulators/vitals/index.js';
import { makeTempDir } from '../helpers/socat.js';

// The whole edge of an ambulance with real parts: the MQTT monitor simulator (hypoxia scenario)
// publishing to a real Mosquitto on a random loopback port, the gateway's vitals-mqtt driver, the
// vitals pipeline and alarm engine, the uplink to the FakeHub. The monitor raises its own SpO2
// alarm and the edge engine evaluates the same numerics: the hub must get ONE episode for it.

const { AlarmState } = telemed.v1;
const SPO2_LOW = 'MDC_PULS_OXIM_SAT_O2/MDC_EVT_LO';

function requireMosquitto(): void {
  const r = spawnSync('mosquitto', ['-h'], { stdio: 'ignore' });
  if (r.error) throw new Error('mosquitto not found: run `apt-get install -y mosquitto` (or `npm run test:setup` as root)');
}

let broker: Broker;
let tmp: { dir: string; remove(): void };
beforeAll(async () => {
  requireMosquitto();
  tmp = makeTempDir('tm-amb-gw-');
  broker = await startMosquitto(tmp.dir, 'ambulance');
});
afterAll(async () => {
  await broker?.stop();
  tmp?.remove();
});

describe('ambulance gateway with a real Mosquitto and the monitor simulator', () => {
  it('hypoxia: numerics VITALS, live and recorded waveforms, one SpO2 episode (monitor and edge merged), acknowledged from the hub', async () => {
    const hub = await FakeHub.start({ credential: 'amb' });
    let gw: RunningGateway | undefined;
    // 20x: SpO2 falls 97 -> 80 between 1.5 s and 13.5 s of real time.
    const sim = new MqttMonitorSimulator({ url: `mqtt://127.0.0.1:${broker.port}`, monitorId: 'mon-7', scenario: 'hypoxia', seed: 3, speed: 20 });
    try {
      const config = loadGatewayConfig({
        gatewayId: 'amb-7', siteKind: 'ambulance', hub: { url: hub.url, credential: 'amb' }, port: 0, outbox: { kind: 'memory' },
        devices: [{ kind: 'vitals-mqtt', id: 'mon-7', mqtt: { url: `mqtt://127.0.0.1:${broker.port}` } }],
        // The scenario runs 20x faster than the gateway's clock: debounce scaled to match (10 s -> 0.5 s).
        vitals: { recordWindowS: 1, alarms: { limits: [{ code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', unit: '%', low: 90, lowPriority: 'high', hysteresis: 2, delayMs: 500 }] } },
      });
      gw = await startGateway(config, { logger: pino({ level: 'silent' }) });
      await sim.start();

      const alarm = await hub.waitFor((e) => e.payload === 'alarm' && e.alarm?.code === SPO2_LOW && e.alarm.state === AlarmState.ALARM_STATE_ACTIVE);
      expect(alarm.header).toMatchObject({ streamId: 'mon-7/alarms', trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true });
      expect(alarm.alarm?.value).toBeLessThan(90);
      const alarmId = alarm.alarm?.alarmId ?? '';
      hub.send({
        header: { gatewayId: 'hub', streamId: 'hub/alarm-acks', seq: 1, durable: true, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, captureTimeNs: Date.now() * 1e6 },
        alarm: { alarmId, state: AlarmState.ALARM_STATE_ACKNOWLEDGED, text: 'acknowledged by dr.chen' },
      });
      await hub.waitFor((e) => e.payload === 'alarm' && e.alarm?.alarmId === alarmId && e.alarm.state === AlarmState.ALARM_STATE_ACKNOWLEDGED);
      // Let the scenario run on well past both the monitor's alarm and the edge's.
      await hub.waitFor((e) => e.header.streamId === 'mon-7/rec/ecg-ii');
      await new Promise((r) => setTimeout(r, 2000));

      const spo2Active = hub.dataFrames('mon-7/alarms').filter((e) => e.alarm?.code === SPO2_LOW && e.alarm.state === AlarmState.ALARM_STATE_ACTIVE);
      expect(spo2Active.map((e) => e.alarm?.alarmId)).toEqual([alarmId]);
      const snap = (await (await fetch(`${gw.url}/api/vitals`)).json()) as { alarms: { code: string; state: string; sources: string[]; acknowledged: { by: string } | null }[] };
      const ep = snap.alarms.find((a) => a.code === SPO2_LOW);
      expect(ep).toMatchObject({ state: 'active', sources: ['edge', 'monitor'], acknowledged: { by: 'dr.chen' } });

      const vit = hub.dataFrames('mon-7/vitals');
      expect(vit.length).toBeGreaterThan(3);
      expect(vit.every((e) => e.header.trafficClass === TrafficClass.TRAFFIC_CLASS_VITALS && e.header.durable)).toBe(true);
      for (const s of ['ecg-ii', 'pleth']) {
        expect(hub.dataFrames(`mon-7/${s}`).every((e) => e.header.trafficClass === TrafficClass.TRAFFIC_CLASS_WAVEFORM && !e.header.durable)).toBe(true);
        expect(hub.dataFrames(`mon-7/${s}`).length).toBeGreaterThan(10);
      }
      const rec = hub.dataFrames('mon-7/rec/ecg-ii');
      expect(rec.every((e) => e.header.trafficClass === TrafficClass.TRAFFIC_CLASS_BULK && e.header.durable && e.waveform?.sampleRateHz === 500)).toBe(true);
    } finally {
      await sim.stop();
      await gw?.close();
      await hub.close();
    }
  }, 40_000);
});
