// Stable finding codes (EcgFinding.code). Callers and the hub branch on these, never on text.

export const EcgFindingCode = {
  ASYSTOLE: 'TM_ECG_ASYSTOLE',
  PAUSE: 'TM_ECG_PAUSE',
  VT_RUN: 'TM_ECG_VT_RUN',
  STEMI: 'TM_ECG_STEMI',
  /** ST depression in V1–V3: a hint of posterior infarction (abnormal, not critical on its own). */
  POSTERIOR_HINT: 'TM_ECG_POSTERIOR_HINT',
  BRADY: 'TM_ECG_BRADY',
  TACHY: 'TM_ECG_TACHY',
  IRREGULAR: 'TM_ECG_IRREGULAR',
  LEAD_OFF: 'TM_ECG_LEAD_OFF',
  FLAT: 'TM_ECG_FLAT',
  CLIPPED: 'TM_ECG_CLIPPED',
  NOISY: 'TM_ECG_NOISY',
} as const;
export type EcgFindingCode = (typeof EcgFindingCode)[keyof typeof EcgFindingCode];

/** Technical (signal) findings: they lower the verdict, not the clinical priority. */
export const TECHNICAL_CODES: ReadonlySet<string> = new Set([
  EcgFindingCode.LEAD_OFF, EcgFindingCode.FLAT, EcgFindingCode.CLIPPED, EcgFindingCode.NOISY,
]);

/** Goes into EcgAnalysis.analyser_version; bump when a rule or threshold changes. */
export const ANALYSER_VERSION = 'telemed-findings/2';
