// WFDB header (.hea) parser. Follows the PhysioNet "header(5)" file format: one record line, then
// either one line per signal or (multi-segment) one line per segment, '#' lines are comments.
import { WfdbError, WfdbErrorCode } from './errors.js';

/** Hard bounds for hostile input. Defaults are far above any real record. */
export interface WfdbHeaderLimits {
  /** Maximum header text length in characters. Default 1 MiB. */
  maxChars: number;
  /** Maximum number of signals. Default 1024. */
  maxSignals: number;
  /** Maximum number of segments in a multi-segment record. Default 100000. */
  maxSegments: number;
  /** Maximum samples per frame of one signal. Default 1024. */
  maxSamplesPerFrame: number;
}

export const DEFAULT_HEADER_LIMITS: WfdbHeaderLimits = {
  maxChars: 1 << 20, maxSignals: 1024, maxSegments: 100_000, maxSamplesPerFrame: 1024,
};

/** The storage formats this reader decodes (508/516/524 are FLAC streams, one channel per signal). */
export const SUPPORTED_FORMATS: ReadonlySet<number> = new Set([0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524]);
const KNOWN_FORMATS = SUPPORTED_FORMATS;

export interface WfdbSignalSpec {
  /** Data file name as written ("100.dat"); "~" means no file (format 0 / null signal). */
  fileName: string;
  format: number;
  /** Samples per frame (the "x4" of "212x4"); 1 unless multi-rate. */
  samplesPerFrame: number;
  /** Skew in frames (applied by wfdbToRecord: the record's samples are on the time axis). */
  skew: number;
  /** Byte offset of the first sample in the data file. */
  byteOffset: number;
  /** ADC counts per physical unit (WFDB default 200 when 0 or absent). */
  gain: number;
  /** Count value of physical zero (defaults to adcZero). */
  baseline: number;
  units: string;
  adcResolution: number;
  adcZero: number;
  /** Initial value (needed by format 8); null when the header does not say. */
  initialValue: number | null;
  /** 16-bit checksum of all samples, or null when absent. */
  checksum: number | null;
  blockSize: number;
  description: string;
}

export interface WfdbSegmentSpec {
  /** Segment record name; "~" is a gap of invalid samples. */
  name: string;
  frames: number;
}

export interface WfdbHeader {
  recordName: string;
  signalCount: number;
  /** Frame rate in Hz (WFDB default 250). */
  frequencyHz: number;
  counterFrequencyHz: number | null;
  baseCounter: number | null;
  /** Frames in the record, or null when the header leaves it to the data file length. */
  frames: number | null;
  /** Base time "hh:mm:ss[.sss]" as written, or null. */
  baseTime: string | null;
  /** Base date "dd/mm/yyyy" as written, or null. */
  baseDate: string | null;
  signals: WfdbSignalSpec[];
  /** Non-null for a multi-segment record. */
  segments: WfdbSegmentSpec[] | null;
  comments: string[];
}

const DEFAULT_ADC_RES: Readonly<Record<number, number>> = {
  8: 8, 80: 8, 16: 16, 61: 16, 160: 16, 212: 12, 310: 10, 311: 10, 24: 24, 32: 32, 508: 8, 516: 16, 524: 24,
};

function syntax(line: number, msg: string): WfdbError {
  return new WfdbError(WfdbErrorCode.HEADER_SYNTAX, `WFDB header line ${line}: ${msg}`);
}

function parseNum(s: string, line: number, what: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw syntax(line, `${what} "${s.slice(0, 40)}" is not a number`);
  const v = Number(s);
  if (!Number.isFinite(v)) throw syntax(line, `${what} is not finite`);
  return v;
}

function parseInt32(s: string, line: number, what: string, min: number, max: number): number {
  const v = parseNum(s, line, what);
  if (!Number.isInteger(v) || v < min || v > max) throw syntax(line, `${what} ${s.slice(0, 40)} out of range [${min}, ${max}]`);
  return v;
}

