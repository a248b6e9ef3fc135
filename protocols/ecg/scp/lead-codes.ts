// EN 1064 Table 13 (Section 3 lead identification), the codes this reader names. Codes 31..60 are
// the same leads as 1..30 marked "derived" (computed by the cart from other leads).
import { leadFromLabel, type StandardLead } from '../record.js';

const NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [1, 'I'], [2, 'II'], [3, 'V1'], [4, 'V2'], [5, 'V3'], [6, 'V4'], [7, 'V5'], [8, 'V6'],
  [9, 'V7'], [10, 'V2R'], [11, 'V3R'], [12, 'V4R'], [13, 'V5R'], [14, 'V6R'], [15, 'V7R'],
  [16, 'X'], [17, 'Y'], [18, 'Z'], [19, 'CC5'], [20, 'CM5'], [21, 'LA'], [22, 'RA'], [23, 'LL'],
  [24, 'fI'], [25, 'fE'], [26, 'fC'], [27, 'fA'], [28, 'fM'], [29, 'fF'], [30, 'fH'],
  [61, 'III'], [62, 'aVR'], [63, 'aVL'], [64, 'aVF'], [65, '-aVR'],
  [66, 'V8'], [67, 'V9'], [68, 'V8R'], [69, 'V9R'], [70, 'D'], [71, 'A'], [72, 'J'],
]);

/** What Section 3's lead id byte means. */
export interface ScpLeadName {
  /** Label as SCP names it ("V4R", "dII", "SCP lead 120" for codes this reader does not name). */
  label: string;
  lead: StandardLead | null;
  derived: boolean;
}

/** Maps an SCP lead id (0..255) to a label and, when one exists, a standard lead code. */
export function scpLeadName(id: number): ScpLeadName {
  const derived = id >= 31 && id <= 60;
  const base = NAMES.get(derived ? id - 30 : id);
  if (base === undefined) return { label: id === 0 ? 'unspecified' : `SCP lead ${id}`, lead: null, derived: false };
  return { label: derived ? `d${base}` : base, lead: leadFromLabel(base), derived };
}
