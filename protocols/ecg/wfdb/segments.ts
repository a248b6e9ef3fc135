// Joins the segments of a multi-segment WFDB record into one signal set (WFDB Programmer's Guide,
// "Multi-segment records"; header(5) "Segment specification lines"). A "~" segment, or one whose
// files are absent, is a gap of invalid samples. With a variable layout the first segment has length
// 0 and is the layout header: it lists every signal the record ever carries, and each segment maps
// its signals onto those by description; a signal a segment lacks is invalid there.
import { INVALID_SAMPLE } from '../record.js';
import { WfdbError, WfdbErrorCode } from './errors.js';
import type { WfdbHeader, WfdbSignalSpec } from './header.js';
import type { WfdbSignals } from './signals.js';

/** One decoded segment (its own single-segment header and samples). */
export interface WfdbSegmentData {
  header: WfdbHeader;
  signals: WfdbSignals;
}

export interface WfdbJoinOptions {
  /** First frame of the joined record to produce (inclusive). Default 0. */
  fromFrame?: number;
  /** Frame after the last to produce (exclusive). Default the record's length. */
  toFrame?: number;
  /** Upper bound on samples produced over all signals (memory guard). Default 33 554 432 (128 MiB of Int32). */
  maxSamples?: number;
}

/** The joined record as a single-segment header (the layout's signals, no files) and its samples. */
export interface WfdbJoined {
  header: WfdbHeader;
  signals: WfdbSignals;
  /** Frame ranges [start, end) of the output with no segment data (relative to fromFrame). */
  gaps: { start: number; end: number }[];
}

/**
 * Joins `segments` (one entry per segment line of `master`, null for a gap) into one signal set
 * over frames [fromFrame, toFrame). Throws WfdbError: DATA_LIMIT when the output would exceed
 * maxSamples, UNSUPPORTED_FORMAT when a segment's rate or samples-per-frame disagree with the layout,
 * MISSING_FILE when no segment (and no layout) is present to say what the signals are.
 */
export function joinWfdbSegments(master: WfdbHeader, segments: readonly (WfdbSegmentData | null)[], opts: WfdbJoinOptions = {}): WfdbJoined {
  const specs = master.segments;
  if (specs === null) throw new WfdbError(WfdbErrorCode.HEADER_SYNTAX, `${master.recordName} is not a multi-segment record`);
  if (segments.length !== specs.length) throw new WfdbError(WfdbErrorCode.HEADER_SYNTAX, `expected ${specs.length} segments, got ${segments.length}`);
  // A first segment of length 0 is the layout header (variable layout).
  const variable = specs[0]?.frames === 0;
  const layoutSeg = variable ? segments[0] : segments.find((s) => s !== null && s !== undefined);
  if (layoutSeg === null || layoutSeg === undefined) {
    throw new WfdbError(WfdbErrorCode.MISSING_FILE, `${master.recordName}: no segment present to define the signals`);
  }
  const layout = layoutSeg.header.signals;
  const total = specs.reduce((a, s) => a + s.frames, 0);
  const from = Math.max(0, Math.floor(opts.fromFrame ?? 0));
  const to = Math.min(total, Math.floor(opts.toFrame ?? total));
  const frames = Math.max(0, to - from);
  const maxSamples = opts.maxSamples ?? 2 ** 25;
  const perFrame = layout.reduce((a, s) => a + s.samplesPerFrame, 0);
  if (frames * perFrame > maxSamples) {
    throw new WfdbError(WfdbErrorCode.DATA_LIMIT, `joined record has ${frames * perFrame} samples (limit ${maxSamples}); ask for a frame range`);
  }
  const out = layout.map((s) => new Int32Array(frames * s.samplesPerFrame).fill(INVALID_SAMPLE));
  const gaps: { start: number; end: number }[] = [];
  let start = 0;
  specs.forEach((spec, k) => {
    const segStart = start;
    start += spec.frames;
    const a = Math.max(from, segStart);
    const b = Math.min(to, segStart + spec.frames);
    if (b <= a) return;
    const seg = segments[k] ?? null;
    if (seg === null) { addGap(gaps, a - from, b - from); return; }
    if (seg.header.frequencyHz !== master.frequencyHz) {
      throw new WfdbError(WfdbErrorCode.UNSUPPORTED_FORMAT, `segment ${k} runs at ${seg.header.frequencyHz} Hz, the record at ${master.frequencyHz} Hz`);
    }
    const have = Math.min(b, segStart + seg.signals.frames);
    if (have < b) addGap(gaps, Math.max(a, have) - from, b - from);
    const map = mapSignals(layout, seg.header.signals, variable, k);
    map.forEach((si, li) => {
      const dst = out[li];
      const src = seg.signals.samples[si ?? -1];
      const ls = layout[li];
      const ss = si === null ? undefined : seg.header.signals[si];
      if (dst === undefined || src === undefined || ls === undefined || ss === undefined) return;
      const spf = ls.samplesPerFrame;
      const convert = rescaler(ss, ls);
      for (let f = a; f < have; f++) {
        for (let j = 0; j < spf; j++) {
          const v = src[(f - segStart) * spf + j] ?? INVALID_SAMPLE;
          dst[(f - from) * spf + j] = v === INVALID_SAMPLE ? INVALID_SAMPLE : convert(v);
        }
      }
    });
  });
  const header: WfdbHeader = {
    ...master, frames, segments: null, ...shiftedBase(master, from / master.frequencyHz),
    signals: layout.map((s) => ({ ...s, fileName: '~', initialValue: null, checksum: null })),
  };
  return { header, signals: { frames, samples: out, checks: out.map(() => ({ checksumOk: null, checksum: 0, initialValueOk: null })) }, gaps };
}

