// The signature on an ECG diagnosis (issue 12 item 11, docs/CONTRACTS.md "Signature"): the hub
// signs with its Ed25519 key (RFC 8032, "pure" Ed25519 over the canonical bytes), the clinic's
// gateway verifies with the public half it was enrolled with. Shared by both sides so they build
// the same bytes. node:crypto only, no I/O besides reading a PEM file.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The scheme name carried in `Diagnosis.signature_alg`. */
export const DIAGNOSIS_SIGNATURE_ALG = 'ed25519';
/** The scheme of diagnoses signed before Ed25519 (hub-held HMAC key): kept, shown as legacy. */
export const LEGACY_DIAGNOSIS_SIGNATURE_ALG = 'hmac-sha256';

/** What the signature covers: the reader's authenticated act on one record. */
export interface DiagnosisContent {
  /** The cart's record id (what the gateway knows the record by). */
  readonly recordId: string;
  readonly gatewayId: string;
  readonly statements: readonly string[];
  readonly text: string;
  readonly critical: boolean;
  /** Username of the reader who signed (Diagnosis.reader_id). */
  readonly reader: string;
  /** Signing time, Unix ms (hub clock). */
  readonly signedAtMs: number;
  /** 1 for the first report, +1 per amendment. */
  readonly revision: number;
}

/**
 * Canonical bytes of a diagnosis: a JSON array in a fixed field order behind a version tag. Arrays
 * of strings, numbers and booleans have exactly one JSON.stringify form, so the hub and any
 * verifier (the gateway, `openssl pkeyutl -verify -rawin`) rebuild the same bytes without a
 * canonicalisation library.
 */
export function canonicalDiagnosis(c: DiagnosisContent): Buffer {
  return Buffer.from(JSON.stringify([
    'telemed-diagnosis-v1', c.recordId, c.gatewayId, [...c.statements], c.text, c.critical, c.reader, c.signedAtMs, c.revision,
  ]), 'utf8');
}

/** Key id of a public key: hex SHA-256 of its SPKI DER (what `openssl pkey -pubin -outform DER | sha256sum` prints). */
export function signingKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** A public key the gateway was enrolled with, and its id. */
export interface DiagnosisVerifyKey {
  readonly publicKey: KeyObject;
  readonly keyId: string;
}

/** Parses an SPKI PEM (`hub-signing.pub`); throws a RangeError unless it is an Ed25519 public key. */
export function parseVerifyKey(pem: string | Buffer): DiagnosisVerifyKey {
  const publicKey = createPublicKey(pem);
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new RangeError(`hub signing key is ${publicKey.asymmetricKeyType ?? 'not asymmetric'}, expected ed25519`);
  }
  return { publicKey, keyId: signingKeyId(publicKey) };
}

/** Reads and parses `hub-signing.pub`. */
export function loadVerifyKey(file: string): DiagnosisVerifyKey {
  return parseVerifyKey(readFileSync(file));
}

/** Outcome of checking one diagnosis at the clinic. */
export type DiagnosisVerification =
  /** Ed25519 signature by the enrolled key over exactly this content. */
  | 'verified'
  /** Ed25519 but the signature does not match, or it names another key: never shown as signed. */
  | 'unverified'
  /** No hub key enrolled at this gateway: it cannot tell. */
  | 'no-key'
  /** Signed with the old hub-held HMAC key (or no known scheme): cannot be checked here. */
  | 'legacy';

/** What the gateway received: the signature fields of a Diagnosis frame. */
export interface SignedDiagnosis {
  readonly content: DiagnosisContent;
  readonly signatureAlg: string;
  readonly signature: Uint8Array;
  /** Diagnosis.signing_key_id; '' when the hub did not say. */
  readonly keyId: string;
}

/**
 * Checks a received diagnosis against the enrolled key (null: none enrolled). A key id other than
 * the enrolled key's is 'unverified' (a diagnosis from another hub, or a rotated key the gateway
 * was not re-enrolled with); so is an Ed25519 signature that does not match the content.
 */
export function verifyDiagnosis(key: DiagnosisVerifyKey | null, d: SignedDiagnosis): DiagnosisVerification {
  if (d.signatureAlg !== DIAGNOSIS_SIGNATURE_ALG) return 'legacy';
  if (key === null) return 'no-key';
  if (d.keyId !== '' && d.keyId !== key.keyId) return 'unverified';
  // RFC 8032 §5.1.7: a 64-byte signature; anything else is refused before verify.
  if (d.signature.length !== 64) return 'unverified';
  try {
    return verify(null, canonicalDiagnosis(d.content), key.publicKey, d.signature) ? 'verified' : 'unverified';
  } catch {
    return 'unverified';
  }
}
