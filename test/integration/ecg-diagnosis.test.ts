import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../hospital/auth/password.js';
import { loadHospitalConfig } from '../../hospital/config.js';
import type { EcgAuditEvent } from '../../hospital/ecg/audit-store.js';
import type { EcgRecordView } from '../../hospital/ecg/ecg-store.js';
import { startHospital } from '../../hospital/main.js';
import type { GatewayEcgView } from '../../gateway/ecg/view.js';
import { startLink, type LinkEmulator } from '../../simulators/link/index.js';
import { CartSimulator, openSerialWire } from '../../simulators/ecg-cart/index.js';
import { waitFor } from '../helpers/cli-process.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { makeTempDir, requireSocat, startPtyPair, type PtyPair } from '../helpers/socat.js';

const PATIENT = 'P-DIAGNOSIS-SECRET-4';
const FAST = { N: 1024, r: 8, p: 1 } as const;

/**
 * The whole reading loop: cart (socat pty) → gateway child process (ecg.send auto) → link emulator
 * (urban-5g) → hub; a specialist claims and reports; the clinic's API shows the signed diagnosis,
 * and still shows it after the gateway process is killed and started again.
 */
describe('ECG diagnosis: cart → gateway → link → hub → reader → gateway, across a gateway restart', () => {
  requireSocat();
  const tmp = makeTempDir('tm-ecg-dx-');
  let pair: PtyPair | null = null;
  let wire: Awaited<ReturnType<typeof openSerialWire>> | null = null;
  let sim: CartSimulator | null = null;
  let gw: GatewayProcess | null = null;
  let link: LinkEmulator | null = null;
  let closeHub: (() => Promise<void>) | null = null;

  afterAll(async () => {
    await gw?.kill('SIGTERM');
    sim?.stop();
    await wire?.close();
    await pair?.kill();
    await link?.close();
    await closeHub?.();
    tmp.remove();
  });

  it('shows reported with the diagnosis on the gateway, before and after a restart', async () => {
    const secret = 'gw-secret-ecg-dx';
    const hub = await startHospital(loadHospitalConfig({
      host: '127.0.0.1', port: 0, dataDir: join(tmp.dir, 'hub'), dashboardsDir: join(tmp.dir, 'none'),
      gateways: [{ id: 'clinic-1', secretHash: await hashSecret(secret, FAST) }],
      users: [{ username: 'dr.li', role: 'specialist', sites: ['*'], passwordHash: await hashSecret('li-pass-1', FAST) }],
    }), { logger: pino({ level: 'error' }) });
    closeHub = () => hub.close();
    link = await startLink({ targetHost: '127.0.0.1', targetPort: hub.port, profile: 'urban-5g', seed: 4 });

    const stable = join(tmp.dir, 'usb-telemed-ECG18-DX01');
    pair = await startPtyPair(join(tmp.dir, 'cart'), stable);
    wire = await openSerialWire(pair.a);
    sim = new CartSimulator({ wire, model: { seed: 21, rhythm: 'sinus', sampleRateHz: 500 }, serial: 'DX01', baudRate: 921_600 });
    sim.start();

    gw = await GatewayProcess.create(tmp.dir, {
      // Enrolled with the hub's diagnosis signing key (the public half its first start wrote).
      gatewayId: 'clinic-1', hub: { url: `ws://127.0.0.1:${link.port}/uplink`, credential: secret, signingPublicKey: join(tmp.dir, 'hub', 'hub-signing.pub') },
      dataDir: join(tmp.dir, 'gw'), devices: [{ kind: 'ecg-cart', id: 'cart-1', path: stable }], ecg: { send: 'auto' },
    });
    await gw.start(30_000);
    const gwUrl = gw.url;
    const gwRecord = async (id: string): Promise<GatewayEcgView | undefined> => {
      const res = await fetch(`${gwUrl}/api/ecg/records/${encodeURIComponent(id)}`);
      return res.ok ? ((await res.json()) as { record: GatewayEcgView }).record : undefined;
    };
    await waitFor('cart streaming', async () => {
      const s = (await (await fetch(`${gwUrl}/api/status`)).json()) as { devices: { id: string; state: string }[] };
      return s.devices.find((d) => d.id === 'cart-1')?.state === 'running';
    }, 20_000);

    const li = { authorization: `Bearer ${((await (await fetch(`${hub.url.replace(/\/$/, '')}/api/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dr.li', password: 'li-pass-1' }),
    })).json()) as { token: string }).token}` };
    const hubUrl = hub.url.replace(/\/$/, '');

    sim.pressRecord(PATIENT, 10_000);
    const rec = await waitFor('record in the hub worklist', async () => {
      const { records } = (await (await fetch(`${hubUrl}/api/ecg/worklist`, { headers: li })).json()) as { records: EcgRecordView[] };
      return records[0];
    }, 40_000);
    expect(rec).toMatchObject({ gatewayId: 'clinic-1', corruptCode: null });
    // The hub's EcgStatus RECEIVED (or the uplink's acks) made it delivered on the gateway.
    await waitFor('delivered on the gateway', async () => (await gwRecord(rec.recordId))?.state === 'delivered', 15_000);

    expect((await fetch(`${hubUrl}/api/ecg/records/${rec.id}/claim`, { method: 'POST', headers: li })).status).toBe(200);
    const inReading = await waitFor('in reading on the gateway', async () => {
      const r = await gwRecord(rec.recordId);
      return r?.state === 'in-reading' ? r : undefined;
    }, 15_000);
    expect(inReading.readerName).toBe('dr.li');

    const posted = await fetch(`${hubUrl}/api/ecg/records/${rec.id}/diagnosis`, {
      method: 'POST', headers: { ...li, 'content-type': 'application/json' },
      body: JSON.stringify({ statements: ['Sinus rhythm', 'Normal ECG'], text: 'No acute changes.', critical: false }),
    });
    expect(posted.status).toBe(201);
    const { diagnosis } = (await posted.json()) as { diagnosis: { diagnosisId: string; signature: string } };
    const reported = await waitFor('reported on the gateway', async () => {
      const r = await gwRecord(rec.recordId);
      return r?.state === 'reported' ? r : undefined;
    }, 15_000);
    expect(reported.diagnosis).toMatchObject({
      diagnosisId: diagnosis.diagnosisId, readerName: 'dr.li', statements: ['Sinus rhythm', 'Normal ECG'], text: 'No acute changes.',
      revision: 1, signatureAlg: 'ed25519', signature: diagnosis.signature, verification: 'verified',
    });
    // What the clinic sees: the gateway checked the hub's Ed25519 signature with its enrolled key.
    const metricsText = await (await fetch(`${gwUrl}/metrics`)).text();
    expect(metricsText).toMatch(/telemed_gateway_ecg_diagnoses_total\{verification="verified"\} 1/);

    // The hub's audit trail: each relay hand-off ('relay-queued') is followed by 'relay-delivered'
    // once the gateway's ack takes the frame out of the hub's downlink outbox.
    const trail = await waitFor('relay-delivered for the diagnosis in the hub audit', async () => {
      const { events } = (await (await fetch(`${hubUrl}/api/ecg/records/${rec.id}/audit`, { headers: li })).json()) as { events: EcgAuditEvent[] };
      return events.some((e) => e.action === 'relay-delivered' && e.detail.startsWith('diagnosis revision=1 ')) ? events : undefined;
    }, 15_000);
    console.log(JSON.stringify({ audit: trail.map((e) => `${e.actor}:${e.action}${e.action.startsWith('relay') ? ` ${e.detail}` : ''}`) }));
    for (const what of ['status=received stream=ecg-status', 'status=in-reading stream=ecg-status', 'diagnosis revision=1 stream=ecg-dx']) {
      const queued = trail.findIndex((e) => e.action === 'relay-queued' && e.detail.startsWith(what));
      const delivered = trail.findIndex((e) => e.action === 'relay-delivered' && e.detail.startsWith(`${what} seq=`));
      expect(queued, what).toBeGreaterThanOrEqual(0);
      expect(delivered, what).toBeGreaterThan(queued);
    }
    expect(trail.filter((e) => e.action === 'relay-delivered')).toHaveLength(3);

    await gw.kill('SIGKILL');
    await gw.start(30_000);
    const after = await gwRecord(rec.recordId);
    expect(after).toMatchObject({ state: 'reported', readerName: 'dr.li', diagnosis: { diagnosisId: diagnosis.diagnosisId, revision: 1, verification: 'verified' } });
    const list = (await (await fetch(`${gwUrl}/api/ecg/records`)).json()) as { records: GatewayEcgView[] };
    expect(list.records.map((r) => r.recordId)).toContain(rec.recordId);
    expect(JSON.stringify(list)).not.toContain(PATIENT);
    expect(gw.output).not.toContain(PATIENT);
  }, 150_000);
});
