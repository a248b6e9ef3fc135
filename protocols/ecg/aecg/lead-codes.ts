// Lead codes shared by HL7 aECG (MDC_ECG_LEAD_* terms) and DICOM (SCPECG "5.6.3-9-n" and MDC "2:n"
// code values, PS3.16 CID 3001). The number n is the lead's code in EN 1064 (SCP-ECG) table 14,
// which ISO/IEEE 11073-10101 reuses for the MDC_ECG_LEAD_* terms.
import type { StandardLead } from '../record.js';

interface LeadCode { lead: StandardLead; n: number; mdc: string }

const TABLE: readonly LeadCode[] = [
  { lead: 'I', n: 1, mdc: 'MDC_ECG_LEAD_I' }, { lead: 'II', n: 2, mdc: 'MDC_ECG_LEAD_II' },
  { lead: 'V1', n: 3, mdc: 'MDC_ECG_LEAD_V1' }, { lead: 'V2', n: 4, mdc: 'MDC_ECG_LEAD_V2' },
  { lead: 'V3', n: 5, mdc: 'MDC_ECG_LEAD_V3' }, { lead: 'V4', n: 6, mdc: 'MDC_ECG_LEAD_V4' },
  { lead: 'V5', n: 7, mdc: 'MDC_ECG_LEAD_V5' }, { lead: 'V6', n: 8, mdc: 'MDC_ECG_LEAD_V6' },
  { lead: 'V7', n: 9, mdc: 'MDC_ECG_LEAD_V7' },
  { lead: 'V3R', n: 11, mdc: 'MDC_ECG_LEAD_V3R' }, { lead: 'V4R', n: 12, mdc: 'MDC_ECG_LEAD_V4R' },
  { lead: 'V5R', n: 13, mdc: 'MDC_ECG_LEAD_V5R' },
  { lead: 'X', n: 16, mdc: 'MDC_ECG_LEAD_X' }, { lead: 'Y', n: 17, mdc: 'MDC_ECG_LEAD_Y' }, { lead: 'Z', n: 18, mdc: 'MDC_ECG_LEAD_Z' },
  { lead: 'III', n: 61, mdc: 'MDC_ECG_LEAD_III' }, { lead: 'aVR', n: 62, mdc: 'MDC_ECG_LEAD_AVR' },
  { lead: 'aVL', n: 63, mdc: 'MDC_ECG_LEAD_AVL' }, { lead: 'aVF', n: 64, mdc: 'MDC_ECG_LEAD_AVF' },
  { lead: 'V8', n: 66, mdc: 'MDC_ECG_LEAD_V8' }, { lead: 'V9', n: 67, mdc: 'MDC_ECG_LEAD_V9' },
];

const BY_LEAD = new Map(TABLE.map((t) => [t.lead, t] as const));
const BY_MDC = new Map(TABLE.map((t) => [t.mdc.toUpperCase(), t.lead] as const));
const BY_N = new Map(TABLE.map((t) => [t.n, t.lead] as const));

/** The MDC term of a lead (e.g. "MDC_ECG_LEAD_AVR"), or null when the lead has none in our table. */
export function mdcCodeOfLead(lead: StandardLead | null): string | null {
  return lead === null ? null : BY_LEAD.get(lead)?.mdc ?? null;
}

/** The lead of an MDC term, case-insensitive ("MDC_ECG_LEAD_aVR" is seen in the wild). */
export function leadOfMdcCode(code: string): StandardLead | null {
  return BY_MDC.get(code.trim().toUpperCase()) ?? null;
}

/** The EN 1064 / MDC lead number of a lead, or null. */
export function leadNumber(lead: StandardLead | null): number | null {
  return lead === null ? null : BY_LEAD.get(lead)?.n ?? null;
}

/** The lead of an EN 1064 / MDC lead number, or null. */
export function leadOfNumber(n: number): StandardLead | null {
  return BY_N.get(n) ?? null;
}
