import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseVerifyKey, type DiagnosisVerification } from '../../protocols/ecg/diagnosis-signature.js';
import type { Clock, DecodedEnvelope } from '../../protocols/index.js';
import { loadHubSigningKey, signDiagnosis, type HubSigningKey } from '../../hospital/ecg/diagnosis-signature.js';
import { simulatedRecord } from '../analysis/findings/sim-record.js';
import type { BuildFrameInput, OutFrame } from '../uplink/streams.js';
import { DIAGNOSIS_UNVERIFIED, EcgService } from './ecg-service.js';
import { EcgRecordStore } from './record-store.js';

const clock: Clock = { nowNs: () => 1_700_000_000_000 * 1e6, monoMs: () => 0 };
const uplink = { submit: (f: BuildFrameInput) => Promise.resolve({ streamId: f.streamId, seq: 1, env: { header: {}, ...f.payload } } as unknown as OutFrame) };
const SIGNED_AT_MS = 1_765_000_000_000;
const PATIENT = 'Patient-Name-Never-Logged-93';

/** A Diagnosis frame as the hub makes it, signed with `key` over what it carries. */
function dxFrame(key: HubSigningKey, recordId: string, over: { text?: string; revision?: number; keyId?: string; alg?: string; tamper?: boolean } = {}): DecodedEnvelope {
  const revision = over.revision ?? 1;
  const text = over.text ?? `No acute changes (${PATIENT}).`;
  const content = { recordId, gatewayId: 'clinic-1', statements: ['Sinus rhythm'], text, critical: false, reader: 'dr.li', signedAtMs: SIGNED_AT_MS, revision };
  const signature = signDiagnosis(key, content);
  return {
    header: {}, payload: 'diagnosis',
    diagnosis: {
      recordId, diagnosisId: `dx-${revision}`, readerId: 'dr.li', readerName: 'dr.li', statements: ['Sinus rhythm'],
      text: over.tamper === true ? `${text}!` : text, signedAtNs: SIGNED_AT_MS * 1e6, critical: false, revision,
      signature, signatureAlg: over.alg ?? 'ed25519', signingKeyId: over.keyId ?? key.keyId,
    },
  } as unknown as DecodedEnvelope;
}

function setup(enrolled: HubSigningKey | null) {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => { lines.push(l); } });
  const store = new EcgRecordStore(':memory:');
  const outcomes: DiagnosisVerification[] = [];
  const verifyKey = enrolled === null ? null : parseVerifyKey(enrolled.publicKey.export({ type: 'spki', format: 'pem' }));
  const service = new EcgService({ store, uplink, clock, log, send: 'manual', gatewayId: 'clinic-1', verifyKey, onVerified: (v) => outcomes.push(v) });
  const { recordId } = service.ingest({ ...simulatedRecord({ seed: 4, durationS: 2 }), patient: { id: PATIENT, name: PATIENT } } as never, 'cart-1');
  return { service, store, lines, outcomes, recordId };
}

describe('EcgService: diagnosis signatures checked against the enrolled hub key', () => {
  const hub = loadHubSigningKey(':memory:');
  const other = loadHubSigningKey(':memory:');

  it('shows a diagnosis signed by the enrolled hub as verified', () => {
    const s = setup(hub);
    s.service.onDownlink(dxFrame(hub, s.recordId));
    expect(s.service.view(s.recordId)).toMatchObject({ readerName: 'dr.li', diagnosis: { verification: 'verified', signingKeyId: hub.keyId } });
    expect(s.outcomes).toEqual(['verified']);
    expect(s.lines.join('')).not.toContain(DIAGNOSIS_UNVERIFIED);
  });

  it('keeps a tampered, foreign-key or wrong-key-id diagnosis as unverified, warns with the code and counts it, without the text', () => {
    const s = setup(hub);
    s.service.onDownlink(dxFrame(hub, s.recordId, { tamper: true }));
    expect(s.service.view(s.recordId)?.diagnosis?.verification).toBe('unverified');
    s.service.onDownlink(dxFrame(other, s.recordId, { revision: 2 })); // another hub, claiming its own id
    s.service.onDownlink(dxFrame(other, s.recordId, { revision: 3, keyId: hub.keyId })); // claiming ours
    expect(s.service.view(s.recordId)?.diagnosis).toMatchObject({ revision: 3, verification: 'unverified' });
    expect(s.outcomes).toEqual(['unverified', 'unverified', 'unverified']);
    const warns = s.lines.filter((l) => l.includes(DIAGNOSIS_UNVERIFIED));
    expect(warns).toHaveLength(3);
    expect(JSON.parse(warns[1] ?? '{}')).toMatchObject({ level: 40, keyId: other.keyId, enrolledKeyId: hub.keyId, signatureAlg: 'ed25519' });
    for (const l of s.lines) expect(l).not.toContain(PATIENT);
  });

  it('a verified copy replaces an unverified one with the same id and revision; a forged copy never replaces a verified one', () => {
    const s = setup(hub);
    s.service.onDownlink(dxFrame(other, s.recordId, { keyId: hub.keyId }));
    expect(s.service.view(s.recordId)?.diagnosis?.verification).toBe('unverified');
    s.service.onDownlink(dxFrame(hub, s.recordId));
    expect(s.service.view(s.recordId)?.diagnosis).toMatchObject({ verification: 'verified', text: `No acute changes (${PATIENT}).` });
    s.service.onDownlink(dxFrame(other, s.recordId, { text: 'forged: all clear', keyId: hub.keyId }));
    expect(s.service.view(s.recordId)?.diagnosis).toMatchObject({ verification: 'verified', text: `No acute changes (${PATIENT}).` });
    expect(s.outcomes).toEqual(['unverified', 'verified']);
  });

  it('without an enrolled key: not verifiable; an HMAC-signed one is legacy', () => {
    const s = setup(null);
    s.service.onDownlink(dxFrame(hub, s.recordId));
    expect(s.service.view(s.recordId)?.diagnosis?.verification).toBe('no-key');
    const t = setup(hub);
    t.service.onDownlink(dxFrame(hub, t.recordId, { alg: 'hmac-sha256' }));
    expect(t.service.view(t.recordId)?.diagnosis?.verification).toBe('legacy');
    expect([...s.outcomes, ...t.outcomes]).toEqual(['no-key', 'legacy']);
  });
});
