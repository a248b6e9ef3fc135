// Reads the samples of a single-segment WFDB record from its data files' bytes: decode each file's
// flat stream, demultiplex frames into signals (samples-per-frame aware), check header checksums.
import { INVALID_SAMPLE } from '../record.js';
import { WfdbError, WfdbErrorCode } from './errors.js';
import { decodeFlac } from './flac.js';
import { bytesForSamples, decodeFlat, invalidCode, isFlacFormat, samplesInBytes } from './formats.js';
import type { WfdbHeader, WfdbSignalSpec } from './header.js';

export interface WfdbReadOptions {
  /** Upper bound on samples decoded over all signals (memory guard). Default 100 000 000. */
  maxSamples?: number;
  /** Throw TM_ERR_WFDB_CHECKSUM when a header checksum or initial value disagrees. Default false. */
  strictChecksums?: boolean;
}

export interface WfdbSignalCheck {
  /** Header checksum matches the 16-bit sum of the samples; null when the header has none. */
  checksumOk: boolean | null;
  /** Computed 16-bit checksum (signed, as WFDB headers write it). */
  checksum: number;
  /** First sample equals the header's initial value; null when the header has none. */
  initialValueOk: boolean | null;
}

export interface WfdbSignals {
  /** Frames read (the header's count, or what the data files hold). */
  frames: number;
  /** One array per header signal, length frames × samplesPerFrame; invalid samples = INVALID_SAMPLE. */
  samples: Int32Array[];
  checks: WfdbSignalCheck[];
}

/** Decodes all signals of `header` from `files` (data file name → bytes). */
export function readWfdbSignals(header: WfdbHeader, files: ReadonlyMap<string, Uint8Array>, opts: WfdbReadOptions = {}): WfdbSignals {
  const maxSamples = opts.maxSamples ?? 100_000_000;
  const groups = new Map<string, number[]>();
  header.signals.forEach((s, i) => {
    const g = groups.get(s.fileName) ?? [];
    g.push(i);
    groups.set(s.fileName, g);
  });
  let frames = header.frames;
  if (frames === null) frames = framesFromFiles(header, groups, files, maxSamples);
  const totalPerFrame = header.signals.reduce((a, s) => a + s.samplesPerFrame, 0);
  if (frames * totalPerFrame > maxSamples) {
    throw new WfdbError(WfdbErrorCode.DATA_LIMIT, `record has ${frames * totalPerFrame} samples (limit ${maxSamples})`);
  }
  const samples = header.signals.map((s) => new Int32Array(frames * s.samplesPerFrame));
  for (const [fileName, idx] of groups) {
    readGroup(header.signals, idx, fileName, files, frames, samples);
  }
  const checks = header.signals.map((s, i) => check(s, samples[i] ?? new Int32Array(0), frames === header.frames));
  if (opts.strictChecksums === true) {
    checks.forEach((c, i) => {
      if (c.checksumOk === false || c.initialValueOk === false) {
        throw new WfdbError(WfdbErrorCode.CHECKSUM, `signal ${i} checksum/initial value does not match the header`);
      }
    });
  }
  return { frames, samples, checks };
}

function framesFromFiles(header: WfdbHeader, groups: Map<string, number[]>, files: ReadonlyMap<string, Uint8Array>, maxSamples: number): number {
  let frames = Number.POSITIVE_INFINITY;
  for (const [fileName, idx] of groups) {
    const first = header.signals[idx[0] ?? 0];
    if (fileName === '~' || first === undefined || first.format === 0) continue;
    const bytes = files.get(fileName);
    if (bytes === undefined) throw new WfdbError(WfdbErrorCode.MISSING_FILE, `data file ${fileName} not provided`);
    if (isFlacFormat(first.format)) {
      frames = Math.min(frames, decodeFlac(bytes.subarray(Math.min(first.byteOffset, bytes.length)), maxSamples).samples[0]?.length ?? 0);
      continue;
    }
    const perFrame = idx.reduce((a, i) => a + (header.signals[i]?.samplesPerFrame ?? 0), 0);
    frames = Math.min(frames, Math.floor(samplesInBytes(first.format, Math.max(0, bytes.length - first.byteOffset)) / perFrame));
  }
  return Number.isFinite(frames) ? frames : 0;
}

