// Reads a WFDB record from disk: the header, then each data file it names (resolved next to the
// header, never outside its folder), and hands the bytes to the pure parsers in protocols/.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type WfdbAnnotation, type WfdbHeader, type WfdbJoinOptions, type WfdbReadOptions, type WfdbSegmentData, type WfdbSignals,
  WfdbError, WfdbErrorCode, joinWfdbSegments, parseMitAnnotations, parseWfdbHeader, readWfdbSignals, wfdbToRecord,
} from '../../protocols/ecg/wfdb/index.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';

export interface LoadedWfdb {
  header: WfdbHeader;
  signals: WfdbSignals;
  record: EcgRecord;
}

async function readOrFail(path: string, signal?: AbortSignal): Promise<Buffer> {
  try {
    return await readFile(path, signal === undefined ? {} : { signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new WfdbError(WfdbErrorCode.MISSING_FILE, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}

/** Strips a trailing ".hea" so users may pass either the record path or its header file. */
export function recordBase(path: string): string {
  return path.endsWith('.hea') ? path.slice(0, -4) : path;
}

/** Options of loadWfdbRecord: decoding limits, and for a multi-segment record the frame range to join. */
export type WfdbLoadOptions = WfdbReadOptions & { signal?: AbortSignal; join?: WfdbJoinOptions };

/**
 * Loads the header and samples of a record given its path without extension. A multi-segment
 * record is joined into one (gaps and absent segments as INVALID_SAMPLE, see joinWfdbSegments);
 * only the segments that overlap `join`'s frame range are read, and `header` is then the joined,
 * single-segment view.
 */
export async function loadWfdbRecord(recordPath: string, opts: WfdbLoadOptions = {}): Promise<LoadedWfdb> {
  const base = recordBase(recordPath);
  const header = parseWfdbHeader((await readOrFail(`${base}.hea`, opts.signal)).toString('latin1'));
  if (header.segments !== null) return loadJoined(base, header, opts);
  return loadSingle(base, header, opts);
}

async function loadSingle(base: string, header: WfdbHeader, opts: WfdbLoadOptions): Promise<LoadedWfdb> {
  const dir = dirname(base);
  const files = new Map<string, Uint8Array>();
  for (const s of header.signals) {
    if (s.fileName === '~' || s.format === 0 || files.has(s.fileName)) continue;
    files.set(s.fileName, await readOrFail(join(dir, s.fileName), opts.signal));
  }
  const signals = readWfdbSignals(header, files, opts);
  return { header, signals, record: wfdbToRecord(header, signals) };
}

async function loadJoined(base: string, master: WfdbHeader, opts: WfdbLoadOptions): Promise<LoadedWfdb> {
  const specs = master.segments ?? [];
  const total = specs.reduce((a, s) => a + s.frames, 0);
  const from = opts.join?.fromFrame ?? 0;
  const to = opts.join?.toFrame ?? total;
  const segments: (WfdbSegmentData | null)[] = [];
  let start = 0;
  for (const [k, spec] of specs.entries()) {
    const overlaps = start < to && start + spec.frames > from;
    start += spec.frames;
    if (spec.name === '~') { segments.push(null); continue; }
    const path = join(dirname(base), spec.name);
    try {
      const header = parseWfdbHeader((await readOrFail(`${path}.hea`, opts.signal)).toString('latin1'));
      if (header.segments !== null) throw new WfdbError(WfdbErrorCode.UNSUPPORTED_FORMAT, `segment ${k} is itself multi-segment`);
      // Segments outside the range only lend their signal layout: no samples are read.
      const empty: WfdbSignals = { frames: 0, samples: [], checks: [] };
      segments.push(overlaps || (k === 0 && spec.frames === 0) ? await loadSingle(path, header, opts) : { header, signals: empty });
    } catch (err) {
      if (err instanceof WfdbError && err.code === WfdbErrorCode.MISSING_FILE) segments.push(null);
      else throw err;
    }
  }
  const joined = joinWfdbSegments(master, segments, opts.join ?? {});
  return { header: joined.header, signals: joined.signals, record: wfdbToRecord(joined.header, joined.signals) };
}

/** Loads the segments of a multi-segment record; a "~" segment (or a missing one) is a gap, returned as null. */
export async function loadWfdbSegments(
  recordPath: string, opts: WfdbReadOptions & { signal?: AbortSignal } = {},
): Promise<{ header: WfdbHeader; segments: (LoadedWfdb | null)[] }> {
  const base = recordBase(recordPath);
  const header = parseWfdbHeader((await readOrFail(`${base}.hea`, opts.signal)).toString('latin1'));
  if (header.segments === null) return { header, segments: [await loadSingle(base, header, opts)] };
  const segments: (LoadedWfdb | null)[] = [];
  for (const seg of header.segments) {
    if (seg.name === '~') { segments.push(null); continue; }
    try {
      segments.push(await loadWfdbRecord(join(dirname(base), seg.name), opts));
    } catch (err) {
      if (err instanceof WfdbError && err.code === WfdbErrorCode.MISSING_FILE) segments.push(null);
      else throw err;
    }
  }
  return { header, segments };
}

/** Loads an MIT-format annotation file (`RECORD.ANNOTATOR`, e.g. "100" + "atr"). */
export async function loadWfdbAnnotations(recordPath: string, annotator = 'atr', signal?: AbortSignal): Promise<WfdbAnnotation[]> {
  return parseMitAnnotations(await readOrFail(`${recordBase(recordPath)}.${annotator}`, signal));
}
