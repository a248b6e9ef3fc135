// Second opinion on each lead: after a first detection pass, a lead that shows a bump at most
// detected beats and few bumps elsewhere is trustworthy in that stretch; a lead whose bumps do not
// line up with the beats (artefact, lead off, a lead where the QRS is tiny) is turned down.
import type { LeadFeatures } from './features.js';
import { interpolateBlocks } from './filters.js';

export interface LeadQualityOptions {
  /** Length of the quality blocks in s. Default 10. */
  blockS: number;
  /** A lead "shows" a beat when its normalised feature reaches this within the match window. Default 0.3. */
  presentLevel: number;
  /** A lead bump above this that is not near a beat counts against the lead. Default 0.5. */
  spuriousLevel: number;
  /** Half-width of the beat match window in s. Default 0.1. */
  matchS: number;
}

export const DEFAULT_LEAD_QUALITY: LeadQualityOptions = { blockS: 10, presentLevel: 0.3, spuriousLevel: 0.5, matchS: 0.1 };

/**
 * Quality in [0, 1] of each lead over time from its agreement with `beats`, per block and
 * interpolated between block centres. Blocks without beats nearby give every lead quality 1.
 */
export function leadQuality(leads: readonly LeadFeatures[], beats: readonly number[], n: number, fs: number, o: LeadQualityOptions = DEFAULT_LEAD_QUALITY): Float64Array[] {
  const b = Math.max(1, Math.round(o.blockS * fs));
  const nb = Math.max(1, Math.ceil(n / b));
  const m = Math.round(o.matchS * fs);
  const refractory = Math.round(0.2 * fs);
  const beatsIn = new Float64Array(nb);
  for (const p of beats) beatsIn[Math.min(nb - 1, Math.floor(p / b))] = (beatsIn[Math.min(nb - 1, Math.floor(p / b))] ?? 0) + 1;
  // nearBeat[i] = 1 when a detected beat lies within ±matchS of sample i.
  const nearBeat = new Uint8Array(n);
  for (const p of beats) nearBeat.fill(1, Math.max(0, p - m), Math.min(n, p + m + 1));
  return leads.map((l) => {
    const present = new Float64Array(nb);
    const spurious = new Float64Array(nb);
    for (const p of beats) {
      let peak = 0;
      for (let i = Math.max(0, p - m); i <= Math.min(n - 1, p + m); i++) peak = Math.max(peak, l.normalised[i] ?? 0);
      if (peak >= o.presentLevel) { const k = Math.min(nb - 1, Math.floor(p / b)); present[k] = (present[k] ?? 0) + 1; }
    }
    let lastPeak = -refractory;
    const x = l.normalised;
    for (let i = 1; i < n - 1; i++) {
      const v = x[i] ?? 0;
      if (v >= o.spuriousLevel && v > (x[i - 1] ?? 0) && v >= (x[i + 1] ?? 0) && i - lastPeak >= refractory) {
        lastPeak = i;
        if (nearBeat[i] !== 1) { const k = Math.min(nb - 1, Math.floor(i / b)); spurious[k] = (spurious[k] ?? 0) + 1; }
      }
    }
    const q = new Float64Array(nb);
    for (let k = 0; k < nb; k++) {
      // Pool each block with its neighbours so one odd block does not swing the weights.
      let bt = 0, pr = 0, sp = 0;
      for (let j = Math.max(0, k - 1); j <= Math.min(nb - 1, k + 1); j++) { bt += beatsIn[j] ?? 0; pr += present[j] ?? 0; sp += spurious[j] ?? 0; }
      q[k] = bt === 0 ? 1 : (pr / bt) / (1 + (2 * sp) / bt);
    }
    // A small floor: a lead is turned down, never off, so a later good stretch can be seen.
    for (let k = 0; k < nb; k++) q[k] = Math.max(0.02, q[k] ?? 1);
    return interpolateBlocks(q, b, n);
  });
}
