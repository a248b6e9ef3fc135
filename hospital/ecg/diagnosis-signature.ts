import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The scheme name carried in `Diagnosis.signature_alg`. */
export const DIAGNOSIS_SIGNATURE_ALG = 'hmac-sha256';
/** File in the hub's dataDir holding the signing key (hex, 32 bytes), created on first start. */
export const SIGNING_KEY_FILE = 'ecg-signing.key';

/** What the signature covers: the reader's authenticated act on one record. */
export interface DiagnosisContent {
  /** The cart's record id (what the gateway knows the record by). */
  readonly recordId: string;
  readonly gatewayId: string;
  readonly statements: readonly string[];
  readonly text: string;
  readonly critical: boolean;
  /** Username of the reader who signed. */
  readonly reader: string;
  /** Signing time, Unix ms (hub clock). */
  readonly signedAtMs: number;
  /** 1 for the first report, +1 per amendment. */
  readonly revision: number;
}

/**
 * Canonical bytes of a diagnosis: a JSON array in a fixed field order behind a version tag. Arrays
 * of strings, numbers and booleans have exactly one JSON.stringify form, so the hub and any
 * verifier rebuild the same bytes without a canonicalisation library.
 */
export function canonicalDiagnosis(c: DiagnosisContent): Buffer {
  return Buffer.from(JSON.stringify([
    'telemed-diagnosis-v1', c.recordId, c.gatewayId, [...c.statements], c.text, c.critical, c.reader, c.signedAtMs, c.revision,
  ]), 'utf8');
}

/**
 * HMAC-SHA256 of the canonical content with the hub's key. A hub-held integrity signature of the
 * reader's authenticated act (the hub vouches that this logged-in reader submitted exactly this),
 * not a personal PKI signature: anyone holding the hub key could produce it.
 */
export function signDiagnosis(key: Uint8Array, c: DiagnosisContent): Buffer {
  return createHmac('sha256', key).update(canonicalDiagnosis(c)).digest();
}

/** Constant-time check of a signature made by `signDiagnosis`. */
export function verifyDiagnosis(key: Uint8Array, c: DiagnosisContent, signature: Uint8Array): boolean {
  const expected = signDiagnosis(key, c);
  return signature.length === expected.length && timingSafeEqual(expected, signature);
}

/**
 * The hub's signing key: `configured` (hex or base64 of ≥ 32 bytes) when given, else the key in
 * `<dataDir>/ecg-signing.key`, created (mode 0600) on first use. An in-memory hub (":memory:")
 * gets a fresh random key per process.
 */
export function loadSigningKey(dataDir: string, configured?: string | null): Buffer {
  if (configured != null && configured !== '') {
    const key = /^[0-9a-f]+$/i.test(configured) ? Buffer.from(configured, 'hex') : Buffer.from(configured, 'base64');
    if (key.length < 32) throw new RangeError('ECG signing key must be at least 32 bytes');
    return key;
  }
  if (dataDir === ':memory:') return randomBytes(32);
  const file = join(dataDir, SIGNING_KEY_FILE);
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (key.length < 32) throw new RangeError(`${file} does not hold a 32-byte hex key`);
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx': two hubs starting on one dataDir must not overwrite each other's key.
  writeFileSync(file, `${key.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}
