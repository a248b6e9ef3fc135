// The one internal ECG record every importer produces and every consumer (analysis, viewer,
// exporters) reads. Pure data: no I/O, no classes, so it can be structured-cloned and compared.

/** Standard lead codes (12-lead, posterior, right-sided) plus the Holter/monitor leads of MIT-BIH. */
export const STANDARD_LEADS = [
  'I', 'II', 'III', 'aVR', 'aVL', 'aVF',
  'V1', 'V2', 'V3', 'V4', 'V5', 'V6',
  'V7', 'V8', 'V9', 'V3R', 'V4R', 'V5R',
  'MLI', 'MLII', 'MLIII', 'MV1', 'MV2', 'MV3', 'MV4', 'MV5', 'MV6', 'MCL1', 'MCL6',
  'X', 'Y', 'Z',
] as const;
export type StandardLead = (typeof STANDARD_LEADS)[number];

/** The 18 leads of the clinic cart, in display order. */
export const CART_18_LEADS: readonly StandardLead[] = [
  'I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V3R', 'V4R', 'V5R',
];

/** Sample value meaning "no valid sample here" (lead off, gap between segments, format's invalid code). */
export const INVALID_SAMPLE = -2147483648;

/** One signal channel. Physical value = (counts - baseline) / gain, in `units`. */
export interface EcgChannel {
  /** Standard lead code when the label maps to one, else null (e.g. "ECG 1", "ABP"). */
  lead: StandardLead | null;
  /** Label as the source wrote it (e.g. "MLII", "avr", "ECG lead II"). */
  label: string;
  /** Samples in ADC counts, exact integers as stored; INVALID_SAMPLE marks missing samples. */
  samples: Int32Array;
  /** Samples per second of this channel (multi-rate records may differ per channel). */
  sampleRateHz: number;
  /** Counts per physical unit (e.g. 200 counts/mV = 5 µV per count). */
  gain: number;
  /** Count value corresponding to 0 physical units. */
  baseline: number;
  /** Physical units ("mV", "uV", "mmHg", "NU"...). */
  units: string;
  /** ADC resolution in bits, 0 when unknown. */
  adcResolution: number;
  /** True when the cart computed this lead from others (e.g. III, aVR, aVL, aVF from I and II). */
  derived: boolean;
}

/** A measurement the cart made itself (e.g. QRS duration). */
export interface EcgMeasurement {
  /** Name as given by the source (e.g. "QRS duration"), or a code. */
  name: string;
  value: number;
  unit: string;
  /** Lead the measurement belongs to; null for global measurements. */
  lead: StandardLead | null;
}

export interface EcgPatient {
  /** Patient identifier as keyed on the source; never logged. */
  id: string | null;
  name: string | null;
  ageYears: number | null;
  sex: 'M' | 'F' | 'U';
}

export interface EcgDevice {
  model: string | null;
  serial: string | null;
  manufacturer: string | null;
}

/** The internal ECG record. Immutable by convention. */
export interface EcgRecord {
  /** Record name (file stem, cart record id). */
  id: string;
  /** Source format ("wfdb", "scp-ecg", "hl7-aecg", "dicom", "cart"). */
  source: string;
  /** Base (frame) sample rate in Hz; ECG channels may be a multiple of it. */
  sampleRateHz: number;
  /** Length of the record in frames at sampleRateHz. */
  frames: number;
  /** Acquisition start as ISO 8601 (local time without zone when the source has none), or null. */
  startTime: string | null;
  /** ECG leads (physical units of voltage). */
  leads: EcgChannel[];
  /** Non-ECG signals recorded alongside (ABP, PLETH, RESP...). */
  otherSignals: EcgChannel[];
  patient: EcgPatient;
  device: EcgDevice;
  measurements: EcgMeasurement[];
  /** The cart's interpretive statements, in its own words. */
  statements: string[];
  /** Free-text notes from the source (e.g. WFDB header comments). */
  notes: string[];
}

const LEAD_ALIASES: ReadonlyMap<string, StandardLead> = new Map(
  STANDARD_LEADS.map((l) => [l.toUpperCase(), l] as const),
);

/** Maps a source label ("ii", "ECG lead II", "avr", "V4r") to a standard lead code, or null. */
export function leadFromLabel(label: string): StandardLead | null {
  let s = label.trim().toUpperCase().replace(/\s+/g, ' ');
  s = s.replace(/^(ECG )?(LEAD )?/, '');
  // PTB writes the Frank leads as vx, vy, vz.
  if (s === 'VX' || s === 'VY' || s === 'VZ') s = s.slice(1);
  return LEAD_ALIASES.get(s) ?? null;
}

/** Labels of common non-ECG signals recorded next to ECGs (some are stored with a default mV unit). */
const NON_ECG = /^(RESP|PLETH|ABP|ART|PAP|CVP|CO2|SPO2|SAO2|PULSE|TEMP|ICP|UAP|LAP|RAP|EEG|EMG|EOG)/i;

/** Whether a channel is an ECG lead: a lead code, or a voltage unit on a label that is not a known non-ECG signal. */
export function isEcgChannel(label: string, units: string): boolean {
  if (leadFromLabel(label) !== null) return true;
  return isVoltageUnit(units) && !NON_ECG.test(label.trim());
}

/** Whether a channel records a voltage (an ECG) by its units or its lead code. */
export function isVoltageUnit(units: string): boolean {
  const u = units.trim().toLowerCase();
  return u === 'mv' || u === 'uv' || u === 'µv' || u === 'v' || u === 'nv';
}

const PER_MICROVOLT: Readonly<Record<string, number>> = { mv: 1e-3, uv: 1, 'µv': 1, v: 1e-6, nv: 1e3 };

/** Microvolts per ADC count of a voltage channel (e.g. 5 for 200 counts/mV); NaN for non-voltage units. */
export function microvoltsPerCount(ch: Pick<EcgChannel, 'gain' | 'units'>): number {
  const perUv = PER_MICROVOLT[ch.units.trim().toLowerCase()];
  if (perUv === undefined || ch.gain === 0) return Number.NaN;
  return 1 / (ch.gain * perUv);
}

/** The channel in microvolts (invalid samples become NaN). Allocates; analysis uses counts directly. */
export function channelMicrovolts(ch: EcgChannel): Float64Array {
  const k = microvoltsPerCount(ch);
  const out = new Float64Array(ch.samples.length);
  for (let i = 0; i < out.length; i++) {
    const v = ch.samples[i] ?? INVALID_SAMPLE;
    out[i] = v === INVALID_SAMPLE ? Number.NaN : (v - ch.baseline) * k;
  }
  return out;
}

/** An empty patient (unknown everything). */
export function unknownPatient(): EcgPatient {
  return { id: null, name: null, ageYears: null, sex: 'U' };
}

/** An empty device description. */
export function unknownDevice(): EcgDevice {
  return { model: null, serial: null, manufacturer: null };
}
