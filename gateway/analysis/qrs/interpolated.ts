// Rhythm check after detection: in a regular rhythm, a "beat" that sits between two beats whose
// spacing is already one normal RR interval, and that has the shape of none of the beats before
// it, is an artefact (a burst of electrode or muscle noise that reached the threshold). A real
// premature beat resets or delays the rhythm (the next beat comes late: a compensatory pause) or,
// when interpolated, still has a ventricular shape that earlier ectopics share.
import type { LeadFeatures } from './features.js';
import { BeatMemory } from './morphology.js';

export interface InterpolatedOptions {
  /** RR intervals on each side used for the local rhythm. Default 10. */
  span: number;
  /** The local rhythm is regular when its interquartile range is below this share of the median RR. Default 0.1. */
  maxSpread: number;
  /** A beat is interpolated when its two neighbours are within this many median RRs (and above 2 − this). Default 1.1. */
  maxGap: number;
  /** ... and it is dropped when its best shape match with the 8 beats before it is below this. Default 0.8. */
  minShapeMatch: number;
}

export const DEFAULT_INTERPOLATED: InterpolatedOptions = { span: 10, maxSpread: 0.1, maxGap: 1.1, minShapeMatch: 0.8 };

/** Sorted beats without the interpolated artefacts; `dropped` receives the removed ones when given. */
export function dropInterpolatedArtefacts(
  beats: readonly number[], leads: readonly LeadFeatures[], fs: number, o: InterpolatedOptions = DEFAULT_INTERPOLATED, dropped?: number[],
): number[] {
  const memory = new BeatMemory(leads, fs);
  const out: number[] = [];
  const rr: number[] = [];
  for (let j = 1; j < beats.length; j++) rr.push((beats[j] ?? 0) - (beats[j - 1] ?? 0));
  const local: number[] = [];
  beats.forEach((b, j) => {
    const keep = ((): boolean => {
      if (j === 0 || j === beats.length - 1 || memory.size < 4) return true;
      // The intervals around beat j, leaving out the two that touch it.
      local.length = 0;
      for (let k = Math.max(0, j - 1 - o.span); k < Math.min(rr.length, j + 1 + o.span); k++) if (k !== j - 1 && k !== j) local.push(rr[k] ?? 0);
      if (local.length < 4) return true;
      local.sort((x, y) => x - y);
      const q = (f: number): number => local[Math.min(local.length - 1, Math.floor(f * local.length))] ?? 0;
      const med = q(0.5);
      if (!(med > 0) || (q(0.75) - q(0.25)) / med >= o.maxSpread) return true;
      // The neighbours must be one normal RR apart, not less: two short intervals are a run of fast
      // beats (a VT or SVT salvo), not something squeezed into the rhythm.
      const gap = ((beats[j + 1] ?? 0) - (beats[j - 1] ?? 0)) / med;
      if (gap >= o.maxGap || gap <= 2 - o.maxGap) return true;
      return memory.bestCorrelation(b) >= o.minShapeMatch;
    })();
    if (keep) { out.push(b); memory.remember(b); } else dropped?.push(b);
  });
  return out;
}
