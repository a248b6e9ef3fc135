// IEEE 11073-10101 unit codes (partition 4, "dimensions") and their UCUM equivalents, as in the
// NIST RTMMS / Rosetta units table (checked in mdc-table.test.ts against
// ../shared/data/mdc-codes/vital_signs_units.csv). Context-free code = 4 * 65536 + code10.

export interface MdcUnit {
  readonly code: number;
  readonly refid: string;
  /** The UCUM code we use for it. */
  readonly ucum: string;
}

export const MDC_UNITS: readonly MdcUnit[] = [
  { code: 264864, refid: 'MDC_DIM_BEAT_PER_MIN', ucum: '/min' },
  { code: 264896, refid: 'MDC_DIM_PULS_PER_MIN', ucum: '/min' },
  { code: 264672, refid: 'MDC_DIM_PER_MIN', ucum: '/min' },
  { code: 264928, refid: 'MDC_DIM_RESP_PER_MIN', ucum: '/min' },
  { code: 262688, refid: 'MDC_DIM_PERCENT', ucum: '%' },
  { code: 266016, refid: 'MDC_DIM_MMHG', ucum: 'mm[Hg]' },
  { code: 265987, refid: 'MDC_DIM_KILO_PASCAL', ucum: 'kPa' },
  { code: 268192, refid: 'MDC_DIM_DEGC', ucum: 'Cel' },
  { code: 266560, refid: 'MDC_DIM_FAHR', ucum: '[degF]' },
];

const BY_CODE = new Map(MDC_UNITS.map((u) => [u.code, u]));

/** UCUM code of an MDC unit code, or undefined when we do not know it. */
export function ucumOfMdcUnit(code: number): string | undefined {
  return BY_CODE.get(code)?.ucum;
}

/**
 * UCUM spellings of the same unit that senders use (RTMMS lists them as equivalents: "/min",
 * "1/min", "{beat}/min", ...; IHE PCD examples send "{beats}/min"), mapped to the one we store.
 */
const UCUM_ALIASES: Record<string, string> = {
  '/min': '/min', '1/min': '/min', '{beat}/min': '/min', '{beats}/min': '/min', '{pulse}/min': '/min',
  '{pulses}/min': '/min', '{count}/min': '/min', '{breath}/min': '/min', '{breaths}/min': '/min', '{resp}/min': '/min',
  '%': '%', 'mm[Hg]': 'mm[Hg]', 'kPa': 'kPa', 'Cel': 'Cel', '[degF]': '[degF]',
};

/** The UCUM unit we store for a UCUM code as sent, or undefined when unknown. */
export function normaliseUcum(ucum: string): string | undefined {
  return UCUM_ALIASES[ucum.trim()];
}

/** kPa -> mm[Hg]: 1 mmHg = 133.322 387 415 Pa (ISO 80000-4 / UCUM's definition of mm[Hg]). */
const PA_PER_MMHG = 133.322387415;

/**
 * Converts `value` in `from` (UCUM) to `to` (UCUM). Undefined when there is no conversion we know.
 * Only the conversions vital signs need: pressure kPa <-> mm[Hg], temperature [degF] <-> Cel.
 */
export function convertUnit(value: number, from: string, to: string): number | undefined {
  if (from === to) return value;
  if (from === 'kPa' && to === 'mm[Hg]') return (value * 1000) / PA_PER_MMHG;
  if (from === 'mm[Hg]' && to === 'kPa') return (value * PA_PER_MMHG) / 1000;
  if (from === '[degF]' && to === 'Cel') return ((value - 32) * 5) / 9;
  if (from === 'Cel' && to === '[degF]') return (value * 9) / 5 + 32;
  return undefined;
}
