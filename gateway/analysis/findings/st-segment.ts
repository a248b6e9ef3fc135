// ST elevation (STEMI pattern) from the delineated beats. Per lead: the ST level at J+80 ms (J+60
// when the rate is above 100/min) minus the PR-segment baseline just before QRS onset, median over
// the narrow beats. Criteria after the Fourth Universal Definition of MI (Thygesen et al., 2018):
// new ST elevation at the J point in two contiguous leads ≥ 1 mm (100 µV); in V2–V3 ≥ 1.5 mm in
// women, ≥ 2 mm in men ≥ 40 (and when unknown), ≥ 2.5 mm in men < 40;
// posterior leads V7–V9 and right-sided leads count like the others here (1 mm, conservative).
// ST depression in V1–V3 is reported as a posterior hint.
import type { BeatBounds } from './delineate.js';

/** Contiguous lead chains (Cabrera order for the limb leads, precordial order, right-sided order). */
const CHAINS: readonly (readonly string[])[] = [
  ['aVL', 'I', 'II', 'aVF', 'III'],
  ['V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9'],
  ['V3R', 'V4R', 'V5R'],
];

/** Who the ECG belongs to, as far as the criteria care (V2–V3 thresholds differ by sex and age). */
export interface StemiPatient { sex: 'M' | 'F' | 'U'; ageYears: number | null }

/**
 * Elevation needed in a lead, µV. V2–V3: 1.5 mm in women, 2.5 mm in men under 40, 2 mm in men of
 * 40 and over and whenever sex or age is unknown (as before this distinction was made).
 */
export function thresholdUv(lead: string, patient?: StemiPatient): number {
  if (lead !== 'V2' && lead !== 'V3') return 100;
  if (patient?.sex === 'F') return 150;
  if (patient?.sex === 'M' && patient.ageYears !== null && patient.ageYears < 40) return 250;
  return 200;
}

export interface StLevel {
  lead: string;
  /** Median ST deviation from the PR baseline, µV (positive = elevation). */
  stUv: number;
}

/** ST deviation per lead (µV) over the given beats; leads without a usable beat are left out. */
export function stLevels(leads: ReadonlyMap<string, Float64Array>, beats: readonly BeatBounds[], fs: number, rrS: number | null): StLevel[] {
  const at = Math.round((rrS !== null && rrS < 0.6 ? 0.06 : 0.08) * fs);
  const half = Math.max(1, Math.round(0.01 * fs));
  const out: StLevel[] = [];
  for (const [lead, x] of leads) {
    const values: number[] = [];
    for (const b of beats) {
      const base = mean(x, b.onset - Math.round(0.04 * fs), b.onset - Math.round(0.01 * fs));
      const st = mean(x, b.offset + at - half, b.offset + at + half);
      if (!Number.isNaN(base) && !Number.isNaN(st)) values.push(st - base);
    }
    if (values.length === 0) continue;
    values.sort((a, b) => a - b);
    out.push({ lead, stUv: values[values.length >> 1] ?? 0 });
  }
  return out;
}

function mean(x: Float64Array, from: number, to: number): number {
  if (from < 0 || to >= x.length || to < from) return Number.NaN;
  let s = 0;
  for (let i = from; i <= to; i++) s += x[i] ?? Number.NaN;
  return s / (to - from + 1);
}

export interface StemiResult {
  /** Leads meeting the elevation criterion in a contiguous pair. */
  elevated: string[];
  /** V1–V3 leads with ≥ 100 µV depression in a contiguous pair (posterior hint). */
  depressedV1V3: string[];
}

/** Applies the contiguous-lead criteria to the ST levels. */
export function stemiCriteria(levels: readonly StLevel[], patient?: StemiPatient): StemiResult {
  const st = new Map(levels.map((l) => [l.lead, l.stUv] as const));
  const elevated = new Set<string>();
  for (const chain of CHAINS) {
    for (let i = 0; i + 1 < chain.length; i++) {
      const a = chain[i] ?? '', b = chain[i + 1] ?? '';
      if ((st.get(a) ?? 0) >= thresholdUv(a, patient) && (st.get(b) ?? 0) >= thresholdUv(b, patient)) { elevated.add(a); elevated.add(b); }
    }
  }
  const depressed = new Set<string>();
  const v = ['V1', 'V2', 'V3'];
  for (let i = 0; i + 1 < v.length; i++) {
    const a = v[i] ?? '', b = v[i + 1] ?? '';
    if ((st.get(a) ?? 0) <= -100 && (st.get(b) ?? 0) <= -100) { depressed.add(a); depressed.add(b); }
  }
  const order = CHAINS.flat();
  return { elevated: order.filter((l) => elevated.has(l)), depressedV1V3: v.filter((l) => depressed.has(l)) };
}
