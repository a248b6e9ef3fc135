// Reads a WFDB record from disk: the header, then each data file it names (resolved next to the
// header, never outside its folder), and hands the bytes to the pure parsers in protocols/.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type WfdbAnnotation, type WfdbHeader, type WfdbReadOptions, type WfdbSignals,
  WfdbError, WfdbErrorCode, parseMitAnnotations, parseWfdbHeader, readWfdbSignals, wfdbToRecord,
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

/** Loads the header and samples of a single-segment record given its path without extension. */
export async function loadWfdbRecord(recordPath: string, opts: WfdbReadOptions & { signal?: AbortSignal } = {}): Promise<LoadedWfdb> {
  const base = recordBase(recordPath);
  const dir = dirname(base);
  const header = parseWfdbHeader((await readOrFail(`${base}.hea`, opts.signal)).toString('latin1'));
  if (header.segments !== null) {
    throw new WfdbError(WfdbErrorCode.UNSUPPORTED_FORMAT, `${basename(base)} is a multi-segment record: load its segments with loadWfdbSegments`);
  }
  const files = new Map<string, Uint8Array>();
  for (const s of header.signals) {
    if (s.fileName === '~' || s.format === 0 || files.has(s.fileName)) continue;
    files.set(s.fileName, await readOrFail(join(dir, s.fileName), opts.signal));
  }
  const signals = readWfdbSignals(header, files, opts);
  return { header, signals, record: wfdbToRecord(header, signals) };
}

/** Loads the segments of a multi-segment record; a "~" segment (or a missing one) is a gap, returned as null. */
export async function loadWfdbSegments(
  recordPath: string, opts: WfdbReadOptions & { signal?: AbortSignal } = {},
): Promise<{ header: WfdbHeader; segments: (LoadedWfdb | null)[] }> {
  const base = recordBase(recordPath);
  const header = parseWfdbHeader((await readOrFail(`${base}.hea`, opts.signal)).toString('latin1'));
  if (header.segments === null) return { header, segments: [await loadWfdbRecord(base, opts)] };
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
