/**
 * ECG paper arithmetic: millimetres of paper ↔ pixels ↔ time and voltage.
 *
 * Standard paper (IEC 60601-2-25): 1 mm minor and 5 mm major divisions; default speed 25 mm/s and
 * gain 10 mm/mV, so one minor square is 40 ms × 0.1 mV. Everything here is pure so it is tested in
 * Node; the canvas code only multiplies by `pxPerMm`.
 */

/** Paper speeds offered by the viewer, mm/s. */
export const SPEEDS_MM_PER_S = [25, 50] as const;
/** Gains offered by the viewer, mm/mV. */
export const GAINS_MM_PER_MV = [5, 10, 20] as const;

export interface PaperSettings {
  /** mm of paper per second; default 25. */
  speedMmPerS: number;
  /** mm of paper per millivolt; default 10. */
  gainMmPerMv: number;
}

export const DEFAULT_PAPER: Readonly<PaperSettings> = { speedMmPerS: 25, gainMmPerMv: 10 };

/** CSS reference pixels per inch (CSS Values 4: 1in = 96px). */
const CSS_PX_PER_INCH = 96;
const MM_PER_INCH = 25.4;

/**
 * CSS pixels per paper millimetre. `calibration` corrects for the screen: 1 means a CSS inch is
 * taken at face value; a site that measures 100 mm on screen as 92 mm sets 100/92.
 */
export function cssPxPerMm(calibration = 1): number {
  if (!(calibration > 0) || !Number.isFinite(calibration)) throw new RangeError(`calibration must be > 0, got ${calibration}`);
  return (CSS_PX_PER_INCH / MM_PER_INCH) * calibration;
}

/** Backing-store pixels per millimetre on a screen with this devicePixelRatio (sharp lines on HiDPI). */
export function devicePxPerMm(devicePixelRatio: number, calibration = 1): number {
  const dpr = devicePixelRatio > 0 && Number.isFinite(devicePixelRatio) ? devicePixelRatio : 1;
  return cssPxPerMm(calibration) * dpr;
}

export function mmToPx(mm: number, pxPerMm: number): number {
  return mm * pxPerMm;
}

export function pxToMm(px: number, pxPerMm: number): number {
  return px / pxPerMm;
}

/** Vertical paper offset (mm, up is positive) of a voltage in µV at the given gain. */
export function uvToMm(uv: number, gainMmPerMv: number): number {
  return (uv / 1000) * gainMmPerMv;
}

/** Horizontal paper length (mm) of a duration in seconds at the given speed. */
export function secondsToMm(s: number, speedMmPerS: number): number {
  return s * speedMmPerS;
}

/**
 * Minor (1 mm) lines are drawn only when they are at least this many device pixels apart; closer
 * than that they merge into a grey wash that hides the trace.
 */
export const MIN_MINOR_SPACING_PX = 3;

export function showMinorLines(pxPerMm: number): boolean {
  return pxPerMm >= MIN_MINOR_SPACING_PX;
}

/** What two caliper points measure: the interval, and the rate if that interval were an RR. */
export interface CaliperReading {
  intervalMs: number;
  /** 60 000 / intervalMs, or null for a zero-width interval. */
  rateBpm: number | null;
}

/** Caliper between two horizontal paper positions (mm) at a paper speed (mm/s). */
export function caliperReading(aMm: number, bMm: number, speedMmPerS: number): CaliperReading {
  const intervalMs = (Math.abs(bMm - aMm) / speedMmPerS) * 1000;
  return { intervalMs, rateBpm: intervalMs > 0 ? 60_000 / intervalMs : null };
}