/** Parses header text. Throws WfdbError TM_ERR_WFDB_HEADER_SYNTAX / _LIMIT / _UNSUPPORTED_FORMAT. */
export function parseWfdbHeader(text: string, limits: Partial<WfdbHeaderLimits> = {}): WfdbHeader {
  const lim = { ...DEFAULT_HEADER_LIMITS, ...limits };
  if (text.length > lim.maxChars) {
    throw new WfdbError(WfdbErrorCode.HEADER_LIMIT, `WFDB header is ${text.length} chars (limit ${lim.maxChars})`);
  }
  const comments: string[] = [];
  const lines: { no: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t.startsWith('#')) comments.push(t.slice(1).trim());
    else if (t !== '') lines.push({ no: i + 1, text: t });
  });
  const first = lines[0];
  if (first === undefined) throw syntax(1, 'no record line');
  const head = parseRecordLine(first.text, first.no, lim);
  const body = lines.slice(1);
  if (head.segmentCount !== null) {
    if (body.length < head.segmentCount) throw syntax(first.no, `expected ${head.segmentCount} segment lines, found ${body.length}`);
    const segments = body.slice(0, head.segmentCount).map((l) => parseSegmentLine(l.text, l.no));
    return { ...head.header, signals: [], segments, comments };
  }
  if (body.length < head.header.signalCount) {
    throw syntax(first.no, `expected ${head.header.signalCount} signal lines, found ${body.length}`);
  }
  const signals = body.slice(0, head.header.signalCount).map((l) => parseSignalLine(l.text, l.no, lim));
  return { ...head.header, signals, segments: null, comments };
}

