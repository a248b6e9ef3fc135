// Attack suite, issue 12 item 11: a fake hub (another Ed25519 key) sends a clinic's gateway a
// forged diagnosis for one of its records. The real gateway runs as a child process (`telemed
// gateway`), enrolled with the real hub's public key; the fake hub speaks the real uplink protocol.
// The forged report must be kept and shown UNVERIFIED (never "signed"), warned about with a stable
// code and counted, with no patient identifier in any log line; the genuine report then replaces it.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulatedRecord } from '../../gateway/analysis/findings/sim-record.js';
import { FakeHub } from '../../gateway/uplink/fake-hub.js';
import type { GatewayEcgView } from '../../gateway/ecg/view.js';
import { loadHubSigningKey, signDiagnosis, SIGNING_PUBLIC_KEY_FILE, type HubSigningKey } from '../../hospital/ecg/diagnosis-signature.js';
import { exportEcg } from '../../protocols/ecg/export.js';
import { TrafficClass } from '../../protocols/index.js';
import { waitFor } from '../helpers/cli-process.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { makeTempDir } from '../helpers/socat.js';

const PATIENT = 'Sentinel-Patient-Okafor-5150';
const TOKEN = 'forged-dx-install-token-0123456789';
const SIGNED_AT_MS = 1_765_000_000_000;

describe('security: a forged diagnosis from a hub with another key', () => {
  const tmp = makeTempDir('tm-forged-dx-');
  let hub: FakeHub | null = null;
  let gw: GatewayProcess | null = null;
  afterAll(async () => {
    await gw?.kill('SIGTERM');
    await hub?.close();
    tmp.remove();
  });

  it('is stored and shown UNVERIFIED with TM_WARN_DIAGNOSIS_UNVERIFIED, counted, logged without patient ids; the real one then shows verified', async () => {
    // The real hub's key: its first start writes hub-signing.key / hub-signing.pub (the enrolment file).
    const realDir = join(tmp.dir, 'real-hub');
    const real = loadHubSigningKey(realDir);
    const attacker = loadHubSigningKey(join(tmp.dir, 'attacker'));
    expect(attacker.keyId).not.toBe(real.keyId);

    hub = await FakeHub.start({ credential: 'gw-secret-forged' });
    gw = await GatewayProcess.create(tmp.dir, {
      gatewayId: 'clinic-1', hub: { url: hub.url, credential: 'gw-secret-forged', signingPublicKey: join(realDir, SIGNING_PUBLIC_KEY_FILE) },
      dataDir: join(tmp.dir, 'gw'), api: { token: TOKEN }, ecg: { send: 'auto' },
    });
    await gw.start(30_000);
    const gwUrl = gw.url;

    // A record imported from a file named after the patient, with the patient's id inside.
    const rec = { ...simulatedRecord({ seed: 12, durationS: 2 }), patient: { ...simulatedRecord({ seed: 12, durationS: 2 }).patient, id: PATIENT } };
    const imp = await fetch(`${gwUrl}/api/ecg/import`, {
      method: 'POST', body: Buffer.from(exportEcg(rec, 'aecg')),
      headers: { 'content-type': 'application/octet-stream', 'x-filename': `${PATIENT}.xml`, 'x-telemed-token': TOKEN },
    });
    expect(imp.status).toBe(201);
    const { record } = (await imp.json()) as { record: GatewayEcgView };
    const view = async (): Promise<GatewayEcgView> => ((await (await fetch(`${gwUrl}/api/ecg/records/${encodeURIComponent(record.recordId)}`)).json()) as { record: GatewayEcgView }).record;
    await waitFor('record delivered to the (fake) hub', async () => (await view()).state === 'delivered', 20_000);

    const dxFrame = (key: HubSigningKey, seq: number, text: string, claimedKeyId: string) => {
      const content = { recordId: record.recordId, gatewayId: 'clinic-1', statements: ['Sinus rhythm'], text, critical: false, reader: 'dr.li', signedAtMs: SIGNED_AT_MS, revision: 1 };
      return {
        header: { gatewayId: 'hub', streamId: 'ecg-dx', seq, durable: true, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, captureTimeNs: Date.now() * 1e6 },
        diagnosis: {
          recordId: record.recordId, diagnosisId: 'dx-forged-or-real', readerId: 'dr.li', readerName: 'dr.li', statements: ['Sinus rhythm'], text,
          signedAtNs: SIGNED_AT_MS * 1e6, critical: false, revision: 1, signature: signDiagnosis(key, content), signatureAlg: 'ed25519', signingKeyId: claimedKeyId,
        },
      };
    };
    // The forger signs with its own key and claims the real hub's key id.
    hub.send(dxFrame(attacker, 1, `All clear for ${PATIENT}, no follow-up needed.`, real.keyId));
    const forged = await waitFor('forged diagnosis stored', async () => {
      const v = await view();
      return v.diagnosis !== null ? v : undefined;
    }, 15_000);
    expect(forged.diagnosis).toMatchObject({ verification: 'unverified', signatureAlg: 'ed25519' });
    expect(forged.diagnosis?.verification).not.toBe('verified');
    await waitFor('TM_WARN_DIAGNOSIS_UNVERIFIED logged', () => gw?.output.includes('TM_WARN_DIAGNOSIS_UNVERIFIED'), 5_000);
    const metrics = await (await fetch(`${gwUrl}/metrics`)).text();
    expect(metrics).toMatch(/telemed_gateway_ecg_diagnoses_total\{verification="unverified"\} 1/);
    expect(metrics).not.toMatch(/verification="verified"/);
    const warn = gw.output.split('\n').find((l) => l.includes('TM_WARN_DIAGNOSIS_UNVERIFIED')) ?? '';
    expect(JSON.parse(warn)).toMatchObject({ level: 40, keyId: real.keyId, enrolledKeyId: real.keyId, recordId: record.recordId });

    // The genuine report with the same id and revision replaces the forged one.
    hub.send(dxFrame(real, 2, 'Sinus rhythm, normal ECG.', real.keyId));
    const genuine = await waitFor('genuine diagnosis verified', async () => {
      const v = await view();
      return v.diagnosis?.verification === 'verified' ? v : undefined;
    }, 15_000);
    expect(genuine.diagnosis).toMatchObject({ text: 'Sinus rhythm, normal ECG.', signingKeyId: real.keyId });

    // No log line names the patient (file name, patient id, or the forged text).
    expect(gw.output.length).toBeGreaterThan(0);
    for (const line of gw.output.split('\n')) expect(line).not.toContain(PATIENT);
  }, 90_000);
});
