import { VideoError, VideoErrorCode } from './errors.js';

/** One operating point of the image stream: JPEG quality and frames per second. */
export interface VideoLevel {
  readonly quality: number;
  readonly fps: number;
}

/**
 * The ladder, best first. Quality goes down before frame rate does: a sonographer reads motion
 * (is the probe where I think?) from ~10 fps, and speckle detail is the first thing to give up;
 * below ~5 fps the loop no longer feels live, so the last rungs trade both.
 */
export const VIDEO_LADDER: readonly VideoLevel[] = [
  { quality: 85, fps: 15 },
  { quality: 75, fps: 15 },
  { quality: 65, fps: 12 },
  { quality: 55, fps: 10 },
  { quality: 45, fps: 8 },
  { quality: 35, fps: 5 },
  { quality: 25, fps: 3 },
  { quality: 15, fps: 2 },
  { quality: 10, fps: 1 },
];

/** libjpeg's scale of the standard quantisation tables for a quality 1–100, percent (jcparam.c). */
export function jpegTableScale(quality: number): number {
  return quality < 50 ? 5000 / quality : 200 - 2 * quality;
}

/** How JPEG size follows the table scale: bytes ∝ scale^-0.7 (fit over q 10–95 on B-mode speckle). */
const SIZE_EXPONENT = 0.7;
/** Prior bytes per pixel per unit of scale^-0.7: speckle (the worst case) measured 22.8 KB at q 75, 256 × 256. */
const PRIOR_K = 5.4;
/** Weight of a new measurement in the size model (about the last 8 frames). */
const EWMA = 0.125;

/**
 * Predicts the encoded size of the next frame at any quality from the frames measured so far:
 * bytes = k · pixels · scale(q)^-0.7, one factor k learned per stream (it follows the content:
 * dark images without contact are small, speckle is large).
 */
export class JpegSizeModel {
  private k = PRIOR_K;

  /** Expected bytes of a `pixels`-pixel frame at `quality`. */
  bytes(pixels: number, quality: number): number {
    return this.k * pixels * jpegTableScale(quality) ** -SIZE_EXPONENT;
  }

  /** Learns from one encoded frame. */
  observe(pixels: number, quality: number, bytes: number): void {
    if (pixels <= 0 || bytes <= 0) return;
    const k = bytes / (pixels * jpegTableScale(quality) ** -SIZE_EXPONENT);
    this.k += EWMA * (k - this.k);
  }
}

export interface AdaptOptions {
  /**
   * Share of the measured bottleneck rate the image stream may use, 0–1. Default 0.5: CONTROL,
   * telemetry, vitals and the records need the rest, and the pacer keeps the link just under full.
   */
  readonly share?: number;
  /** Headroom before stepping UP a rung (the estimate wobbles ±10 % between probes). Default 1.25. */
  readonly upHeadroom?: number;
  /** Where a stream starts before the pacer has an estimate (index into the ladder). Default 5 (q 35, 5 fps ≈ 0.5 Mbit/s). */
  readonly startIndex?: number;
  readonly ladder?: readonly VideoLevel[];
}

export interface ResolvedAdapt {
  readonly share: number;
  readonly upHeadroom: number;
  readonly startIndex: number;
  readonly ladder: readonly VideoLevel[];
}

export function resolveAdapt(o: AdaptOptions = {}): ResolvedAdapt {
  const ladder = o.ladder ?? VIDEO_LADDER;
  const r: ResolvedAdapt = { share: o.share ?? 0.5, upHeadroom: o.upHeadroom ?? 1.25, startIndex: o.startIndex ?? 5, ladder };
  const bad: string[] = [];
  if (!(r.share > 0 && r.share <= 1)) bad.push(`share ${String(r.share)} outside (0, 1]`);
  if (!(r.upHeadroom >= 1)) bad.push(`upHeadroom ${String(r.upHeadroom)} below 1`);
  if (ladder.length === 0) bad.push('empty ladder');
  if (!Number.isInteger(r.startIndex) || r.startIndex < 0 || r.startIndex >= ladder.length) bad.push(`startIndex ${String(r.startIndex)} outside the ladder`);
  for (const l of ladder) if (!(l.fps > 0 && l.fps <= 60 && Number.isInteger(l.quality) && l.quality >= 1 && l.quality <= 100)) bad.push(`bad ladder rung q=${String(l.quality)} fps=${String(l.fps)}`);
  if (bad.length > 0) throw new VideoError(VideoErrorCode.CONFIG, `video options: ${bad.join('; ')}`);
  return r;
}

/**
 * The rung for the next frame: the best one whose expected bit rate (size model × fps) fits
 * `share` × the measured rate. Down as soon as the current rung does not fit, up only when the
 * better rung fits with `upHeadroom` to spare (no flapping on a wobbling estimate). With no
 * estimate the current rung stands. Nothing fits: the last rung (its frames may then go stale and
 * be dropped by the sender, never queued).
 */
export function chooseLevel(
  a: ResolvedAdapt, current: number, rateBps: number | undefined, model: JpegSizeModel, pixels: number,
): number {
  if (rateBps === undefined || !(rateBps > 0)) return current;
  const budget = a.share * rateBps;
  const need = (i: number): number => {
    const l = a.ladder[i];
    return l === undefined ? Infinity : model.bytes(pixels, l.quality) * 8 * l.fps;
  };
  for (let i = 0; i < a.ladder.length; i++) {
    const headroom = i < current ? a.upHeadroom : 1;
    if (need(i) * headroom <= budget) return i;
  }
  return a.ladder.length - 1;
}
