// A frame range of a record: the CLI's `--frames FROM:TO` and the conformance suite's bounded exports
// of records too long to hold whole. Pure: slices the channels, keeps everything else.
import { TelemedError } from '../errors.js';
import type { EcgChannel, EcgRecord } from './record.js';

/** Frames [from, to) at the record's base rate. */
export interface FrameRange {
  from: number;
  to: number;
}

/** Parses "FROM:TO" (TO exclusive; either side may be empty: ":5000", "1000:"). Throws TM_ERR_USAGE. */
export function parseFrameRange(text: string): { from: number; to: number | null } {
  const m = /^(\d*):(\d*)$/.exec(text.trim());
  if (m === null || (m[1] === '' && m[2] === '')) {
    throw new TelemedError('TM_ERR_USAGE', `--frames takes FROM:TO (frame numbers, TO exclusive), got "${text}"`);
  }
  const from = m[1] === '' ? 0 : Number(m[1]);
  const to = m[2] === '' ? null : Number(m[2]);
  if (to !== null && to <= from) throw new TelemedError('TM_ERR_USAGE', `--frames ${text}: TO must be greater than FROM`);
  return { from, to };
}

function sliceChannel(ch: EcgChannel, range: FrameRange, baseRate: number): EcgChannel {
  // Multi-rate records: a channel at k times the base rate holds k samples per frame.
  const perFrame = ch.sampleRateHz / baseRate;
  const from = Math.round(range.from * perFrame);
  const to = Math.min(ch.samples.length, Math.round(range.to * perFrame));
  return { ...ch, samples: ch.samples.slice(from, Math.max(from, to)) };
}

/** An ISO 8601 time moved by `seconds`, keeping its zone suffix (or its absence); null stays null. */
function shiftStart(iso: string | null, seconds: number): string | null {
  if (iso === null || seconds === 0) return iso;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(iso);
  if (m === null) return iso;
  // Computed on a UTC clock so a zone-less local time is moved without a zone being applied.
  const ms = Date.parse(`${m[1] ?? ''}Z`) + seconds * 1000;
  if (!Number.isFinite(ms)) return iso;
  return new Date(ms).toISOString().replace(/Z$/, m[2] ?? '');
}

/** The record cut to frames [from, to) (clamped to its length). A note says which frames were kept. */
export function sliceRecord(r: EcgRecord, from: number, to: number | null): EcgRecord {
  const end = Math.min(r.frames, to ?? r.frames);
  const start = Math.min(from, end);
  if (start === 0 && end === r.frames) return r;
  const range = { from: start, to: end };
  return {
    ...r,
    frames: end - start,
    startTime: shiftStart(r.startTime, start / r.sampleRateHz),
    leads: r.leads.map((c) => sliceChannel(c, range, r.sampleRateHz)),
    otherSignals: r.otherSignals.map((c) => sliceChannel(c, range, r.sampleRateHz)),
    notes: [...r.notes, `frames ${start}-${end} of ${r.frames}`],
  };
}
