// What the gateway sends for one ECG record: the analysis, the EcgDocument bytes that carry the
// record and the analysis, and the SHA-256 the chunk stream is checked against at the hub.
import { createHash } from 'node:crypto';
import type { EcgAnalysisSummary } from '../../protocols/ecg/analysis-summary.js';
import { ECG_DOCUMENT_CONTENT_TYPE, encodeEcgDocument } from '../../protocols/ecg/document/index.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import { analyseEcgFindings } from '../analysis/findings/index.js';

/** A record ready for the uplink (docs/CONTRACTS.md "ECG workflow"). */
export interface PreparedEcg {
  recordId: string;
  /** "application/x-telemed-ecg+protobuf". */
  contentType: string;
  /** Encoded EcgDocument (record + analysis). */
  document: Uint8Array;
  /** SHA-256 of `document`. */
  sha256: Uint8Array;
  analysis: EcgAnalysisSummary;
  /** True when any finding is critical: the gateway raises an ALARM ahead of the record. */
  critical: boolean;
}

/** Findings, per-lead quality, verdict and priority of a record (≤ 50 ms for 10 s × 18 leads × 500 Hz). */
export function analyseEcgRecord(record: EcgRecord): EcgAnalysisSummary {
  return analyseEcgFindings(record);
}

/** Analyses the record and encodes it with its analysis as an EcgDocument. */
export function prepareEcgRecord(record: EcgRecord): PreparedEcg {
  const analysis = analyseEcgRecord(record);
  const document = encodeEcgDocument(record, analysis);
  return {
    recordId: record.id,
    contentType: ECG_DOCUMENT_CONTENT_TYPE,
    document,
    sha256: new Uint8Array(createHash('sha256').update(document).digest()),
    analysis,
    critical: analysis.findings.some((f) => f.severity === 'critical'),
  };
}
