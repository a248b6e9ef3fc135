import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUri, PkiErrorCode } from './certs.js';
import { ensurePki, PKI_FILES, writeCa, writeGateway, writeHub, writeSigningKey } from './files.js';

// openssl is the independent validator of the PEM files (the standard's reference tool).
function openssl(args: string[]): { status: number; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`openssl not runnable (${r.error.message}); install it: apt-get install -y openssl`);
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('telemed pki files (hospital/pki)', () => {
  let dir: string;
  const p = (...parts: string[]): string => join(dir, ...parts);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telemed-pki-'));
    await writeCa(p('ca'));
    await writeCa(p('other-ca'));
    await writeHub(p('ca'), ['127.0.0.1', 'hub.example'], p('hub'));
    await writeGateway(p('ca'), 'clinic-a', p('gw'));
    await writeGateway(p('other-ca'), 'clinic-a', p('rogue'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a CA openssl reads as a CA (basicConstraints CA:TRUE, keyCertSign, P-256)', () => {
    const r = openssl(['x509', '-noout', '-text', '-in', p('ca', PKI_FILES.caCert)]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/CA:TRUE/);
    expect(r.out).toMatch(/Certificate Sign, CRL Sign/);
    expect(r.out).toMatch(/prime256v1|P-256/);
    expect(r.out).toMatch(/ecdsa-with-SHA256/);
    const c = new X509Certificate(readFileSync(p('ca', PKI_FILES.caCert)));
    const years = (Date.parse(c.validTo) - Date.parse(c.validFrom)) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
  });

  it('the hub certificate chains to the CA for serverAuth and names every host', () => {
    const v = openssl(['verify', '-purpose', 'sslserver', '-CAfile', p('ca', PKI_FILES.caCert), p('hub', PKI_FILES.hubCert)]);
    expect(v.status, v.out).toBe(0);
    expect(v.out).toMatch(/OK/);
    const t = openssl(['x509', '-noout', '-text', '-in', p('hub', PKI_FILES.hubCert)]);
    expect(t.out).toMatch(/IP Address:127\.0\.0\.1/);
    expect(t.out).toMatch(/DNS:hub\.example/);
    expect(t.out).toMatch(/TLS Web Server Authentication/);
    expect(t.out).toMatch(/CA:FALSE/);
    const c = new X509Certificate(readFileSync(p('hub', PKI_FILES.hubCert)));
    expect(c.checkHost('hub.example')).toBe('hub.example');
    expect(c.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(c.checkHost('evil.example')).toBeUndefined();
    expect((Date.parse(c.validTo) - Date.parse(c.validFrom)) / 86_400_000).toBeLessThanOrEqual(826);
  });

  it('the gateway certificate chains for clientAuth, not serverAuth, and carries the id in CN and URI SAN', () => {
    const v = openssl(['verify', '-purpose', 'sslclient', '-CAfile', p('ca', PKI_FILES.caCert), p('gw', PKI_FILES.gatewayCert)]);
    expect(v.status, v.out).toBe(0);
    const asServer = openssl(['verify', '-purpose', 'sslserver', '-CAfile', p('ca', PKI_FILES.caCert), p('gw', PKI_FILES.gatewayCert)]);
    expect(asServer.status).not.toBe(0);
    const t = openssl(['x509', '-noout', '-subject', '-ext', 'subjectAltName,extendedKeyUsage', '-in', p('gw', PKI_FILES.gatewayCert)]);
    expect(t.out).toMatch(/CN\s*=\s*clinic-a/);
    expect(t.out).toContain(`URI:${gatewayUri('clinic-a')}`);
    expect(t.out).toMatch(/TLS Web Client Authentication/);
  });

  it('a certificate of another CA does not verify', () => {
    const v = openssl(['verify', '-CAfile', p('ca', PKI_FILES.caCert), p('rogue', PKI_FILES.gatewayCert)]);
    expect(v.status).not.toBe(0);
  });

  it('keys are PKCS#8 PEM that openssl reads, mode 0600, and each matches its certificate', () => {
    for (const [folder, key, cert] of [['ca', PKI_FILES.caKey, PKI_FILES.caCert], ['hub', PKI_FILES.hubKey, PKI_FILES.hubCert], ['gw', PKI_FILES.gatewayKey, PKI_FILES.gatewayCert]] as const) {
      const text = readFileSync(p(folder, key), 'utf8');
      expect(text).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(openssl(['pkey', '-noout', '-in', p(folder, key)]).status).toBe(0);
      expect(statSync(p(folder, key)).mode & 0o777).toBe(0o600);
      const c = new X509Certificate(readFileSync(p(folder, cert)));
      expect(c.checkPrivateKey(createPrivateKey(text))).toBe(true);
    }
  });

  it('never overwrites: a second CA into the same folder is TM_ERR_PKI_EXISTS and the key is unchanged', async () => {
    const before = readFileSync(p('ca', PKI_FILES.caKey), 'utf8');
    await expect(writeCa(p('ca'))).rejects.toMatchObject({ code: PkiErrorCode.EXISTS });
    expect(readFileSync(p('ca', PKI_FILES.caKey), 'utf8')).toBe(before);
  });

  it('refuses a gateway id the config would refuse, a bad host, and a folder without a CA', async () => {
    await expect(writeGateway(p('ca'), 'bad id/..', p('x'))).rejects.toMatchObject({ code: PkiErrorCode.BAD_ARGUMENT });
    await expect(writeHub(p('ca'), ['not a host!'], p('y'))).rejects.toMatchObject({ code: PkiErrorCode.BAD_ARGUMENT });
    await expect(writeHub(p('ca'), [], p('y'))).rejects.toMatchObject({ code: PkiErrorCode.BAD_ARGUMENT });
    await expect(writeGateway(p('nowhere'), 'clinic-a', p('z'))).rejects.toMatchObject({ code: PkiErrorCode.BAD_CA });
  });

  it('refuses a CA folder whose key is not the certificate\'s', async () => {
    execFileSync('cp', [p('ca', PKI_FILES.caCert), p('mixed-ca.pem')]);
    const mixed = p('mixed');
    execFileSync('mkdir', ['-p', mixed]);
    execFileSync('cp', [p('ca', PKI_FILES.caCert), join(mixed, PKI_FILES.caCert)]);
    execFileSync('cp', [p('other-ca', PKI_FILES.caKey), join(mixed, PKI_FILES.caKey)]);
    await expect(writeGateway(mixed, 'clinic-a', p('w'))).rejects.toMatchObject({ code: PkiErrorCode.BAD_CA });
  });

  it('ensurePki makes what is missing and keeps what exists (the demo\'s CA survives a restart)', async () => {
    const first = await ensurePki(p('local'), ['127.0.0.1'], ['clinic-1']);
    const ca = readFileSync(first.caCert, 'utf8');
    const again = await ensurePki(p('local'), ['127.0.0.1'], ['clinic-1', 'amb-1']);
    expect(readFileSync(again.caCert, 'utf8')).toBe(ca);
    const amb = again.gateways.get('amb-1');
    expect(amb).toBeDefined();
    const v = openssl(['verify', '-CAfile', again.caCert, amb?.cert ?? '', again.hub.cert, first.gateways.get('clinic-1')?.cert ?? '']);
    expect(v.status, v.out).toBe(0);
  });

  it('signing-key: Ed25519 PKCS#8 private (0600) and SPKI public that openssl reads and that verify each other', async () => {
    const w = await writeSigningKey(p('sign'));
    expect(w['key']).toBe(p('sign', PKI_FILES.signingKey));
    expect(statSync(p('sign', PKI_FILES.signingKey)).mode & 0o777).toBe(0o600);
    const priv = openssl(['pkey', '-noout', '-text', '-in', p('sign', PKI_FILES.signingKey)]);
    expect(priv.status, priv.out).toBe(0);
    expect(priv.out).toMatch(/ED25519 Private-Key/);
    const pub = openssl(['pkey', '-pubin', '-noout', '-text', '-in', p('sign', PKI_FILES.signingPub)]);
    expect(pub.status, pub.out).toBe(0);
    const msg = Buffer.from('diagnosis');
    const sig = sign(null, msg, createPrivateKey(readFileSync(p('sign', PKI_FILES.signingKey))));
    expect(verify(null, msg, createPublicKey(readFileSync(p('sign', PKI_FILES.signingPub))), sig)).toBe(true);
  });
});
