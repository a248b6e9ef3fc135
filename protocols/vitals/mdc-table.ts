// Our vital-sign parameters <-> IEEE 11073-10101 (MDC) observation codes, with LOINC and the
// canonical UCUM unit we store. Every MDC code and REFID here is checked against the NIST RTMMS
// harmonized Rosetta (../shared/data/mdc-codes) in mdc-table.test.ts.
//
// LOINC: the RTMMS exports carry no LOINC mapping. We use the method-less LOINC codes the FHIR R4
// vital-signs profile requires (heart rate 8867-4, respiratory rate 9279-1, body temperature
// 8310-5, systolic 8480-6, diastolic 8462-4, SpO2 59408-5; all in the FHIR R4 examples in
// ../shared/data/fhir-r4-schema) plus mean blood pressure 8478-0, heart rate by pulse oximetry
// 8889-8 (the LOINC primary code of the IHE PCD pulse-oximetry example) and end-tidal CO2
// 19891-1 (Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration). Invasive and
// non-invasive pressures share 8480-6/8462-4/8478-0: the method is what the MDC code adds.
import { convertUnit, normaliseUcum, ucumOfMdcUnit } from './units.js';

export type VitalParameter =
  | 'HR' | 'PR' | 'SPO2'
  | 'NIBP_SYS' | 'NIBP_DIA' | 'NIBP_MEAN'
  | 'IBP_SYS' | 'IBP_DIA' | 'IBP_MEAN'
  | 'RR' | 'TEMP' | 'ETCO2';

export interface VitalCode {
  readonly mdc: number;
  readonly refid: string;
  readonly parameter: VitalParameter;
  readonly loinc: string;
  readonly loincDisplay: string;
  /** Canonical UCUM unit we store values in. */
  readonly ucum: string;
  /** Plausible range in `ucum`, used by the edge to reject garbage (not an alarm limit). */
  readonly range: readonly [number, number];
}

const HR_LOINC = ['8867-4', 'Heart rate'] as const;
const SYS = ['8480-6', 'Systolic blood pressure'] as const;
const DIA = ['8462-4', 'Diastolic blood pressure'] as const;
const MEAN = ['8478-0', 'Mean blood pressure'] as const;
const RR = ['9279-1', 'Respiratory rate'] as const;
const TEMP = ['8310-5', 'Body temperature'] as const;
const ETCO2 = ['19891-1', 'Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration'] as const;

function row(mdc: number, refid: string, parameter: VitalParameter, [loinc, loincDisplay]: readonly [string, string], ucum: string, range: [number, number]): VitalCode {
  return { mdc, refid, parameter, loinc, loincDisplay, ucum, range };
}

/** The first row for each parameter is the code we send; the others are accepted on input. */
export const VITAL_CODES: readonly VitalCode[] = [
  row(147842, 'MDC_ECG_HEART_RATE', 'HR', HR_LOINC, '/min', [0, 350]),
  row(149530, 'MDC_PULS_OXIM_PULS_RATE', 'PR', ['8889-8', 'Heart rate by Pulse oximetry'], '/min', [0, 350]),
  row(149546, 'MDC_PULS_RATE_NON_INV', 'PR', HR_LOINC, '/min', [0, 350]),
  row(149514, 'MDC_PULS_RATE', 'PR', HR_LOINC, '/min', [0, 350]),
  row(150456, 'MDC_PULS_OXIM_SAT_O2', 'SPO2', ['59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'], '%', [0, 100]),
  row(150021, 'MDC_PRESS_BLD_NONINV_SYS', 'NIBP_SYS', SYS, 'mm[Hg]', [0, 350]),
  row(150022, 'MDC_PRESS_BLD_NONINV_DIA', 'NIBP_DIA', DIA, 'mm[Hg]', [0, 300]),
  row(150023, 'MDC_PRESS_BLD_NONINV_MEAN', 'NIBP_MEAN', MEAN, 'mm[Hg]', [0, 300]),
  row(150033, 'MDC_PRESS_BLD_ART_SYS', 'IBP_SYS', SYS, 'mm[Hg]', [-50, 350]),
  row(150034, 'MDC_PRESS_BLD_ART_DIA', 'IBP_DIA', DIA, 'mm[Hg]', [-50, 300]),
  row(150035, 'MDC_PRESS_BLD_ART_MEAN', 'IBP_MEAN', MEAN, 'mm[Hg]', [-50, 300]),
  row(150037, 'MDC_PRESS_BLD_ART_ABP_SYS', 'IBP_SYS', SYS, 'mm[Hg]', [-50, 350]),
  row(150038, 'MDC_PRESS_BLD_ART_ABP_DIA', 'IBP_DIA', DIA, 'mm[Hg]', [-50, 300]),
  row(150039, 'MDC_PRESS_BLD_ART_ABP_MEAN', 'IBP_MEAN', MEAN, 'mm[Hg]', [-50, 300]),
  row(151562, 'MDC_RESP_RATE', 'RR', RR, '/min', [0, 150]),
  row(151594, 'MDC_CO2_RESP_RATE', 'RR', RR, '/min', [0, 150]),
  row(150364, 'MDC_TEMP_BODY', 'TEMP', TEMP, 'Cel', [15, 45]),
  row(150344, 'MDC_TEMP', 'TEMP', TEMP, 'Cel', [15, 45]),
  row(151708, 'MDC_CONC_AWAY_CO2_ET', 'ETCO2', ETCO2, 'mm[Hg]', [0, 150]),
  row(151728, 'MDC_AWAY_CO2_ET', 'ETCO2', ETCO2, 'mm[Hg]', [0, 150]),
];

/** REFIDs that name the same code as a row (vendor spellings in the Rosetta). */
export const REFID_ALIASES: Readonly<Record<string, number>> = { MDC_ECG_CARD_BEAT_RATE: 147842 };

const BY_MDC = new Map<number, VitalCode>(VITAL_CODES.map((c) => [c.mdc, c]));

export function vitalByMdc(mdc: number): VitalCode | undefined {
  return BY_MDC.get(mdc);
}

/** The code we send for a parameter (the first row for it). */
export function primaryCode(p: VitalParameter): VitalCode {
  return VITAL_CODES.find((c) => c.parameter === p)!;
}

export interface UnitIn {
  /** MDC unit code when OBX-6 / the payload coded the unit in MDC. */
  readonly mdc?: number;
  /** UCUM code as sent. */
  readonly ucum?: string;
}

/**
 * Value in the parameter's canonical UCUM unit, or undefined when the unit is missing, unknown or
 * not convertible (a value in an unknown unit is not stored as if it were in ours).
 */
export function toCanonical(code: VitalCode, value: number, unit: UnitIn): number | undefined {
  const from = unit.mdc !== undefined ? ucumOfMdcUnit(unit.mdc) : unit.ucum !== undefined ? normaliseUcum(unit.ucum) : undefined;
  if (from === undefined) return undefined;
  return convertUnit(value, from, code.ucum);
}