function parseRecordLine(
  text: string, no: number, lim: WfdbHeaderLimits,
): { header: Omit<WfdbHeader, 'signals' | 'segments' | 'comments'>; segmentCount: number | null } {
  const tok = text.split(/\s+/);
  const nameTok = tok[0] ?? '';
  const [recordName = '', segStr] = nameTok.split('/');
  if (!/^[\w.-]+$/.test(recordName)) throw syntax(no, `bad record name "${recordName.slice(0, 40)}"`);
  const segmentCount = segStr === undefined ? null : parseInt32(segStr, no, 'segment count', 1, lim.maxSegments);
  if (tok[1] === undefined) throw syntax(no, 'missing number of signals');
  const signalCount = parseInt32(tok[1], no, 'number of signals', 0, lim.maxSignals);
  let frequencyHz = 250;
  let counterFrequencyHz: number | null = null;
  let baseCounter: number | null = null;
  if (tok[2] !== undefined) {
    const m = /^([^/(]+)(?:\/([^(]+)(?:\((.+)\))?)?$/.exec(tok[2]);
    if (m === null) throw syntax(no, `bad sampling frequency "${tok[2].slice(0, 40)}"`);
    frequencyHz = parseNum(m[1] ?? '', no, 'sampling frequency');
    if (frequencyHz <= 0 || frequencyHz > 1e9) throw syntax(no, 'sampling frequency out of range');
    if (m[2] !== undefined) counterFrequencyHz = parseNum(m[2], no, 'counter frequency');
    if (m[3] !== undefined) baseCounter = parseNum(m[3], no, 'base counter');
  }
  const frames = tok[3] === undefined ? null : parseInt32(tok[3], no, 'number of samples', 0, 2 ** 40);
  const baseTime = tok[4] ?? null;
  if (baseTime !== null && !/^\d{1,2}(:\d{1,2}){0,2}(\.\d+)?$/.test(baseTime)) throw syntax(no, `bad base time "${baseTime.slice(0, 40)}"`);
  const baseDate = tok[5] ?? null;
  if (baseDate !== null && !/^\d{1,2}\/\d{1,2}\/\d{1,4}$/.test(baseDate)) throw syntax(no, `bad base date "${baseDate.slice(0, 40)}"`);
  return {
    header: { recordName, signalCount, frequencyHz, counterFrequencyHz, baseCounter, frames, baseTime, baseDate },
    segmentCount,
  };
}

function parseSegmentLine(text: string, no: number): WfdbSegmentSpec {
  const [name = '', n] = text.split(/\s+/);
  if (!/^(~|[\w.-]+)$/.test(name)) throw syntax(no, `bad segment name "${name.slice(0, 40)}"`);
  if (n === undefined) throw syntax(no, 'segment line without length');
  return { name, frames: parseInt32(n, no, 'segment length', 0, 2 ** 40) };
}

function parseSignalLine(text: string, no: number, lim: WfdbHeaderLimits): WfdbSignalSpec {
  // The description is the rest of the line after the 8th field, spaces included.
  const m = /^(\S+)\s+(\S+)(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(.*))?$/.exec(text);
  if (m === null) throw syntax(no, 'signal line needs a file name and a format');
  const fileName = m[1] ?? '';
  if (fileName.includes('..') || fileName.startsWith('/') || fileName.includes('\\')) {
    throw syntax(no, 'data file name must stay inside the record folder');
  }
  const fm = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(m[2] ?? '');
  if (fm === null) throw syntax(no, `bad format field "${(m[2] ?? '').slice(0, 40)}"`);
  const format = parseInt32(fm[1] ?? '', no, 'format', 0, 100000);
  if (!KNOWN_FORMATS.has(format)) {
    throw new WfdbError(WfdbErrorCode.UNSUPPORTED_FORMAT, `WFDB header line ${no}: unknown storage format ${format}`);
  }
  const samplesPerFrame = fm[2] === undefined ? 1 : parseInt32(fm[2], no, 'samples per frame', 1, lim.maxSamplesPerFrame);
  const skew = fm[3] === undefined ? 0 : parseInt32(fm[3], no, 'skew', 0, 2 ** 31);
  const byteOffset = fm[4] === undefined ? 0 : parseInt32(fm[4], no, 'byte offset', 0, 2 ** 40);
  let gain = 0;
  let baseline: number | null = null;
  let units = 'mV';
  if (m[3] !== undefined) {
    const gm = /^([^(/]+)(?:\(([^)]+)\))?(?:\/(.+))?$/.exec(m[3]);
    if (gm === null) throw syntax(no, `bad gain field "${m[3].slice(0, 40)}"`);
    gain = parseNum(gm[1] ?? '', no, 'gain');
    if (gm[2] !== undefined) baseline = parseInt32(gm[2], no, 'baseline', -(2 ** 31), 2 ** 31 - 1);
    if (gm[3] !== undefined) units = gm[3];
  }
  if (gain < 0) throw syntax(no, 'negative gain');
  const adcResolution = m[4] === undefined ? (DEFAULT_ADC_RES[format] ?? 0) : parseInt32(m[4], no, 'ADC resolution', 0, 32);
  const adcZero = m[5] === undefined ? 0 : parseInt32(m[5], no, 'ADC zero', -(2 ** 31), 2 ** 31 - 1);
  const initialValue = m[6] === undefined ? null : parseInt32(m[6], no, 'initial value', -(2 ** 31), 2 ** 31 - 1);
  const checksum = m[7] === undefined ? null : parseInt32(m[7], no, 'checksum', -32768, 65535);
  const blockSize = m[8] === undefined ? 0 : parseInt32(m[8], no, 'block size', 0, 2 ** 31);
  return {
    fileName, format, samplesPerFrame, skew, byteOffset,
    gain: gain === 0 ? 200 : gain, // WFDB_DEFGAIN: an uncalibrated signal is read as 200 counts/mV
    baseline: baseline ?? adcZero, units, adcResolution, adcZero, initialValue, checksum, blockSize,
    description: (m[9] ?? '').trim(),
  };
}