/**
 * header(5) base time and date of a record that starts `seconds` later (a joined frame range):
 * "HH:MM:SS[.fff]" and "DD/MM/YYYY"; a time without a date wraps at midnight.
 */
function shiftedBase(master: WfdbHeader, seconds: number): Pick<WfdbHeader, 'baseTime' | 'baseDate'> {
  if (master.baseTime === null || seconds === 0) return { baseTime: master.baseTime, baseDate: master.baseDate };
  const [h = '0', m = '0', sec = '0'] = master.baseTime.split(':');
  const [d = '1', mo = '1', y = '1970'] = (master.baseDate ?? '1/1/1970').split('/');
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(m)) + Math.round((Number(sec) + seconds) * 1000);
  const t = new Date(ms);
  const p2 = (v: number): string => String(v).padStart(2, '0');
  const frac = t.getUTCMilliseconds();
  const baseTime = `${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}${frac === 0 ? '' : `.${String(frac).padStart(3, '0')}`}`;
  const baseDate = master.baseDate === null ? null : `${p2(t.getUTCDate())}/${p2(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
  return { baseTime, baseDate };
}

/** For each layout signal, the index of the segment signal that carries it (null: none in this segment). */
function mapSignals(layout: readonly WfdbSignalSpec[], seg: readonly WfdbSignalSpec[], variable: boolean, k: number): (number | null)[] {
  const used = new Set<number>();
  return layout.map((ls, li) => {
    let si: number | null;
    if (!variable) {
      // Fixed layout: every segment has the same signals in the same order.
      if (seg.length !== layout.length) {
        throw new WfdbError(WfdbErrorCode.UNSUPPORTED_FORMAT, `segment ${k} has ${seg.length} signals, the layout ${layout.length}`);
      }
      si = li;
    } else {
      const found = seg.findIndex((s, i) => !used.has(i) && s.description === ls.description);
      si = found < 0 ? null : found;
    }
    if (si === null) return null;
    used.add(si);
    const ss = seg[si];
    if (ss === undefined || ss.fileName === '~' || ss.format === 0) return null;
    if (ss.samplesPerFrame !== ls.samplesPerFrame) {
      throw new WfdbError(WfdbErrorCode.UNSUPPORTED_FORMAT, `segment ${k} signal "${ls.description}" has ${ss.samplesPerFrame} samples per frame, the layout ${ls.samplesPerFrame}`);
    }
    return si;
  });
}

/** Converts a segment's counts to the layout's gain and baseline (identity when they agree). */
function rescaler(seg: WfdbSignalSpec, layout: WfdbSignalSpec): (v: number) => number {
  if (seg.gain === layout.gain && seg.baseline === layout.baseline) return (v) => v;
  return (v) => Math.round(((v - seg.baseline) / seg.gain) * layout.gain + layout.baseline);
}

function addGap(gaps: { start: number; end: number }[], start: number, end: number): void {
  const last = gaps[gaps.length - 1];
  if (last !== undefined && last.end === start) last.end = end;
  else gaps.push({ start, end });
}
