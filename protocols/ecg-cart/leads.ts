/**
 * The 18 leads of the cart in wire order: the 12 standard leads, posterior V7–V9 and right-sided
 * V3R–V5R. III, aVR, aVL and aVF are derived from I and II (Einthoven/Goldberger) by the cart.
 */
export const CART_LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V3R', 'V4R', 'V5R'] as const;
export type CartLeadName = (typeof CART_LEADS)[number];
export const CART_LEAD_COUNT = CART_LEADS.length;
export const DERIVED_LEADS: ReadonlySet<string> = new Set(['III', 'aVR', 'aVL', 'aVF']);

/** IEEE 11073-10101 reference ids for the channel codes of live waveforms. */
export const LEAD_MDC: Readonly<Record<CartLeadName, string>> = {
  I: 'MDC_ECG_LEAD_I',
  II: 'MDC_ECG_LEAD_II',
  III: 'MDC_ECG_LEAD_III',
  aVR: 'MDC_ECG_LEAD_AVR',
  aVL: 'MDC_ECG_LEAD_AVL',
  aVF: 'MDC_ECG_LEAD_AVF',
  V1: 'MDC_ECG_LEAD_V1',
  V2: 'MDC_ECG_LEAD_V2',
  V3: 'MDC_ECG_LEAD_V3',
  V4: 'MDC_ECG_LEAD_V4',
  V5: 'MDC_ECG_LEAD_V5',
  V6: 'MDC_ECG_LEAD_V6',
  V7: 'MDC_ECG_LEAD_V7',
  V8: 'MDC_ECG_LEAD_V8',
  V9: 'MDC_ECG_LEAD_V9',
  V3R: 'MDC_ECG_LEAD_V3R',
  V4R: 'MDC_ECG_LEAD_V4R',
  V5R: 'MDC_ECG_LEAD_V5R',
};
