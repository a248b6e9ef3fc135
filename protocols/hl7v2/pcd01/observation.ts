// IHE PCD-01 (Communicate PCD Data, ORU^R01, HL7 v2.6) observation rows: IHE PCD TF-2 Rev 9.0
// §B.8 (OBX segment) and Appendix B. One OBX = one observation; what it means is in
//   OBX-2 value type, OBX-3 observation identifier (MDC code^REFID^MDC, or LOINC with the MDC code
//   as the alternate identifier in components 4-6), OBX-4 containment (MDS.VMD.Channel.Metric[.facet]),
//   OBX-5 value, OBX-6 units (MDC or UCUM), OBX-11 result status, OBX-14 observation time,
//   OBX-18 equipment instance identifier (EUI-64).
import { Hl7ErrorCode } from '../errors.js';
import { type Hl7Segment, value } from '../message.js';
import { type Hl7Time, parseHl7Time } from './hl7-time.js';

export interface CodedElement {
  readonly code: string;
  readonly text: string;
  readonly system: string;
}

/** OBX-4 split at the dots (IHE PCD TF-2 §B.8.4: <MDS>.<VMD>.<Channel>.<Metric>[.<Facet>…]). */
export interface Containment {
  readonly raw: string;
  /** The numbers, or undefined when OBX-4 is not a dotted list of integers. */
  readonly path?: readonly number[];
}

/**
 * OBX-5 as we read it. Sentinels and statuses that mean "no value" give 'unavailable', never a
 * number: a monitor's "no reading" must not be charted as -100 mmHg.
 */
export type PcdValue =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'numbers'; readonly values: readonly number[] } // NA (numeric array), NR (range)
  | { readonly kind: 'coded'; readonly coded: CodedElement } // CWE / CE
  | { readonly kind: 'text'; readonly text: string } // ST, DTM, anything else
  | { readonly kind: 'empty' } // no OBX-5 (device and channel rows)
  | { readonly kind: 'unavailable'; readonly reason: UnavailableReason; readonly raw: string };

export type UnavailableReason = `status-${string}` | 'sentinel' | 'not-a-number';

export interface PcdUnits {
  readonly coded: CodedElement;
  /** MDC unit code (e.g. 266016 for MDC_DIM_MMHG) when OBX-6 is an MDC unit. */
  readonly mdc?: number;
  /** UCUM code when OBX-6 is coded in UCUM. */
  readonly ucum?: string;
}

export interface PcdObservation {
  readonly setId: string;
  readonly valueType: string;
  readonly identifier: CodedElement;
  /** OBX-3 components 4-6 when sent (e.g. MDC behind a LOINC primary code). */
  readonly alternate?: CodedElement;
  /** The numeric MDC code from OBX-3 (primary when its system is MDC, else the alternate). */
  readonly mdcCode?: number;
  /** REFID (MDC_...) beside that code. */
  readonly refid?: string;
  readonly containment: Containment;
  readonly value: PcdValue;
  /** OBX-5 as sent, components joined by '^' (for display and audit). */
  readonly rawValue: string;
  readonly units?: PcdUnits;
  /** OBX-8 abnormal flags (PCD-04 puts alarm priority and type here). */
  readonly abnormalFlags: readonly string[];
  readonly status: string;
  readonly observedAt?: Hl7Time;
  /** OBX-14 as sent. */
  readonly observedAtRaw: string;
  /** OBX-18 as sent (repetition 1, components joined by '^'). */
  readonly equipmentRaw: string;
  /** The EUI-64 in OBX-18 when it names one (16 hex digits, upper case). */
  readonly eui64?: string;
}

/**
 * OBX-11 statuses (HL7 table 0085) under which OBX-5 is no result: X "results cannot be obtained",
 * N "not asked", D "deletes the OBX record", W "post original as wrong", I "results pending",
 * O "order detail description only".
 */
export const NO_RESULT_STATUSES: ReadonlySet<string> = new Set(['X', 'N', 'D', 'W', 'I', 'O']);

/**
 * OBX-5 texts that mean "no value". -100 and -999 are vendor "no reading" fillers; 8388607,
 * 8388606, -8388606, -8388607, -8388608 are the IEEE 11073-20601 FLOAT-Type special values
 * (NaN, +INFINITY, -INFINITY, reserved, NRes: mantissa 0x7FFFFF, 0x7FFFFE, 0x800002, 0x800001,
 * 0x800000 with exponent 0) when a gateway writes the raw mantissa; "NaN" / "INF" are what
 * floating-point formatters print.
 */
export const DEFAULT_SENTINELS: ReadonlySet<string> = new Set([
  '-100', '-999', '-9999', '8388607', '8388606', '-8388606', '-8388607', '-8388608', 'NaN', 'nan', 'NAN', 'INF', '+INF', '-INF', 'Infinity', '-Infinity',
]);

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const EUI64 = /^[0-9A-Fa-f]{16}$/;

export interface ObservationOptions {
  readonly sentinels?: ReadonlySet<string>;
}

export interface BadObx {
  readonly code: typeof Hl7ErrorCode.PCD_BAD_OBX;
  readonly setId: string;
  readonly reason: string;
}

function coded(seg: Hl7Segment, f: number, first = 1): CodedElement {
  return { code: value(seg, f, first), text: value(seg, f, first + 1), system: value(seg, f, first + 2) };
}

