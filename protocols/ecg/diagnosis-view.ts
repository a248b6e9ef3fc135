// The signed ECG report as both HTTP APIs show it (docs/CONTRACTS.md DiagnosisView): the hub's
// reading API and the gateway's clinic API describe the same report, carried between them as a
// `Diagnosis` frame. Pure type, no I/O.
import type { DiagnosisVerification } from './diagnosis-signature.js';

/** A signed report on one ECG record. */
export interface DiagnosisView {
  readonly diagnosisId: string;
  readonly readerName: string;
  readonly statements: readonly string[];
  readonly text: string;
  /** ISO 8601, hub clock. */
  readonly signedAt: string;
  readonly critical: boolean;
  /** 1 for the first report, +1 per amendment. */
  readonly revision: number;
  /** "ed25519"; "hmac-sha256" on reports signed before (legacy, not verifiable at the clinic). */
  readonly signatureAlg: string;
  /** Hex. */
  readonly signature: string;
  /** Hex SHA-256 of the signing key's SPKI DER; absent on legacy reports. */
  readonly signingKeyId?: string;
  /**
   * The clinic gateway's check of the signature against its enrolled hub key (gateway API only):
   * 'verified', 'unverified' (bad signature or unknown key), 'no-key' (no hub key enrolled),
   * 'legacy' (HMAC-signed before Ed25519). Absent on the hub's own API.
   */
  readonly verification?: DiagnosisVerification;
}
