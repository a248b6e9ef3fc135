// The gateway's analysis of one ECG record as plain data (docs/CONTRACTS.md "ECG workflow"), and its
// mapping to and from the protobuf EcgAnalysis that travels inside the EcgDocument.
import type { telemed } from '../wire/proto.js';
import { badDocument } from './document/errors.js';

export type EcgFindingSeverityName = 'info' | 'abnormal' | 'critical';
export type EcgFindingOrigin = 'gateway' | 'cart';
export type EcgQualityVerdict = 'good' | 'acceptable' | 'poor';
export type EcgPriority = 0 | 1 | 2 | 3;

/** One finding (stable code such as TM_ECG_VT_RUN), with the sample span it concerns. */
export interface EcgFindingSummary {
  code: string;
  severity: EcgFindingSeverityName;
  /** Human-readable text (no patient identifiers). */
  text: string;
  /** Lead concerned, null for the whole record. */
  lead: string | null;
  /** Span in samples at the record's analysis rate (0/0 when not localised). */
  startSample: number;
  endSample: number;
  origin: EcgFindingOrigin;
}

/** Signal quality of one lead. */
export interface EcgLeadQualitySummary {
  lead: string;
  /** 0 (unusable) .. 1 (clean). */
  score: number;
  /** e.g. "lead-off", "flat", "clipped", "noisy", "baseline-wander". */
  issues: string[];
}

/** Mirrors telemed.proto EcgAnalysis. */
export interface EcgAnalysisSummary {
  /** Median heart rate in bpm, null when fewer than two beats. */
  heartRateBpm: number | null;
  irregular: boolean;
  /** Number of pauses (RR ≥ 2 s). */
  pauses: number;
  /** Beat positions in samples at the analysis rate, ascending. */
  beats: number[];
  findings: EcgFindingSummary[];
  leadQuality: EcgLeadQualitySummary[];
  verdict: EcgQualityVerdict;
  /** 0 routine .. 3 critical; the worklist sorts on it. */
  priority: EcgPriority;
  analyserVersion: string;
}

const SEVERITY_TO_PROTO: Readonly<Record<EcgFindingSeverityName, number>> = { info: 1, abnormal: 2, critical: 3 };
const SEVERITY_FROM_PROTO: readonly (EcgFindingSeverityName | undefined)[] = [undefined, 'info', 'abnormal', 'critical'];
const VERDICTS: readonly string[] = ['good', 'acceptable', 'poor'];

/** The summary as protobuf properties (heartRateBpm null is written as 0: the proto has no null). */
export function analysisToProto(a: EcgAnalysisSummary): telemed.v1.EcgAnalysis.$Properties {
  return {
    heartRateBpm: a.heartRateBpm ?? 0,
    irregular: a.irregular,
    findings: a.findings.map((f) => ({
      code: f.code, severity: SEVERITY_TO_PROTO[f.severity], text: f.text, lead: f.lead ?? '',
      startSample: f.startSample, endSample: f.endSample, origin: f.origin,
    })),
    leadQuality: a.leadQuality.map((q) => ({ lead: q.lead, score: q.score, issues: [...q.issues] })),
    priority: a.priority,
    qualityVerdict: a.verdict,
    beats: [...a.beats],
    analyserVersion: a.analyserVersion,
    pauses: a.pauses,
  };
}

/**
 * The summary from decoded protobuf; throws EcgDocumentError TM_ERR_ECG_DOCUMENT on values outside
 * the contract (unknown severity, verdict, origin, priority > 3), so the hub never shows garbage.
 */
export function analysisFromProto(p: telemed.v1.EcgAnalysis.$Properties): EcgAnalysisSummary {
  const verdict = p.qualityVerdict ?? '';
  if (!VERDICTS.includes(verdict)) throw badDocument(`analysis verdict "${verdict.slice(0, 32)}" is not good/acceptable/poor`);
  const priority = p.priority ?? 0;
  if (priority > 3) throw badDocument(`analysis priority ${priority} is not 0..3`);
  const hr = p.heartRateBpm ?? 0;
  if (!Number.isFinite(hr) || hr < 0) throw badDocument('analysis heart rate is not a finite non-negative number');
  return {
    heartRateBpm: hr === 0 ? null : hr,
    irregular: p.irregular ?? false,
    pauses: p.pauses ?? 0,
    beats: [...(p.beats ?? [])],
    findings: (p.findings ?? []).map((f) => {
      const severity = SEVERITY_FROM_PROTO[f.severity ?? 0];
      if (severity === undefined) throw badDocument(`finding severity ${String(f.severity)} is unknown`);
      const origin = f.origin ?? '';
      if (origin !== 'gateway' && origin !== 'cart') throw badDocument(`finding origin "${origin.slice(0, 32)}" is not gateway/cart`);
      const lead = f.lead ?? '';
      return {
        code: f.code ?? '', severity, text: f.text ?? '', lead: lead === '' ? null : lead,
        startSample: f.startSample ?? 0, endSample: f.endSample ?? 0, origin,
      };
    }),
    leadQuality: (p.leadQuality ?? []).map((q) => {
      const score = q.score ?? 0;
      if (!(score >= 0 && score <= 1)) throw badDocument('lead quality score is not within 0..1');
      return { lead: q.lead ?? '', score, issues: [...(q.issues ?? [])] };
    }),
    verdict: verdict as EcgQualityVerdict,
    priority: priority as EcgPriority,
    analyserVersion: p.analyserVersion ?? '',
  };
}
