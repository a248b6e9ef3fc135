import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { telemed } from '../../protocols/index.js';
import { errorsOf, fhirValidators } from '../../test/helpers/fhir-validator.js';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { startHospital, type RunningHospital } from '../main.js';
import { FakeGateway, loginAll, memoryLogger, tempDir, type TempDir } from '../test-support.js';
import { ALARM_ACK_STREAM } from './ambulance-plugin.js';
import { encounterId } from './encounter.js';
import { UCUM, LOINC, MDC } from './fhir-observations.js';
import { alarmFrame, AMB_A, gpsFrame, PATIENT_A, recordedEcgFrame, twoSiteConfig, USERS, vitalsFrame } from './test-fixture.js';

const V = fhirValidators();
type Obs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the FHIR validator itself', () => {
  it('accepts the official R4 vital-signs examples and rejects a broken Observation', () => {
    const dir = sharedDataPath('fhir-r4-schema', 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBe(10);
    for (const f of files) expect(V.observation(JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'))), `${f}: ${errorsOf(V.observation)}`).toBe(true);
    expect(V.observation({ resourceType: 'Observation', status: 'bogus', code: { text: 'x' } })).toBe(false);
    expect(V.observation({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: '12' } })).toBe(false);
  });
});

describe('ambulance vitals API', () => {
  let dir: TempDir;
  let hub: RunningHospital;
  let gw: FakeGateway;
  let tokens: Record<string, string>;
  const t0 = Date.now() - 5 * 60_000;

  beforeEach(async () => {
    dir = tempDir();
    hub = await startHospital(await twoSiteConfig(dir.path), { logger: memoryLogger().logger });
    tokens = await loginAll(hub.app, USERS);
    gw = await FakeGateway.connect(hub.url);
    gw.hello();
    await gw.next('helloAck');
    for (let i = 1; i <= 5; i++) gw.send(vitalsFrame(AMB_A, PATIENT_A, i, t0 + i * 1000, { probeOff: i === 5 }));
    gw.send(gpsFrame(AMB_A, PATIENT_A, 1, t0 + 5000, 420));
    gw.send(alarmFrame(AMB_A, PATIENT_A, 1, t0 + 5500, 'alarm-1'));
    gw.send(recordedEcgFrame(AMB_A, PATIENT_A, 1, t0, 0, 500));
    gw.send(recordedEcgFrame(AMB_A, PATIENT_A, 2, t0 + 1000, 500, 500));
    const store = hub.app.hospital.store;
    await until('frames stored', async () => (await store.countFrames(AMB_A, 'vitals/monitor-1')) === 5 && (await store.countFrames(AMB_A, 'waveform-rec/monitor-1/ECG_II')) === 2
      && (await store.countFrames(AMB_A, 'alarm/monitor-1')) === 1 && (await store.countFrames(AMB_A, 'vitals/gps')) === 1);
  });
  afterEach(async () => {
    gw.close();
    await hub.close();
    dir.remove();
  });

  const get = (url: string, user: string) => hub.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[user] ?? ''}` } });

  it('serves a FHIR R4 searchset of vital-signs Observations that the official schema accepts', async () => {
    const enc = encounterId(AMB_A, PATIENT_A);
    const res = await get(`/fhir/Observation?encounter=${enc}&_count=1000`, 'nurse.wu');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    const bundle = res.json<Obs>();
    expect(V.resource(bundle), errorsOf(V.resource)).toBe(true);
    expect(V.bundle(bundle), errorsOf(V.bundle)).toBe(true);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    const obs = (bundle.entry as { resource: Obs }[]).map((e) => e.resource);
    for (const o of obs) expect(V.observation(o), `${JSON.stringify(o.code)}: ${errorsOf(V.observation)}`).toBe(true);
    expect(JSON.stringify(bundle)).not.toContain(PATIENT_A);

    // Vital-signs profile rules checked by hand: category, a LOINC code of the profile, UCUM quantities.
    const vital = obs.filter((o) => o.valueSampledData === undefined);
    // 5 frames: HR, NIBP panel, RR, Temp, EtCO2 each; SpO2 in 4 (probe off in the 5th); ETA is not an Observation.
    expect(vital).toHaveLength(5 * 5 + 4);
    const byLoinc = (code: string) => vital.filter((o) => (o.code.coding as { system: string; code: string }[]).some((c) => c.system === LOINC && c.code === code));
    expect(byLoinc('8867-4')).toHaveLength(5);
    expect(byLoinc('2708-6')).toHaveLength(4);
    expect(byLoinc('59408-5')).toHaveLength(4);
    expect(byLoinc('9279-1')).toHaveLength(5);
    expect(byLoinc('8310-5')).toHaveLength(5);
    expect(byLoinc('19891-1')).toHaveLength(5);
    for (const o of vital) {
      expect(o.status).toBe('final');
      expect(o.category[0].coding[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' });
      expect(o.subject).toBeDefined();
      expect(o.encounter).toEqual({ reference: `Encounter/${enc}` });
      expect(typeof o.effectiveDateTime).toBe('string');
      expect((o.code.coding as { system: string }[]).map((c) => c.system)).toEqual(expect.arrayContaining([LOINC, MDC]));
      const quantities = o.component === undefined ? [o.valueQuantity] : (o.component as { valueQuantity: Obs }[]).map((c) => c.valueQuantity);
      for (const q of quantities) {
        expect(q.system).toBe(UCUM);
        expect(q.code).toBe(q.unit);
        expect(['/min', '%', 'mm[Hg]', 'Cel']).toContain(q.code);
      }
    }
    const bp = byLoinc('85354-9');
    expect(bp).toHaveLength(5);
    expect(bp[0]?.valueQuantity).toBeUndefined();
    expect(bp[0]?.meta.profile).toContain('http://hl7.org/fhir/StructureDefinition/bp');
    expect((bp[0]?.component as { code: { coding: { code: string }[] }; valueQuantity: { value: number } }[]).map((c) => [c.code.coding[0]?.code, c.valueQuantity.value])).toEqual([['8480-6', 120], ['8462-4', 80], ['8478-0', 93]]);
    const hr = byLoinc('8867-4').map((o) => (o.valueQuantity as { value: number }).value).sort();
    expect(hr).toEqual([81, 82, 83, 84, 85]);
    expect(byLoinc('8867-4')[0]?.effectiveDateTime).toBe(new Date(t0 + 5000).toISOString());

    // The two recorded ECG chunks are contiguous: one SampledData of 1000 samples at 2 ms.
    const wave = obs.filter((o) => o.valueSampledData !== undefined);
    expect(wave).toHaveLength(1);
    expect(wave[0]?.valueSampledData).toMatchObject({ period: 2, factor: 0.005, dimensions: 1, origin: { value: 0, unit: 'mV', system: UCUM, code: 'mV' } });
    expect((wave[0]?.valueSampledData.data as string).split(' ')).toHaveLength(1000);
    expect(wave[0]?.code.coding[0]).toEqual({ system: MDC, code: '131330', display: 'MDC_ECG_LEAD_II' });
  });

  it('pages with _count and a next link', async () => {
    const enc = encounterId(AMB_A, PATIENT_A);
    const first = (await get(`/fhir/Observation?encounter=Encounter/${enc}&_count=10`, 'dr.li')).json<Obs>();
    expect(first.total).toBe(30);
    expect(first.entry).toHaveLength(10);
    const next = (first.link as { relation: string; url: string }[]).find((l) => l.relation === 'next');
    expect(next?.url).toContain('_offset=10');
    const last = (await get(`/fhir/Observation?encounter=${enc}&_count=10&_offset=20`, 'dr.li')).json<Obs>();
    expect(last.entry).toHaveLength(10);
    expect((last.link as { relation: string }[]).some((l) => l.relation === 'next')).toBe(false);
    // date=ge: frames 4 and 5 (6 Observations each) and the GPS frame (no Observation) are at or after t0 + 4 s.
    const since = (await get(`/fhir/Observation?encounter=${enc}&date=ge${new Date(t0 + 4000).toISOString()}&_count=1000`, 'dr.li')).json<Obs>();
    expect(since.total).toBe(6 + 5);
    expect((since.entry as { resource: Obs }[]).every((e) => String(e.resource.effectiveDateTime) >= new Date(t0 + 4000).toISOString())).toBe(true);
  });

  it('answers an unknown encounter 404 and a malformed one 400, as OperationOutcomes', async () => {
    const unknown = await get(`/fhir/Observation?encounter=${encounterId(AMB_A, 'nobody')}`, 'nurse.wu');
    expect(unknown.statusCode).toBe(404);
    expect(V.resource(unknown.json()), errorsOf(V.resource)).toBe(true);
    expect(unknown.json<Obs>().issue[0].details.coding[0].code).toBe('TM_ERR_ENCOUNTER_NOT_FOUND');
    const badDate = await get(`/fhir/Observation?encounter=${encounterId(AMB_A, PATIENT_A)}&date=lt2026-01-01`, 'nurse.wu');
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json<Obs>().issue[0].details.coding[0].code).toBe('TM_ERR_FHIR_BAD_SEARCH');
    const bad = await get('/fhir/Observation?encounter=%3Cscript%3E', 'nurse.wu');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<Obs>().issue[0].details.coding[0].code).toBe('TM_ERR_FHIR_BAD_SEARCH');
  });

  it('lists the ambulance with its position and ETA, and serves 15-minute trends', async () => {
    const list = (await get('/api/ambulances', 'nurse.wu')).json<Obs>();
    // siteKind comes from the Hello: the FakeGateway says "clinic", so it is not on the ambulance list.
    expect(list.ambulances).toEqual([]);
    gw.close();
    const amb = await FakeGateway.connect(hub.url);
    amb.send({ header: { gatewayId: AMB_A }, hello: { protocolVersion: 1, gatewayId: AMB_A, credential: 'clinic-1-secret-do-not-log', siteKind: 2, siteName: 'Ambulance 1' } });
    await amb.next('helloAck');
    const again = (await get('/api/ambulances', 'nurse.wu')).json<Obs>();
    expect(again.ambulances).toHaveLength(1);
    expect(again.ambulances[0]).toMatchObject({ id: AMB_A, site: 'site-a', connected: true, fix: { lat: 29.141, lon: 121.03, etaS: 420, speedMps: 15 } });
    amb.close();

    // After a hub restart, before the ambulance is back: listed from its stored position, offline.
    await hub.close();
    hub = await startHospital(await twoSiteConfig(dir.path), { logger: memoryLogger().logger });
    tokens = await loginAll(hub.app, USERS);
    const restarted = (await get('/api/ambulances', 'nurse.wu')).json<Obs>();
    expect(restarted.ambulances).toMatchObject([{ id: AMB_A, connected: false, fix: { etaS: 420 } }]);
    expect((await get('/api/ambulances', 'nurse.b')).json<Obs>().ambulances).toEqual([]);

    const recent = (await get(`/api/ambulances/${AMB_A}/recent?minutes=15`, 'nurse.wu')).json<Obs>();
    const hr = (recent.series as { code: string; points: [number, number][] }[]).find((s) => s.code === 'MDC_ECG_HEART_RATE');
    expect(hr?.points).toEqual([1, 2, 3, 4, 5].map((i) => [t0 + i * 1000, 80 + i]));
    const spo2 = (recent.series as { code: string; points: unknown[] }[]).find((s) => s.code === 'MDC_PULS_OXIM_SAT_O2');
    expect(spo2?.points).toHaveLength(4); // the probe-off value is no point of the trend
    expect(recent.track).toEqual([[t0 + 5000, 29.141, 121.03]]);
    expect(recent.alarms).toMatchObject([{ alarmId: 'alarm-1', priority: 'high', state: 'active', acks: [] }]);
    // The window is bounded (at most an hour): a bigger one is a client mistake.
    expect((await get(`/api/ambulances/${AMB_A}/recent?minutes=61`, 'nurse.wu')).statusCode).toBe(400);
  });

  it('sends an acknowledgement down to the ambulance on the durable downlink, audited', async () => {
    const res = await hub.app.inject({ method: 'POST', url: `/api/ambulances/${AMB_A}/alarms/alarm-1/ack`, headers: { authorization: `Bearer ${tokens['nurse.wu'] ?? ''}` } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ alarmId: 'alarm-1', state: 'acknowledged', by: 'nurse.wu', downlink: 'sent' });
    const down = await gw.next('alarm');
    expect(down.header).toMatchObject({ streamId: ALARM_ACK_STREAM, trafficClass: telemed.v1.TrafficClass.TRAFFIC_CLASS_ALARM, durable: true });
    expect(down.alarm).toMatchObject({ alarmId: 'alarm-1', state: telemed.v1.AlarmState.ALARM_STATE_ACKNOWLEDGED, text: 'acknowledged by nurse.wu', priority: 3 });
    const recent = (await get(`/api/ambulances/${AMB_A}/recent`, 'nurse.wu')).json<Obs>();
    expect(recent.alarms[0].acks).toMatchObject([{ username: 'nurse.wu', downlink: 'sent' }]);
    // Unknown alarm id: 404, nothing sent.
    const unknown = await hub.app.inject({ method: 'POST', url: `/api/ambulances/${AMB_A}/alarms/nope/ack`, headers: { authorization: `Bearer ${tokens['nurse.wu'] ?? ''}` } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'TM_ERR_ALARM_NOT_FOUND' });
  });
});
