// The signed ECG report as both HTTP APIs show it (docs/CONTRACTS.md DiagnosisView): the hub's
// reading API and the gateway's clinic API describe the same report, carried between them as a
// `Diagnosis` frame. Pure type, no I/O.

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
  /** e.g. "hmac-sha256". */
  readonly signatureAlg: string;
  /** Hex. */
  readonly signature: string;
}
