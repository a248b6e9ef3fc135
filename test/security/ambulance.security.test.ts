// Attack suite for the ambulance board, the alarm acknowledgement and FHIR (issue 10 item 6): a
// clinician of site B, over real HTTP and WebSocket to a hub on loopback, tries to read and act on
// site A's ambulance. Every refusal is the same answer as for an id that does not exist (no
// probing), nothing is queued down to site A's ambulance, and /live never carries site A's frames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHospital, type RunningHospital } from '../../hospital/main.js';
import { FakeGateway, memoryLogger, tempDir, type TempDir } from '../../hospital/test-support.js';
import { encounterId } from '../../hospital/vitals/encounter.js';
import { alarmFrame, AMB_A, AMB_B, PATIENT_A, PATIENT_B, twoSiteConfig, USERS, vitalsFrame } from '../../hospital/vitals/test-fixture.js';

type Who = keyof typeof USERS;
type Msg = { type: string; gatewayId?: string };

describe('security: ambulance board, alarm acks and FHIR are scoped to the person\'s sites', () => {
  let dir: TempDir;
  let hub: RunningHospital;
  let gwA: FakeGateway;
  let gwB: FakeGateway;
  const logs = memoryLogger();
  const tokens = {} as Record<Who, string>;
  const t0 = Date.now() - 60_000;

  const api = (path: string, who?: Who, init: RequestInit = {}) =>
    fetch(`${hub.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...(who === undefined ? {} : { authorization: `Bearer ${tokens[who]}` }) } });

  async function live(who: Who): Promise<{ ws: WebSocket; msgs: Msg[] }> {
    const { ticket } = await (await api('/api/live-ticket', who, { method: 'POST' })).json() as { ticket: string };
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/live?ticket=${ticket}`);
    const msgs: Msg[] = [];
    ws.on('message', (d: Buffer) => msgs.push(JSON.parse(d.toString()) as Msg));
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return { ws, msgs };
  }

  async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function gateway(id: string): Promise<FakeGateway> {
    const g = await FakeGateway.connect(hub.url);
    g.answerPings = false;
    g.send({ header: { gatewayId: id }, hello: { protocolVersion: 1, gatewayId: id, credential: 'clinic-1-secret-do-not-log', siteKind: 2, siteName: id } });
    await g.next('helloAck');
    return g;
  }

  beforeAll(async () => {
    dir = tempDir();
    hub = await startHospital(await twoSiteConfig(dir.path), { logger: logs.logger });
    for (const [u, p] of Object.entries(USERS)) {
      const res = await api('/api/login', undefined, { method: 'POST', body: JSON.stringify({ username: u, password: p }), headers: { 'content-type': 'application/json' } });
      tokens[u as Who] = ((await res.json()) as { token: string }).token;
    }
    gwA = await gateway(AMB_A);
    gwB = await gateway(AMB_B);
    for (let i = 1; i <= 3; i++) gwA.send(vitalsFrame(AMB_A, PATIENT_A, i, t0 + i * 1000));
    gwA.send(alarmFrame(AMB_A, PATIENT_A, 1, t0 + 3500, 'alarm-a'));
    gwB.send(vitalsFrame(AMB_B, PATIENT_B, 1, t0 + 1000));
    gwB.send(alarmFrame(AMB_B, PATIENT_B, 1, t0 + 1500, 'alarm-b'));
    const store = hub.app.hospital.store;
    await until('frames stored', async () => (await store.countFrames(AMB_A, 'alarm/monitor-1')) === 1 && (await store.countFrames(AMB_B, 'alarm/monitor-1')) === 1
      && (await store.countFrames(AMB_A, 'vitals/monitor-1')) === 3);
  });
  afterAll(async () => {
    gwA.close();
    gwB.close();
    await hub.close();
    dir.remove();
  });

  it('refuses every route without a session (401)', async () => {
    for (const [method, path] of [['GET', '/api/ambulances'], ['GET', `/api/ambulances/${AMB_A}/recent`], ['POST', `/api/ambulances/${AMB_A}/alarms/alarm-a/ack`],
      ['GET', `/fhir/Observation?encounter=${encounterId(AMB_A, PATIENT_A)}`]] as const) {
      const res = await fetch(`${hub.url}${path}`, { method, headers: { authorization: 'Bearer forged-token' } });
      expect(res.status, path).toBe(401);
    }
  });

  it('does not list another site\'s ambulance', async () => {
    const ids = (who: Who) => api('/api/ambulances', who).then(async (r) => ((await r.json()) as { ambulances: { id: string }[] }).ambulances.map((a) => a.id));
    expect(await ids('nurse.b')).toEqual([AMB_B]);
    expect(await ids('nurse.wu')).toEqual([AMB_A]);
    expect((await ids('it.admin')).sort()).toEqual([AMB_A, AMB_B].sort());
  });

  it('answers another site\'s trends like an unknown ambulance, and logs the attempt', async () => {
    const theirs = await api(`/api/ambulances/${AMB_A}/recent`, 'nurse.b');
    const unknown = await api('/api/ambulances/no-such-ambulance/recent', 'nurse.b');
    expect(theirs.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await theirs.json()).toEqual(await unknown.json());
    expect((await api(`/api/ambulances/${AMB_B}/recent`, 'nurse.b')).status).toBe(200);
    expect(logs.text()).toContain('TM_ERR_SITE_FORBIDDEN');
  });

  it('cannot acknowledge another site\'s alarm: 404, nothing sent down, nothing audited', async () => {
    const res = await api(`/api/ambulances/${AMB_A}/alarms/alarm-a/ack`, 'nurse.b', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'TM_ERR_AMBULANCE_NOT_FOUND' });
    // Site B's alarm id used against site A's ambulance is no alarm there either.
    expect((await api(`/api/ambulances/${AMB_A}/alarms/alarm-b/ack`, 'nurse.wu', { method: 'POST' })).status).toBe(404);
    expect(hub.app.hospital.store.downlink.pending(AMB_A)).toEqual([]);
    const recent = (await (await api(`/api/ambulances/${AMB_A}/recent`, 'nurse.wu')).json()) as { alarms: { acks: unknown[] }[] };
    expect(recent.alarms[0]?.acks).toEqual([]);
    // Positive control: the owner may, and it goes down to site B's gateway only.
    expect((await api(`/api/ambulances/${AMB_B}/alarms/alarm-b/ack`, 'nurse.b', { method: 'POST' })).status).toBe(202);
    expect((await gwB.next('alarm')).alarm).toMatchObject({ alarmId: 'alarm-b', text: 'acknowledged by nurse.b' });
    expect(gwA.received.some((e) => e.payload === 'alarm')).toBe(false);
  });

  it('answers another site\'s FHIR encounter like an unknown one', async () => {
    const theirs = await api(`/fhir/Observation?encounter=${encounterId(AMB_A, PATIENT_A)}`, 'nurse.b');
    const unknown = await api(`/fhir/Observation?encounter=${encounterId(AMB_B, 'no-such-patient')}`, 'nurse.b');
    expect(theirs.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await theirs.json()).toEqual(await unknown.json());
    expect((await api(`/fhir/Observation?encounter=${encounterId(AMB_B, PATIENT_B)}`, 'nurse.b')).status).toBe(200);
  });

  it('counts the refusals by code', async () => {
    const count = async (name: string, code: string): Promise<number> =>
      (await hub.app.hospital.metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels['code'] === code)?.value ?? 0;
    expect(await count('telemed_ambulance_api_refused_total', 'TM_ERR_AMBULANCE_NOT_FOUND')).toBeGreaterThanOrEqual(3);
    expect(await count('telemed_ambulance_api_refused_total', 'TM_ERR_UNAUTHENTICATED')).toBeGreaterThanOrEqual(3);
    expect(await count('telemed_fhir_refused_total', 'TM_ERR_ENCOUNTER_NOT_FOUND')).toBeGreaterThanOrEqual(2);
  });

  it('never pushes site A\'s vitals, live waveforms or alarms (or their acks) on site B\'s /live', async () => {
    const a = await live('nurse.wu');
    const b = await live('nurse.b');
    gwA.send(vitalsFrame(AMB_A, PATIENT_A, 4, Date.now()));
    gwA.send({
      header: { gatewayId: AMB_A, streamId: 'waveform/monitor-1/ECG_II', seq: 1, trafficClass: 4, durable: false, captureTimeNs: Date.now() * 1e6 },
      waveform: { deviceId: 'monitor-1', channel: 'ECG_II', code: 'MDC_ECG_LEAD_II', sampleRateHz: 500, firstSampleIndex: 0, samples: [1, 2, 3], scale: 0.005, unit: 'mV', patientRef: PATIENT_A },
    });
    gwA.send(alarmFrame(AMB_A, PATIENT_A, 2, Date.now(), 'alarm-a2'));
    await until('the alarm reached site A', () => a.msgs.some((m) => m.type === 'alarm' && m.gatewayId === AMB_A));
    expect((await api(`/api/ambulances/${AMB_A}/alarms/alarm-a2/ack`, 'nurse.wu', { method: 'POST' })).status).toBe(202);
    gwB.send(vitalsFrame(AMB_B, PATIENT_B, 2, Date.now()));
    const kinds = (m: Msg[]) => new Set(m.filter((x) => x.gatewayId === AMB_A).map((x) => x.type));
    await until('site A sees its own frames', () => ['vitals', 'waveform', 'alarm'].every((k) => kinds(a.msgs).has(k)));
    await until('site B sees its own vitals', () => b.msgs.some((m) => m.type === 'vitals' && m.gatewayId === AMB_B));
    await until('the acknowledgement reached site A', () => a.msgs.filter((m) => m.type === 'alarm' && m.gatewayId === AMB_A).length >= 2);
    expect(b.msgs.filter((m) => m.gatewayId === AMB_A)).toEqual([]);
    expect(JSON.stringify([...a.msgs, ...b.msgs])).not.toContain(PATIENT_A);
    // Nor do the hub's logs name a patient reference (the board, acks and FHIR log gateway, alarm and user only).
    expect(logs.text()).not.toContain(PATIENT_A);
    expect(logs.text()).not.toContain(PATIENT_B);
    a.ws.terminate();
    b.ws.terminate();
  });
});
