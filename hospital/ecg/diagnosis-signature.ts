import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalDiagnosis, signingKeyId, type DiagnosisContent } from '../../protocols/ecg/diagnosis-signature.js';

export { canonicalDiagnosis, DIAGNOSIS_SIGNATURE_ALG, type DiagnosisContent } from '../../protocols/ecg/diagnosis-signature.js';

/** File in the hub's dataDir holding the Ed25519 private key (PKCS#8 PEM, 0600), created on first start. */
export const SIGNING_KEY_FILE = 'hub-signing.key';
/** Its public half (SPKI PEM), written next to it: what gateways are enrolled with (`hub.signingPublicKey`). */
export const SIGNING_PUBLIC_KEY_FILE = 'hub-signing.pub';

/** The hub's diagnosis signing key. */
export interface HubSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Hex SHA-256 of the SPKI DER, carried as Diagnosis.signing_key_id. */
  readonly keyId: string;
}

/**
 * Ed25519 signature (RFC 8032, pure) of the canonical content with the hub's key. The hub vouches
 * that this logged-in reader submitted exactly this; anyone holding only the public key (the
 * clinic's gateway, openssl) can check it, nobody but the hub can make it.
 */
export function signDiagnosis(key: HubSigningKey, c: DiagnosisContent): Buffer {
  return sign(null, canonicalDiagnosis(c), key.privateKey);
}

function fromPrivate(privateKey: KeyObject, file: string): HubSigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new RangeError(`${file} holds a ${privateKey.asymmetricKeyType ?? 'symmetric'} key, expected an Ed25519 private key (PKCS#8 PEM)`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: signingKeyId(publicKey) };
}

/**
 * The hub's signing key: from `configuredFile` (config `ecg.signingKeyFile`, e.g. made by
 * `telemed pki signing-key`), which must exist; else `<dataDir>/hub-signing.key`, created (0600,
 * with `hub-signing.pub` beside it) on first use. An in-memory hub (":memory:") gets a fresh key
 * per process.
 */
export function loadHubSigningKey(dataDir: string, configuredFile?: string | null): HubSigningKey {
  if (configuredFile != null && configuredFile !== '') {
    return fromPrivate(createPrivateKey(readFileSync(configuredFile)), configuredFile);
  }
  if (dataDir === ':memory:') return fromPrivate(generateKeyPairSync('ed25519').privateKey, 'generated key');
  const file = join(dataDir, SIGNING_KEY_FILE);
  if (existsSync(file)) {
    const key = fromPrivate(createPrivateKey(readFileSync(file)), file);
    writePublicHalf(join(dataDir, SIGNING_PUBLIC_KEY_FILE), key.publicKey);
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  // 'wx': two hubs starting on one dataDir must not overwrite each other's key.
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
  chmodSync(file, 0o600);
  const key = fromPrivate(privateKey, file);
  writePublicHalf(join(dirname(file), SIGNING_PUBLIC_KEY_FILE), key.publicKey);
  return key;
}

/** (Re)writes the public half when missing or stale: it is derived, so a deleted copy is simply made again. */
function writePublicHalf(file: string, publicKey: KeyObject): void {
  const pem = publicKey.export({ type: 'spki', format: 'pem' });
  if (existsSync(file) && readFileSync(file, 'utf8') === pem) return;
  writeFileSync(file, pem, { mode: 0o644 });
}
