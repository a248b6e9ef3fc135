import { get } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { pino } from 'pino';
import { TrafficClass, telemed } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { startGateway, type RunningGateway } from '../main.js';
import { FakeHub } from '../uplink/fake-hub.js';
import { ScriptedMonitor } from './scripted-monitor.js';

const { AlarmState, AlarmPriority } = telemed.v1;

let hub: FakeHub | undefined;
let gw: RunningGateway | undefined;
afterEach(async () => {
  await gw?.close();
  await hub?.close();
  gw = hub = undefined;
});

describe('ambulance gateway: edge alarm to the hub and the acknowledgement back', () => {
  it('a desaturation raises an ALARM frame at the hub; the hub\'s ack comes down, marks it and reaches the page', async () => {
    hub = await FakeHub.start({ credential: 's3cret' });
    const monitor = new ScriptedMonitor('mon-1', 'pt-secret-42');
    const spo2 = (value: number): void => monitor.numerics([{ code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value, unit: '%', valid: true }]);
    const config = loadGatewayConfig({
      gatewayId: 'amb-7', siteKind: 'ambulance', hub: { url: hub.url, credential: 's3cret' }, port: 0, outbox: { kind: 'memory' },
      devices: [{ kind: 'vitals-mqtt', id: 'mon-1' }],
      // SpO2 must stay low 300 ms here (10 s in the defaults) so the test runs in real time.
      vitals: { alarms: { limits: [{ code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', unit: '%', low: 90, lowPriority: 'high', hysteresis: 2, delayMs: 300 }] } },
    });
    gw = await startGateway(config, { logger: pino({ level: 'silent' }), deviceFactory: () => monitor });
    await vi.waitFor(() => expect(gw?.uplink.session.state).toBe('ready'), { timeout: 5000, interval: 10 });

    const live = new WebSocket(`ws://127.0.0.1:${gw.port}/live`);
    const messages: { type: string; alarms?: { alarmId: string; acknowledged: { by: string } | null }[] }[] = [];
    live.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as (typeof messages)[number]));
    await vi.waitFor(() => expect(messages.some((m) => m.type === 'vitals-snapshot')).toBe(true), { timeout: 3000, interval: 10 });

    spo2(97);
    const timer = setInterval(() => spo2(84), 50);
    try {
      const alarm = await hub.waitFor((e) => e.payload === 'alarm' && e.header.streamId === 'mon-1/alarms');
      expect(alarm.header).toMatchObject({ gatewayId: 'amb-7', durable: true, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, seq: 1 });
      expect(alarm.alarm).toMatchObject({ state: AlarmState.ALARM_STATE_ACTIVE, priority: AlarmPriority.ALARM_PRIORITY_HIGH, code: 'MDC_PULS_OXIM_SAT_O2/MDC_EVT_LO', deviceId: 'mon-1', patientRef: 'pt-secret-42' });
      const alarmId = alarm.alarm?.alarmId ?? '';

      // The hub's durable downlink (the path diagnoses take), as docs/CONTRACTS.md describes it.
      hub.send({
        header: { gatewayId: 'hub', streamId: 'hub/alarm-acks/amb-7', seq: 1, durable: true, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, captureTimeNs: Date.now() * 1e6 },
        alarm: { alarmId, state: AlarmState.ALARM_STATE_ACKNOWLEDGED, text: 'acknowledged by dr.zhou' },
      });
      const confirmed = await hub.waitFor((e) => e.payload === 'alarm' && e.alarm?.state === AlarmState.ALARM_STATE_ACKNOWLEDGED);
      expect(confirmed.alarm).toMatchObject({ alarmId, text: 'acknowledged by dr.zhou' });
      // The gateway acked the downlink frame (the hub would otherwise resend it).
      await hub.waitFor((e) => e.payload === 'ack' && (e.ack?.streams ?? []).some((s) => s.streamId === 'hub/alarm-acks/amb-7' && s.seq === 1));
      await vi.waitFor(() => {
        const last = messages.filter((m) => m.type === 'alarms').at(-1);
        expect(last?.alarms?.[0]).toMatchObject({ alarmId, acknowledged: { by: 'dr.zhou' } });
      }, { timeout: 3000, interval: 10 });

      // Still desaturated: the acknowledged episode is not raised again.
      await new Promise((r) => setTimeout(r, 500));
      expect(hub.dataFrames('mon-1/alarms').filter((e) => e.alarm?.state === AlarmState.ALARM_STATE_ACTIVE)).toHaveLength(1);
    } finally {
      clearInterval(timer);
      live.close();
    }

    // The monitor drops off: the device-gone technical alarm goes up at once.
    monitor.set('faulted');
    const gone = await hub.waitFor((e) => e.payload === 'alarm' && e.alarm?.code === 'TM_ALARM_DEVICE_GONE');
    expect(gone.alarm?.state).toBe(AlarmState.ALARM_STATE_ACTIVE);
    const snap = (await (await fetch(`${gw.url}/api/vitals`)).json()) as { alarms: { code: string; state: string }[] };
    expect(snap.alarms.map((a) => [a.code, a.state])).toEqual([['TM_ALARM_DEVICE_GONE', 'active'], ['MDC_PULS_OXIM_SAT_O2/MDC_EVT_LO', 'active']]);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('telemed_gateway_alarm_transitions_total{transition="raised"} 2');
    expect(metrics).toContain('telemed_gateway_alarm_transitions_total{transition="acknowledged"} 1');
    expect(metrics).toContain('telemed_gateway_alarms_active 2');
  });

  it('/api/vitals and the /live snapshot are behind the local API guard', async () => {
    hub = await FakeHub.start({ credential: 's3cret' });
    const config = loadGatewayConfig({ gatewayId: 'amb-8', siteKind: 'ambulance', hub: { url: hub.url, credential: 's3cret' }, port: 0, outbox: { kind: 'memory' } });
    gw = await startGateway(config, { logger: pino({ level: 'silent' }) });
    // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 (fetch cannot set Host).
    const rebinding = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get({ host: '127.0.0.1', port: gw?.port, path: '/api/vitals', headers: { host: 'evil.example' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    expect(rebinding.status).toBe(403);
    expect((JSON.parse(rebinding.body) as { code: string }).code).toBe('TM_ERR_HOST_NOT_ALLOWED');
    const own = await fetch(`${gw.url}/api/vitals`);
    expect(((await own.json()) as { type: string }).type).toBe('vitals-snapshot');
    const crossSite = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gw?.port}/live`, { headers: { origin: 'http://evil.example' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(crossSite).toBe(403);
  });
});
