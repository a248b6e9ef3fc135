import type { PaperSettings } from './paper.js';

/**
 * Where each lead goes on the paper. Standard 12-lead print (IEC 60601-2-25 style): three rows of
 * four 2.5 s columns, I/II/III | aVR/aVL/aVF | V1–V3 | V4–V6, all columns time-aligned, and a
 * full-length rhythm strip of lead II below. An 18-lead record adds the posterior (V7–V9) and the
 * right-sided (V3R–V5R) leads as two more rows in the same columns. A record without enough of the
 * standard leads (a Holter pair, MLII/V5 from MIT-BIH) gets one full-length row per lead instead.
 */

const STANDARD_ROWS: readonly (readonly string[])[] = [
  ['I', 'aVR', 'V1', 'V4'],
  ['II', 'aVL', 'V2', 'V5'],
  ['III', 'aVF', 'V3', 'V6'],
  ['V7', 'V8', 'V9'],
  ['V3R', 'V4R', 'V5R'],
];
const STANDARD_LEADS = new Set(STANDARD_ROWS.flat());
const COLUMNS = 4;
/** At least this many of the twelve standard leads make the 3×4 layout worth using. */
const MIN_STANDARD_FOR_GRID = 6;

/** Paper margins, mm: room for the calibration pulse on the left, labels above each row. */
export const MARGIN_MM = { top: 5, bottom: 5, right: 5 } as const;
/** Calibration pulse: 1 mV high, 200 ms wide, with this much paper either side of it, mm. */
export const CAL_PULSE_S = 0.2;
const CAL_GAP_MM = 2;

/** One trace on the paper. Times are seconds from the record start; positions are mm. */
export interface LeadCell {
  lead: string;
  /** Index into the samples' lead array. */
  index: number;
  row: number;
  col: number;
  xMm: number;
  widthMm: number;
  /** Paper y of 0 mV (down is positive, as on a canvas). */
  baselineMm: number;
  startS: number;
  endS: number;
  rhythm: boolean;
}

export interface EcgLayout {
  kind: 'standard' | 'per-lead';
  widthMm: number;
  heightMm: number;
  rowHeightMm: number;
  /** x where traces start (right of the calibration pulses). */
  traceXMm: number;
  /** Baseline of each row, mm (one calibration pulse per row). */
  rowBaselinesMm: number[];
  cells: LeadCell[];
}

/** Row height grows with gain so ±1.5 mV fits, in whole 5 mm boxes; never under 20 mm. */
export function rowHeightMm(gainMmPerMv: number): number {
  return Math.max(20, Math.ceil((3.5 * gainMmPerMv) / 5) * 5);
}

/** The lead shown as the rhythm strip: II when present, else the first lead. */
export function rhythmLeadIndex(leads: readonly string[]): number {
  const ii = leads.indexOf('II');
  return ii >= 0 ? ii : leads.length > 0 ? 0 : -1;
}

/** Lays out `leads` (names in the samples' order) for a record of `durationS` seconds. */
export function computeLayout(leads: readonly string[], durationS: number, paper: PaperSettings): EcgLayout {
  const speed = paper.speedMmPerS;
  const rowH = rowHeightMm(paper.gainMmPerMv);
  const traceXMm = CAL_GAP_MM + CAL_PULSE_S * speed + CAL_GAP_MM;
  const dur = Math.max(0, durationS);
  const index = new Map<string, number>();
  leads.forEach((l, i) => {
    if (!index.has(l)) index.set(l, i);
  });
  const standardCount = STANDARD_ROWS.slice(0, 3).flat().filter((l) => index.has(l)).length;
  const cells: LeadCell[] = [];
  let row = 0;
  const baseline = (r: number): number => MARGIN_MM.top + r * rowH + rowH / 2;
  const fullRow = (lead: string, i: number, rhythm: boolean): void => {
    cells.push({ lead, index: i, row, col: 0, xMm: traceXMm, widthMm: dur * speed, baselineMm: baseline(row), startS: 0, endS: dur, rhythm });
    row++;
  };

  let kind: EcgLayout['kind'];
  if (standardCount >= MIN_STANDARD_FOR_GRID) {
    kind = 'standard';
    const colS = dur / COLUMNS;
    const rows = [...STANDARD_ROWS];
    // Leads outside the standard set keep their own rows of four so nothing recorded is hidden.
    const extra = leads.filter((l, i) => !STANDARD_LEADS.has(l) && index.get(l) === i);
    for (let k = 0; k < extra.length; k += COLUMNS) rows.push(extra.slice(k, k + COLUMNS));
    for (const names of rows) {
      const present = names.map((n) => index.get(n));
      if (present.every((p) => p === undefined)) continue;
      names.forEach((lead, col) => {
        const i = index.get(lead);
        if (i === undefined) return;
        cells.push({ lead, index: i, row, col, xMm: traceXMm + col * colS * speed, widthMm: colS * speed, baselineMm: baseline(row), startS: col * colS, endS: (col + 1) * colS, rhythm: false });
      });
      row++;
    }
    const r = rhythmLeadIndex(leads);
    if (r >= 0) fullRow(leads[r] ?? '', r, true);
  } else {
    kind = 'per-lead';
    leads.forEach((l, i) => fullRow(l, i, false));
  }
  return {
    kind,
    widthMm: traceXMm + dur * speed + MARGIN_MM.right,
    heightMm: MARGIN_MM.top + row * rowH + MARGIN_MM.bottom,
    rowHeightMm: rowH,
    traceXMm,
    rowBaselinesMm: Array.from({ length: row }, (_, r) => baseline(r)),
    cells,
  };
}

/** The trace under a paper point (mm), if any: used to name the lead a caliper was placed on. */
export function cellAt(layout: EcgLayout, xMm: number, yMm: number): LeadCell | null {
  for (const c of layout.cells) {
    if (xMm >= c.xMm && xMm <= c.xMm + c.widthMm && Math.abs(yMm - c.baselineMm) <= layout.rowHeightMm / 2) return c;
  }
  return null;
}

/** Sample index range `[start, end)` of a cell at `sampleRateHz`, clamped to `length`. */
export function cellSampleRange(cell: LeadCell, sampleRateHz: number, length: number): [number, number] {
  const a = Math.max(0, Math.min(length, Math.round(cell.startS * sampleRateHz)));
  const b = Math.max(a, Math.min(length, Math.round(cell.endS * sampleRateHz)));
  return [a, b];
}
