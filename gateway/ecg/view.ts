import type { EcgFindingSummary, EcgLeadQualitySummary, EcgQualityVerdict } from '../../protocols/ecg/analysis-summary.js';
import type { EcgRecordState } from './record-state.js';
import type { DiagnosisView, StoredEcgRecord } from './record-store.js';

/** One record on the clinic page (docs/CONTRACTS.md GatewayEcgView). Never the patient reference. */
export interface GatewayEcgView {
  readonly recordId: string;
  readonly deviceId: string;
  readonly source: string;
  /** The file name it was imported from (local page only; never logged or sent). */
  readonly sourceName: string | null;
  /** ISO 8601, or null when the source had no time. */
  readonly acquiredAt: string | null;
  readonly durationS: number;
  readonly sampleRateHz: number;
  readonly leads: readonly string[];
  readonly heartRateBpm: number | null;
  readonly verdict: EcgQualityVerdict;
  readonly leadQuality: readonly EcgLeadQualitySummary[];
  readonly findings: readonly EcgFindingSummary[];
  readonly priority: number;
  readonly critical: boolean;
  readonly state: EcgRecordState;
  /** Bytes of the EcgDocument: total, handed to the socket, stored by the hub. */
  readonly progress: { readonly totalBytes: number; readonly sentBytes: number; readonly ackedBytes: number };
  readonly readerName: string | null;
  readonly diagnosis: DiagnosisView | null;
  /** ISO 8601. */
  readonly updatedAt: string;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export function toGatewayEcgView(r: StoredEcgRecord, diagnosis: DiagnosisView | null): GatewayEcgView {
  return {
    recordId: r.recordId, deviceId: r.deviceId, source: r.source, sourceName: r.sourceName,
    acquiredAt: r.acquiredAtMs === null ? null : new Date(r.acquiredAtMs).toISOString(),
    durationS: r.durationS, sampleRateHz: r.sampleRateHz, leads: r.leads,
    heartRateBpm: r.analysis.heartRateBpm, verdict: r.analysis.verdict, leadQuality: r.analysis.leadQuality,
    findings: r.analysis.findings, priority: r.analysis.priority, critical: r.critical, state: r.state,
    progress: { totalBytes: r.totalBytes, sentBytes: r.sentBytes, ackedBytes: r.ackedBytes },
    readerName: r.readerName ?? diagnosis?.readerName ?? null, diagnosis, updatedAt: new Date(r.updatedAtMs).toISOString(), error: r.error,
  };
}
