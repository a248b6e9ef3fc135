// EN 1064 §5.9.2 (Section 6 byte 6, bimodal compression) with the protected areas of Section 4
// (§5.7): outside each protected area the cart low-pass filtered and decimated the rhythm by the
// factor (Section 6 sample interval) / (Section 5 sample interval), 2..4; inside it every sample is
// stored at the full rate. Section 3 and 4 sample numbers count full-rate samples.
//
// Stored layout of one lead, as the OpenECG reference decoder reads it: for each stretch a..b
// outside the protected areas (num = b-a+1 samples), floor(num/D) averaged values (one per group of
// D consecutive samples) followed by the num % D remaining samples unchanged; then the protected
// area's samples unchanged; and so on to the lead's end.
//
// Reconstruction is necessarily approximate: each averaged value is placed at the centre of its
// group and the samples in between are linear between neighbouring known points, the exact samples
// at the protected areas' borders included (so the ramp runs into each QRS zone rather than
// stepping); before the first and after the last known point the nearest value is held.
import { ScpError, ScpErrorCode, formatError } from './errors.js';

/** A protected area: 1-based, inclusive, full-rate sample numbers. */
export interface ScpProtectedArea {
  start: number;
  end: number;
}

/** Largest decimation factor the standard allows (and the only ones we reconstruct). */
export const MAX_DECIMATION = 4;

/**
 * The decimation factor between a stored interval and the full-rate one: an integer 1..4, else
 * TM_ERR_SCP_UNSUPPORTED (a legal-looking file we cannot place on one time axis).
 */
export function decimationFactor(storedUs: number, fullUs: number, what: string): number {
  const d = storedUs / fullUs;
  if (!Number.isInteger(d) || d < 1 || d > MAX_DECIMATION) {
    throw new ScpError(ScpErrorCode.UNSUPPORTED, `${what}: sample interval ${storedUs} µs is not 1-${MAX_DECIMATION} × ${fullUs} µs`);
  }
  return d;
}

/**
 * Validates Section 4's protected areas against the record span 1..lastSample and returns them
 * sorted. An all-zero entry means "none for this complex" and is skipped; anything else that is
 * inverted, outside the record or overlapping another area is refused (TM_ERR_SCP_FORMAT).
 */
export function validProtectedAreas(areas: readonly ScpProtectedArea[], lastSample: number): ScpProtectedArea[] {
  const out = areas.filter((a) => a.start !== 0 || a.end !== 0).sort((a, b) => a.start - b.start);
  let lastEnd = 0;
  for (const a of out) {
    if (a.start < 1 || a.end < a.start || a.end > lastSample) throw formatError(`section 4: protected area ${a.start}..${a.end} outside 1..${lastSample}`);
    if (a.start <= lastEnd) throw formatError(`section 4: protected areas overlap at sample ${a.start}`);
    lastEnd = a.end;
  }
  return out;
}

/** One stretch of a lead: stored at the full rate, or as averages of `factor` samples plus a full-rate tail. */
interface Stretch {
  full: boolean;
  /** 1-based full-rate sample numbers, inclusive. */
  from: number;
  to: number;
}

/** The lead's stretches in order (areas sorted and validated; clipped to the lead here). */
function stretches(start: number, end: number, areas: readonly ScpProtectedArea[]): Stretch[] {
  const out: Stretch[] = [];
  let next = start;
  for (const a of areas) {
    if (a.end < start) continue;
    if (a.start > end) break;
    const from = Math.max(a.start, start);
    const to = Math.min(a.end, end);
    if (from > next) out.push({ full: false, from: next, to: from - 1 });
    out.push({ full: true, from, to });
    next = to + 1;
  }
  if (next <= end) out.push({ full: false, from: next, to: end });
  return out;
}

/** How many values the file stores for a lead spanning start..end (full-rate sample numbers). */
export function storedCount(start: number, end: number, areas: readonly ScpProtectedArea[], factor: number): number {
  let n = 0;
  for (const s of stretches(start, end, areas)) {
    const len = s.to - s.from + 1;
    n += s.full ? len : Math.floor(len / factor) + (len % factor);
  }
  return n;
}

/**
 * Rebuilds the full-rate lead (end-start+1 samples) from its stored values. Samples stored at the
 * full rate (protected areas and the tails of decimated stretches) come back exactly; the rest is
 * interpolated as described at the top of this file. `stored.length` must be `storedCount(...)`.
 */
export function upsampleLead(stored: Int32Array, start: number, end: number, areas: readonly ScpProtectedArea[], factor: number, what: string): Int32Array {
  const n = end - start + 1;
  const out = new Int32Array(n);
  const exact = new Uint8Array(n);
  // Known points in order of position (relative to `start`, half-integers for even factors).
  const at: number[] = [];
  const value: number[] = [];
  let k = 0;
  const take = (): number => {
    if (k >= stored.length) throw formatError(`${what}: ${stored.length} stored values, layout needs more`);
    return stored[k++] ?? 0;
  };
  for (const s of stretches(start, end, areas)) {
    let p = s.from - start;
    const last = s.to - start;
    if (!s.full) {
      const groups = Math.floor((last - p + 1) / factor);
      for (let g = 0; g < groups; g++, p += factor) {
        at.push(p + (factor - 1) / 2);
        value.push(take());
      }
    }
    for (; p <= last; p++) {
      const v = take();
      out[p] = v;
      exact[p] = 1;
      at.push(p);
      value.push(v);
    }
  }
  if (k !== stored.length) throw formatError(`${what}: ${stored.length} stored values, layout uses ${k}`);
  if (at.length === 0) return out;
  // One sweep: j is the last known point at or before i.
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (exact[i] === 1) continue;
    while (j + 1 < at.length && (at[j + 1] ?? 0) <= i) j++;
    const p0 = at[j] ?? 0;
    const v0 = value[j] ?? 0;
    if (i <= p0 || j + 1 >= at.length) {
      out[i] = v0; // before the first known point, or after the last: hold
      continue;
    }
    const p1 = at[j + 1] ?? 0;
    const v1 = value[j + 1] ?? 0;
    out[i] = Math.round(v0 + ((v1 - v0) * (i - p0)) / (p1 - p0));
  }
  return out;
}

/**
 * Resamples a reference beat stored at `factor` × the rhythm's interval to the rhythm's rate:
 * beat sample b sits at rhythm position b × factor, linear in between, the last value held.
 * Returns `length` samples (the beat's length in ms at the rhythm rate).
 */
export function upsampleBeat(beat: Int32Array, factor: number, length: number): Int32Array {
  const out = new Int32Array(length);
  if (beat.length === 0) return out;
  for (let i = 0; i < length; i++) {
    const b = Math.floor(i / factor);
    const frac = (i % factor) / factor;
    const v0 = beat[Math.min(b, beat.length - 1)] ?? 0;
    const v1 = beat[Math.min(b + 1, beat.length - 1)] ?? 0;
    out[i] = Math.round(v0 + (v1 - v0) * frac);
  }
  return out;
}
