import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeEnvelope, encodeEnvelope, TrafficClass } from '../../protocols/index.js';
import { startHospital, type RunningHospital } from '../main.js';
import { FAST_SCRYPT, memoryLogger, tempDir, testConfig, type TempDir } from '../test-support.js';
import { hashSecret } from './password.js';

/**
 * Clinic isolation (issue 12, item 7): two clinics, a clinician and a specialist of each, an
 * admin. Every API serving gateway data and /live answer per person. On the old hub the clinician
 * of clinic A got clinic B's gateways, vitals, alarms and records on /live and from /api/gateways,
 * and a specialist read, claimed, reported and audited any clinic's record.
 */
const PATIENT = 'PAT-ISOLATION-0042';
const PW = { 'nurse.a': 'nurse-a-pass', 'dr.a': 'dr-a-pass', 'dr.b': 'dr-b-pass', admin: 'admin-pass' } as const;
type Who = keyof typeof PW;

function ecgFrames(gatewayId: string, recordId: string, seq0: number): Uint8Array[] {
  const blob = new Uint8Array(2000).map((_, i) => i % 251);
  const sha = createHash('sha256').update(blob).digest();
  return [0, 1000].map((o, n) => encodeEnvelope({
    header: { gatewayId, streamId: 'cart-1/ecg-record', seq: seq0 + n, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: Date.now() * 1e6 },
    ecgChunk: { recordId, offset: o, totalSize: 2000, data: blob.subarray(o, o + 1000), contentType: 'application/x-telemed-ecg-int16le;leads=2;rate=500', patientRef: PATIENT, last: o === 1000, ...(o === 0 ? { sha256: sha } : {}) },
  }));
}

