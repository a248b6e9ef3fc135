import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canonicalDiagnosis, parseVerifyKey, verifyDiagnosis, type DiagnosisContent,
} from '../../protocols/ecg/diagnosis-signature.js';
import { loadHubSigningKey, signDiagnosis, SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE } from './diagnosis-signature.js';

const content: DiagnosisContent = {
  recordId: 'ecg-AbCdEfGhIjKl', gatewayId: 'clinic-1', statements: ['Sinus rhythm', 'Normal ECG'], text: 'No acute changes.',
  critical: false, reader: 'dr.li', signedAtMs: 1_765_000_000_123, revision: 2,
};

describe('diagnosis signature (Ed25519)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tm-dx-sig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = loadHubSigningKey(dir);
  const pub = parseVerifyKey(readFileSync(join(dir, SIGNING_PUBLIC_KEY_FILE)));
  const sig = signDiagnosis(key, content);
  const signed = (c: DiagnosisContent, s: Uint8Array = sig) => ({ content: c, signatureAlg: 'ed25519', signature: s, keyId: key.keyId });

  it('creates hub-signing.key (PKCS#8, 0600) and hub-signing.pub once; a second start loads the same key', () => {
    expect(statSync(join(dir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, SIGNING_PUBLIC_KEY_FILE), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(loadHubSigningKey(dir).keyId).toBe(key.keyId);
    expect(pub.keyId).toBe(key.keyId);
    // The id is the SHA-256 of the SPKI DER.
    expect(key.keyId).toBe(createHash('sha256').update(key.publicKey.export({ type: 'spki', format: 'der' })).digest('hex'));
    expect(sig.length).toBe(64);
  });

  it('verifies the untouched content and refuses a change to any one field', () => {
    expect(verifyDiagnosis(pub, signed(content))).toBe('verified');
    const tampered: DiagnosisContent[] = [
      { ...content, recordId: 'ecg-other' }, { ...content, gatewayId: 'clinic-2' }, { ...content, statements: ['Sinus rhythm'] },
      { ...content, statements: ['Normal ECG', 'Sinus rhythm'] }, { ...content, text: 'No acute changes' }, { ...content, critical: true },
      { ...content, reader: 'dr.wang' }, { ...content, signedAtMs: content.signedAtMs + 1 }, { ...content, revision: 3 },
    ];
    expect(Object.keys(content).length).toBe(8);
    for (const c of tampered) expect(verifyDiagnosis(pub, signed(c)), JSON.stringify(c)).toBe('unverified');
    const flipped = Buffer.from(sig);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(verifyDiagnosis(pub, signed(content, flipped))).toBe('unverified');
    expect(verifyDiagnosis(pub, signed(content, sig.subarray(0, 63)))).toBe('unverified');
  });

  it('a signature by another key is unverified, whatever key id it claims; no enrolled key and HMAC are not verifiable', () => {
    const other = loadHubSigningKey(':memory:');
    const forged = signDiagnosis(other, content);
    expect(verifyDiagnosis(pub, { ...signed(content, forged), keyId: other.keyId })).toBe('unverified');
    expect(verifyDiagnosis(pub, { ...signed(content, forged), keyId: key.keyId })).toBe('unverified');
    expect(verifyDiagnosis(pub, { ...signed(content, forged), keyId: '' })).toBe('unverified');
    expect(verifyDiagnosis(null, signed(content))).toBe('no-key');
    expect(verifyDiagnosis(pub, { ...signed(content), signatureAlg: 'hmac-sha256' })).toBe('legacy');
  });

  it('refuses a non-Ed25519 key file on both sides', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => parseVerifyKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }))).toThrow(/expected ed25519/);
    const file = join(dir, 'rsa.key');
    writeFileSync(file, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadHubSigningKey(dir, file)).toThrow(/expected an Ed25519/);
  });

  it('openssl verifies the hub signature over the canonical bytes with hub-signing.pub (independent check)', () => {
    const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) throw new Error('openssl (3.x) is needed for this test: apt-get install openssl');
    const canon = join(dir, 'canonical.bin');
    const sigFile = join(dir, 'sig.bin');
    writeFileSync(canon, canonicalDiagnosis(content));
    writeFileSync(sigFile, sig);
    const args = ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, SIGNING_PUBLIC_KEY_FILE), '-rawin', '-in', canon, '-sigfile', sigFile];
    expect(execFileSync('openssl', args, { encoding: 'utf8' })).toMatch(/Signature Verified Successfully/);
    writeFileSync(canon, canonicalDiagnosis({ ...content, text: 'tampered' }));
    const bad = spawnSync('openssl', args, { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/Signature Verification Failure/);
    // And the other way: openssl signs with the hub's key file, our verifier accepts it.
    writeFileSync(canon, canonicalDiagnosis(content));
    const byOpenssl = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', join(dir, SIGNING_KEY_FILE), '-rawin', '-in', canon]);
    expect(verifyDiagnosis(pub, signed(content, byOpenssl))).toBe('verified');
  });
});