function joined(seg: Hl7Segment, f: number): string {
  return (seg.fields[f]?.[0] ?? []).map((c) => c.join('&')).join('^');
}

function mdcNumber(c: CodedElement | undefined): number | undefined {
  if (!c || c.system.trim() !== 'MDC' || !/^\d+$/.test(c.code)) return undefined;
  return Number(c.code);
}

function readValue(seg: Hl7Segment, type: string, status: string, sentinels: ReadonlySet<string>): PcdValue {
  const raw = joined(seg, 5);
  if (NO_RESULT_STATUSES.has(status)) return raw === '' ? { kind: 'empty' } : { kind: 'unavailable', reason: `status-${status}`, raw };
  if (raw === '') return { kind: 'empty' };
  const comps = (seg.fields[5]?.[0] ?? []).map((c) => c[0] ?? '');
  switch (type) {
    case 'NM': {
      const t = raw.trim();
      if (sentinels.has(t)) return { kind: 'unavailable', reason: 'sentinel', raw };
      if (!NUMERIC.test(t)) return { kind: 'unavailable', reason: 'not-a-number', raw };
      return { kind: 'number', value: Number(t) };
    }
    case 'NA':
    case 'NR': {
      // Arrays and ranges: one sentinel or non-number anywhere and the whole row is unavailable,
      // rather than a waveform with a -100 spike in it.
      const ts = comps.map((c) => c.trim());
      if (ts.some((t) => sentinels.has(t))) return { kind: 'unavailable', reason: 'sentinel', raw };
      if (!ts.every((t) => NUMERIC.test(t))) return { kind: 'unavailable', reason: 'not-a-number', raw };
      return { kind: 'numbers', values: ts.map(Number) };
    }
    case 'CWE':
    case 'CE':
    case 'CNE':
      return { kind: 'coded', coded: coded(seg, 5) };
    default:
      return sentinels.has(raw.trim()) ? { kind: 'unavailable', reason: 'sentinel', raw } : { kind: 'text', text: raw };
  }
}

function readUnits(seg: Hl7Segment): PcdUnits | undefined {
  const c = coded(seg, 6);
  if (c.code === '' && c.text === '') return undefined;
  const system = c.system.trim();
  // A missing coding system with an MDC_DIM_ REFID beside a number is still an MDC unit (seen in
  // the wild: "264608^MDC_DIM_PER_SEC").
  if ((system === 'MDC' || (system === '' && c.text.startsWith('MDC_DIM_'))) && /^\d+$/.test(c.code)) return { coded: c, mdc: Number(c.code) };
  if (system === 'UCUM') return { coded: c, ucum: c.code };
  return { coded: c };
}

function readEui64(seg: Hl7Segment): string | undefined {
  // EI: entity id ^ namespace id ^ universal id ^ universal id type; IHE PCD puts the EUI-64 in
  // EI.1 (and EI.3) with EI.4 = "EUI-64"; some senders shorten it to "<EUI-64>^EUI-64".
  const comps = [1, 2, 3, 4].map((c) => value(seg, 18, c).trim());
  if (!comps.includes('EUI-64')) return undefined;
  const id = comps.find((c) => EUI64.test(c));
  return id?.toUpperCase();
}

/** Reads one OBX. Returns a BadObx (never throws) when OBX-3 has no code. */
export function readObservation(seg: Hl7Segment, o: ObservationOptions = {}): PcdObservation | BadObx {
  const setId = value(seg, 1);
  const identifier = coded(seg, 3);
  if (identifier.code.trim() === '') return { code: Hl7ErrorCode.PCD_BAD_OBX, setId, reason: 'OBX-3 has no code' };
  const alt = coded(seg, 3, 4);
  const alternate = alt.code !== '' || alt.text !== '' ? alt : undefined;
  const primaryMdc = mdcNumber(identifier);
  const altMdc = mdcNumber(alternate);
  const mdcCode = primaryMdc ?? altMdc;
  const refid = primaryMdc !== undefined ? identifier.text : altMdc !== undefined ? alternate!.text : undefined;
  const rawPath = value(seg, 4);
  const path = /^\d+(\.\d+)*$/.test(rawPath) ? rawPath.split('.').map(Number) : undefined;
  const status = value(seg, 11).trim();
  const valueType = value(seg, 2).trim();
  const units = readUnits(seg);
  const observedAtRaw = value(seg, 14);
  const observedAt = parseHl7Time(observedAtRaw);
  const eui64 = readEui64(seg);
  return {
    setId,
    valueType,
    identifier,
    ...(alternate ? { alternate } : {}),
    ...(mdcCode !== undefined ? { mdcCode, refid: refid! } : {}),
    containment: path ? { raw: rawPath, path } : { raw: rawPath },
    value: readValue(seg, valueType, status, o.sentinels ?? DEFAULT_SENTINELS),
    rawValue: joined(seg, 5),
    ...(units ? { units } : {}),
    abnormalFlags: (seg.fields[8] ?? []).map((rep) => rep[0]?.[0] ?? '').filter((f) => f !== ''),
    status,
    ...(observedAt ? { observedAt } : {}),
    observedAtRaw,
    equipmentRaw: joined(seg, 18),
    ...(eui64 ? { eui64 } : {}),
  };
}

export function isBadObx(x: PcdObservation | BadObx): x is BadObx {
  return (x as BadObx).code === Hl7ErrorCode.PCD_BAD_OBX;
}