describe('clinic isolation', () => {
  let dir: TempDir;
  let hub: RunningHospital;
  const mem = memoryLogger();
  const tokens = {} as Record<Who, string>;
  const ids: Record<string, number> = {};
  const auth = (w: Who) => ({ authorization: `Bearer ${tokens[w]}` });

  async function live(w: Who): Promise<{ ws: WebSocket; messages: { type: string; [k: string]: unknown }[] }> {
    const { ticket } = (await hub.app.inject({ method: 'POST', url: '/api/live-ticket', headers: auth(w) })).json<{ ticket: string }>();
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/live?ticket=${ticket}`);
    const messages: { type: string }[] = [];
    ws.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as { type: string }));
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return { ws, messages };
  }

  beforeAll(async () => {
    dir = tempDir();
    const h = (p: string) => hashSecret(p, FAST_SCRYPT);
    hub = await startHospital(await testConfig(dir.path, {
      gateways: [
        { id: 'clinic-a', site: 'village-a', secretHash: await h('a-secret-1') },
        { id: 'amb-a', site: 'village-a', secretHash: await h('a-secret-2') },
        { id: 'clinic-b', site: 'village-b', secretHash: await h('b-secret-1') },
      ],
      users: [
        { username: 'nurse.a', role: 'clinician', sites: ['village-a'], passwordHash: await h(PW['nurse.a']) },
        { username: 'dr.a', role: 'specialist', sites: ['village-a'], passwordHash: await h(PW['dr.a']) },
        { username: 'dr.b', role: 'specialist', sites: ['village-b'], passwordHash: await h(PW['dr.b']) },
        { username: 'admin', role: 'admin', passwordHash: await h(PW.admin) },
      ],
    }), { logger: mem.logger });
    for (const [username, password] of Object.entries(PW)) {
      tokens[username as Who] = (await hub.app.inject({ method: 'POST', url: '/api/login', payload: { username, password } })).json<{ token: string }>().token;
    }
  });
  afterAll(async () => { await hub.close(); dir.remove(); });

  it('serves /api/gateways and the /live snapshot per site', async () => {
    const gw = (w: Who) => hub.app.inject({ url: '/api/gateways', headers: auth(w) }).then((r) => r.json<{ id: string }[]>().map((g) => g.id).sort());
    expect(await gw('nurse.a')).toEqual(['amb-a', 'clinic-a']);
    expect(await gw('dr.b')).toEqual(['clinic-b']);
    expect(await gw('admin')).toEqual(['amb-a', 'clinic-a', 'clinic-b']);
    const a = await live('nurse.a');
    await expect.poll(() => a.messages.length).toBeGreaterThan(0);
    expect((a.messages[0] as unknown as { gateways: { id: string }[] }).gateways.map((g) => g.id).sort()).toEqual(['amb-a', 'clinic-a']);
    a.ws.close();
  });

  it('pushes vitals, alarms and ECG records on /live only to the sites they came from', async () => {
    const a = await live('nurse.a');
    const b = await live('dr.b');
    const adm = await live('admin');
    const { registry, store } = hub.app.hospital;
    for (const gatewayId of ['clinic-a', 'clinic-b']) {
      registry.emitFrame(gatewayId, decodeEnvelope(encodeEnvelope({
        header: { gatewayId, streamId: 'vitals/m', seq: 1, trafficClass: 3, durable: true, captureTimeNs: Date.now() * 1e6 },
        vitals: { deviceId: 'm', patientRef: PATIENT, numerics: [{ code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value: 97, unit: '%' }] },
      })));
      registry.emitFrame(gatewayId, decodeEnvelope(encodeEnvelope({
        header: { gatewayId, streamId: 'alarm/m', seq: 1, trafficClass: 2, durable: true, captureTimeNs: Date.now() * 1e6 },
        alarm: { alarmId: `al-${gatewayId}`, priority: 3, state: 1, kind: 1, code: 'TM_ALARM_SPO2_LOW', text: 'SpO2 low', value: 85, unit: '%' },
      })));
      for (const [i, raw] of ecgFrames(gatewayId, `REC-${gatewayId}`, 10).entries()) {
        await store.storeFrames([{ gatewayId, streamId: 'cart-1/ecg-record', seq: 10 + i, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, captureTimeNs: 0, receivedAtNs: 0, payloadKind: 'ecgChunk', raw }]);
        registry.emitFrame(gatewayId, decodeEnvelope(raw));
      }
    }
    const about = (ms: { type: string; [k: string]: unknown }[]) => [...new Set(ms.filter((m) => m.type !== 'snapshot' && m.type !== 'gateway')
      .map((m) => `${m.type}:${(m['gatewayId'] as string | undefined) ?? (m['record'] as { gatewayId: string }).gatewayId}`))].sort();
    await expect.poll(() => about(adm.messages).length).toBe(6);
    await expect.poll(() => about(a.messages)).toEqual(['alarm:clinic-a', 'ecg:clinic-a', 'vitals:clinic-a']);
    await expect.poll(() => about(b.messages)).toEqual(['alarm:clinic-b', 'ecg:clinic-b', 'vitals:clinic-b']);
    for (const s of [a, b, adm]) s.ws.close();
    for (const r of hub.app.hospital.store.ecg.list()) ids[r.gatewayId] = r.id;
  });

  it('refuses another site\'s record on every ECG route with 404 TM_ERR_ECG_NOT_FOUND, logged and audited', async () => {
    const foreign = ids['clinic-a'] ?? -1;
    expect(foreign).toBeGreaterThan(0);
    const wl = (w: Who) => hub.app.inject({ url: '/api/ecg/worklist', headers: auth(w) }).then((r) => r.json<{ records: { gatewayId: string }[] }>().records.map((r) => r.gatewayId));
    expect(await wl('dr.b')).toEqual(['clinic-b']);
    expect(await wl('dr.a')).toEqual(['clinic-a']);
    const routes = [
      { method: 'GET' as const, url: `/api/ecg/records/${foreign}` },
      { method: 'GET' as const, url: `/api/ecg/records/${foreign}?samples=1` },
      { method: 'GET' as const, url: `/api/ecg/records/${foreign}/audit` },
      { method: 'POST' as const, url: `/api/ecg/records/${foreign}/claim` },
      { method: 'POST' as const, url: `/api/ecg/records/${foreign}/release` },
      { method: 'POST' as const, url: `/api/ecg/records/${foreign}/diagnosis`, payload: { statements: ['Sinus rhythm'], text: 'x' } },
    ];
    for (const r of routes) {
      const res = await hub.app.inject({ ...r, headers: auth('dr.b') });
      expect(res.statusCode, r.url).toBe(404);
      expect(res.json<{ code: string }>().code).toBe('TM_ERR_ECG_NOT_FOUND');
    }
    // Nothing changed hands, and the owner site's specialist still reads it.
    expect((await hub.app.inject({ method: 'POST', url: `/api/ecg/records/${foreign}/claim`, headers: auth('dr.a') })).statusCode).toBe(200);
    const trail = (await hub.app.inject({ url: `/api/ecg/records/${foreign}/audit`, headers: auth('admin') })).json<{ events: { actor: string; action: string }[] }>().events;
    expect(trail.filter((e) => e.action === 'access-refused').map((e) => e.actor)).toEqual(Array(routes.length).fill('dr.b'));
    const lines = mem.text().split('\n').filter((l) => l.includes('TM_ERR_SITE_FORBIDDEN'));
    expect(lines.length).toBeGreaterThanOrEqual(routes.length);
    expect(mem.text()).not.toContain(PATIENT);
  });
});
