// EN 1064 §5.7/§5.8 and Annex C.3: when Section 3 flags reference-beat subtraction, the rhythm in
// Section 6 is a residual inside each type-0 QRS subtraction zone; the decoder adds the reference
// beat of Section 5 back, aligned so the beat's fiducial falls on the complex's fiducial.
import { ScpError, ScpErrorCode, formatError } from './errors.js';
import type { ScpQrs } from './lead-table.js';

/** Keeps rescaled counts inside int32 and off INVALID_SAMPLE. */
const MAX_COUNT = 0x7fffffff;

/** Greatest common divisor of two positive integers. */
export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Multiplies counts in place by an integer factor (AVM rescaling), checking the int32 range. */
export function rescale(v: Int32Array, factor: number, what: string): void {
  if (factor === 1) return;
  for (let i = 0; i < v.length; i++) {
    const x = (v[i] ?? 0) * factor;
    if (x > MAX_COUNT || x < -MAX_COUNT) throw formatError(`${what}: rescaled sample ${i} out of range`);
    v[i] = x;
  }
}

/**
 * Validates the type-0 subtraction zones against the rhythm span (1-based sample numbers
 * 1..frames) and returns them sorted. Overlapping zones are refused: they have no meaning and
 * would let a hostile file make the add-back quadratic.
 */
export function subtractionZones(qrs: readonly ScpQrs[], frames: number): ScpQrs[] {
  const zones = qrs.filter((q) => q.type === 0).sort((a, b) => a.start - b.start);
  let lastEnd = 0;
  for (const z of zones) {
    if (z.start < 1 || z.end < z.start || z.end > frames || z.fiducial < z.start || z.fiducial > z.end) {
      throw formatError(`section 4: subtraction zone ${z.start}..${z.end} (fiducial ${z.fiducial}) outside 1..${frames}`);
    }
    if (z.start <= lastEnd) throw formatError(`section 4: subtraction zones overlap at sample ${z.start}`);
    lastEnd = z.end;
  }
  return zones;
}

/**
 * Adds `beat` back into one lead. `lead[k]` is sample number `leadStart + k`; `beat[j]` is beat
 * sample j+1 and `beatFiducial` (1-based) aligns with each zone's fiducial.
 */
export function addReferenceBeat(
  lead: Int32Array, leadStart: number, beat: Int32Array, beatFiducial: number, zones: readonly ScpQrs[], what: string,
): void {
  for (const z of zones) {
    // Sample number n takes beat sample n - fiducial + beatFiducial (1-based).
    const shift = beatFiducial - z.fiducial;
    const from = Math.max(z.start, leadStart, 1 - shift);
    const to = Math.min(z.end, leadStart + lead.length - 1, beat.length - shift);
    for (let n = from; n <= to; n++) {
      const x = (lead[n - leadStart] ?? 0) + (beat[n + shift - 1] ?? 0);
      if (x > MAX_COUNT || x < -MAX_COUNT) throw new ScpError(ScpErrorCode.FORMAT, `${what}: sample ${n} out of range after reference beat`);
      lead[n - leadStart] = x;
    }
  }
}
