// The time axis of aECG sequence sets (GLIST_TS / GLIST_PQ head + increment) and the merge of
// several sets (leads recorded in groups) onto one axis.
import { type EcgChannel, INVALID_SAMPLE } from '../record.js';
import { AecgError, AecgErrorCode } from './errors.js';
import { hl7TsToIso } from './hl7-time.js';
import { type XmlElement, child, xsiType } from './xml.js';

const SECONDS: Readonly<Record<string, number>> = { s: 1, ms: 1e-3, us: 1e-6 };

function num(v: string | undefined, what: string): number {
  const n = v === undefined ? Number.NaN : Number(v.trim());
  if (v === undefined || v.trim() === '' || !Number.isFinite(n)) throw new AecgError(AecgErrorCode.VALUE, `${what}: "${(v ?? '').slice(0, 40)}" is not a number`);
  return n;
}

/** The time axis of one sequence set. */
export interface TimeAxis {
  rateHz: number;
  /** Start as ISO text for an absolute (GLIST_TS) axis, else null. */
  head: string | null;
  /** Start in seconds (Unix-like for absolute, from the record start for relative), null when unknown. */
  headS: number | null;
}

/** Seconds of an ISO local time (zone ignored: sets of one file share one zone). */
export function isoSeconds(iso: string): number {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T(\d{2}):(\d{2}):(\d{2})(\.\d+)?)?/.exec(iso);
  if (m === null) return 0;
  const n = (i: number, d = 0): number => (m[i] === undefined ? d : Number(m[i]));
  return Date.UTC(n(1), n(2, 1) - 1, n(3, 1), n(4), n(5), n(6)) / 1000 + (m[7] === undefined ? 0 : Number(m[7]));
}

/** Reads a TIME_ABSOLUTE/TIME_RELATIVE sequence. Throws TM_ERR_AECG_VALUE on a bad increment or head. */
export function timeAxis(seq: XmlElement): TimeAxis {
  const value = child(seq, 'value');
  const inc = child(value, 'increment');
  const unit = inc?.attrs.get('unit') ?? 's';
  const perS = SECONDS[unit];
  if (perS === undefined) throw new AecgError(AecgErrorCode.VALUE, `time increment unit "${unit.slice(0, 20)}" is not s, ms or us`);
  const step = num(inc?.attrs.get('value'), 'time increment') * perS;
  if (!(step > 0)) throw new AecgError(AecgErrorCode.VALUE, 'time increment must be positive');
  const headEl = child(value, 'head');
  const headValue = headEl?.attrs.get('value');
  const absolute = xsiType(value ?? seq) === 'GLIST_TS' || child(seq, 'code')?.attrs.get('code') === 'TIME_ABSOLUTE';
  // Rates are stated to the microhertz; 1/0.002 must come out as exactly 500.
  const rateHz = Math.round((1 / step) * 1e6) / 1e6;
  if (headValue === undefined) return { rateHz, head: null, headS: null };
  if (absolute) {
    const head = hl7TsToIso(headValue);
    return { rateHz, head, headS: isoSeconds(head) };
  }
  const relUnit = SECONDS[headEl?.attrs.get('unit') ?? 's'];
  const rel = Number(headValue);
  return { rateHz, head: null, headS: relUnit === undefined || !Number.isFinite(rel) ? null : rel * relUnit };
}

/** The series' effectiveTime (low inclusive, high exclusive) as ISO text and seconds. */
export interface SeriesSpan {
  low: string;
  lowS: number;
  highS: number;
}

/**
 * Puts the leads of several sequence sets (e.g. a 12-lead taken as four 2.5 s groups of three) on
 * one time axis: each set starts at its head's offset from the earliest; gaps are INVALID_SAMPLE.
 */
export function mergeSets(
  sets: { axis: TimeAxis; channels: EcgChannel[] }[], max: number, notes: string[], span: SeriesSpan | null = null,
): { channels: EcgChannel[]; frames: number; head: string | null } {
  const rate = sets[0]?.axis.rateHz ?? 0;
  const usable = sets.filter((s) => s.axis.rateHz === rate);
  if (usable.length < sets.length) notes.push(`${sets.length - usable.length} sequence set(s) at another rate than ${rate} Hz not imported`);
  const timed = usable.every((s) => s.axis.headS !== null);
  // Relative heads count from the start of the recording (0), absolute ones from the earliest set.
  const relative = usable.every((s) => s.axis.head === null);
  const earliest = Math.min(...usable.map((s) => s.axis.headS ?? 0));
  // The series' effectiveTime spans the recording: frames before the first set or after the last,
  // where no lead has data, are still part of it (absolute axes only; a relative one starts at 0).
  const spanned = timed && !relative && span !== null && span.lowS <= earliest ? span : null;
  const t0 = !timed ? 0 : relative ? Math.min(0, earliest) : (spanned?.lowS ?? earliest);
  const offsets = usable.map((s) => (timed ? Math.round(((s.axis.headS ?? 0) - t0) * rate) : 0));
  const setFrames = usable.reduce((m, s, i) => Math.max(m, (offsets[i] ?? 0) + s.channels.reduce((n, c) => Math.max(n, c.samples.length), 0)), 0);
  const frames = spanned === null ? setFrames : Math.max(setFrames, Math.round((spanned.highS - spanned.lowS) * rate));
  // Gaps between sets may not dwarf the data: a hostile head could otherwise allocate gigabytes.
  const recorded = usable.reduce((m, s) => m + s.channels.reduce((n, c) => Math.max(n, c.samples.length), 0), 0);
  if (frames > max || frames > 2 * recorded + rate) {
    throw new AecgError(AecgErrorCode.VALUE, `sequence sets span ${frames} samples for ${recorded} recorded (limit ${max})`);
  }
  // A lead is its code (or label) and its occurrence within a set: two channels both labelled "ECG"
  // stay two leads, and a lead cut into stretches over several sets (missing samples between) is
  // put back together on the axis. Samples a later set repeats for a time already filled are not
  // taken twice.
  const channels: EcgChannel[] = [];
  const byKey = new Map<string, EcgChannel>();
  let repeated = 0;
  usable.forEach((s, i) => {
    const offset = offsets[i] ?? 0;
    const occurrences = new Map<string, number>();
    for (const c of s.channels) {
      const name = c.lead ?? c.label;
      const k = occurrences.get(name) ?? 0;
      occurrences.set(name, k + 1);
      const key = `${name}#${k}`;
      const existing = byKey.get(key);
      if (existing === undefined) {
        const whole = offset === 0 && c.samples.length === frames;
        const samples = whole ? c.samples : new Int32Array(frames).fill(INVALID_SAMPLE);
        if (!whole) samples.set(c.samples, offset);
        const channel = { ...c, samples };
        byKey.set(key, channel);
        channels.push(channel);
        continue;
      }
      let clash = false;
      for (let j = 0; j < c.samples.length; j++) {
        if (existing.samples[offset + j] !== INVALID_SAMPLE) { clash = true; continue; }
        existing.samples[offset + j] = c.samples[j] ?? INVALID_SAMPLE;
      }
      if (clash) repeated++;
    }
  });
  if (repeated > 0) notes.push(`${repeated} lead(s) repeated for the same time in a later sequence set, not imported twice`);
  const first = usable.reduce<TimeAxis | undefined>((a, s) => (a === undefined || (s.axis.headS ?? 0) < (a.headS ?? 0) ? s.axis : a), undefined);
  // The first set's own text when it starts the recording (it carries the file's precision).
  const head = spanned !== null && spanned.lowS < earliest ? spanned.low : first?.head ?? null;
  return { channels, frames, head };
}