function readGroup(
  specs: WfdbSignalSpec[], idx: number[], fileName: string, files: ReadonlyMap<string, Uint8Array>,
  frames: number, samples: Int32Array[],
): void {
  const first = specs[idx[0] ?? 0];
  if (first === undefined) return;
  const format = first.format;
  if (fileName === '~' || format === 0) {
    for (const i of idx) samples[i]?.fill(INVALID_SAMPLE);
    return;
  }
  for (const i of idx) {
    if (specs[i]?.format !== format) {
      throw new WfdbError(WfdbErrorCode.HEADER_SYNTAX, `signals in ${fileName} use different formats`);
    }
  }
  const bytes = files.get(fileName);
  if (bytes === undefined) throw new WfdbError(WfdbErrorCode.MISSING_FILE, `data file ${fileName} not provided`);
  if (isFlacFormat(format)) {
    readFlacGroup(specs, idx, fileName, bytes.subarray(Math.min(first.byteOffset, bytes.length)), frames, samples);
    return;
  }
  const spf = idx.map((i) => specs[i]?.samplesPerFrame ?? 1);
  const perFrame = spf.reduce((a, b) => a + b, 0);
  const n = frames * perFrame;
  const need = bytesForSamples(format, n);
  const body = bytes.subarray(Math.min(first.byteOffset, bytes.length));
  // Packed formats may end in a partial group; only the bytes of whole samples must be present.
  if (samplesInBytes(format, body.length) < n && body.length < need) {
    throw new WfdbError(WfdbErrorCode.DATA_TRUNCATED, `data file ${fileName} holds fewer than ${n} samples`);
  }
  const flat = new Int32Array(n);
  decodeFlat(format, body, n, flat);
  const bad = invalidCode(format);
  const running = idx.map((i) => specs[i]?.initialValue ?? 0);
  let p = 0;
  for (let f = 0; f < frames; f++) {
    for (let g = 0; g < idx.length; g++) {
      const out = samples[idx[g] ?? 0];
      const k = spf[g] ?? 1;
      for (let j = 0; j < k; j++) {
        let v = flat[p++] ?? 0;
        if (format === 8) {
          v = (running[g] ?? 0) + v; // first differences, integrated per signal
          running[g] = v;
        } else if (v === bad) {
          v = INVALID_SAMPLE;
        }
        if (out !== undefined) out[f * k + j] = v;
      }
    }
  }
}

/** FLAC formats: one FLAC channel per signal of the file (WFDB signal(5), formats 508/516/524). */
function readFlacGroup(specs: WfdbSignalSpec[], idx: number[], fileName: string, bytes: Uint8Array, frames: number, samples: Int32Array[]): void {
  if (idx.some((i) => (specs[i]?.samplesPerFrame ?? 1) !== 1)) {
    throw new WfdbError(WfdbErrorCode.UNSUPPORTED_FORMAT, `${fileName}: FLAC with several samples per frame is not supported`);
  }
  const flac = decodeFlac(bytes, frames * idx.length);
  if (flac.channels !== idx.length) {
    throw new WfdbError(WfdbErrorCode.HEADER_SYNTAX, `${fileName} has ${flac.channels} FLAC channels for ${idx.length} signals`);
  }
  const bad = invalidCode(specs[idx[0] ?? 0]?.format ?? 0);
  idx.forEach((sig, c) => {
    const src = flac.samples[c] ?? new Int32Array(0);
    if (src.length < frames) throw new WfdbError(WfdbErrorCode.DATA_TRUNCATED, `${fileName} holds fewer than ${frames} samples`);
    const out = samples[sig];
    if (out === undefined) return;
    for (let f = 0; f < frames; f++) { const v = src[f] ?? 0; out[f] = v === bad ? INVALID_SAMPLE : v; }
  });
}

function check(spec: WfdbSignalSpec, s: Int32Array, complete: boolean): WfdbSignalCheck {
  const bad = invalidCode(spec.format);
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i] ?? 0;
    // The checksum is over the stored values, so an invalid sample counts as its stored code.
    sum = (sum + (v === INVALID_SAMPLE && bad !== null ? bad : v)) | 0;
  }
  const checksum = (sum << 16) >> 16;
  const first = s[0];
  let initialValueOk: boolean | null = null;
  if (spec.initialValue !== null && first !== undefined) {
    initialValueOk = first === spec.initialValue || (first === INVALID_SAMPLE && spec.initialValue === -32768);
  }
  return {
    checksum,
    checksumOk: spec.checksum === null || !complete ? null : ((spec.checksum << 16) >> 16) === checksum,
    initialValueOk,
  };
}
