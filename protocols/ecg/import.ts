// The one entry point for ECG files: sniff the format from the bytes (the name is only a hint), then
// hand the bytes to that format's reader. Pure: file access is injected (readEcgFile), so the
// gateway, the hub and the CLI share the dispatch without protocols/ doing I/O of its own.
import { readAecg } from './aecg/read.js';
import { hasDicmPrefix } from './dicom/parse.js';
import { readDicomEcg } from './dicom/read.js';
import { isScpEcg, readScpEcg } from './scp/index.js';
import { TelemedError } from '../errors.js';
import type { EcgRecord } from './record.js';
import { parseWfdbHeader, readWfdbSignals, wfdbToRecord } from './wfdb/index.js';

export type EcgFormat = 'wfdb' | 'scp-ecg' | 'hl7-aecg' | 'dicom';

/** Stable codes of the import dispatch (each reader adds its own TM_ERR_<FORMAT>_* codes). */
export const EcgImportErrorCode = {
  /** The bytes are none of the formats we read. */
  FORMAT: 'TM_ERR_ECG_FORMAT',
} as const;
export type EcgImportErrorCode = (typeof EcgImportErrorCode)[keyof typeof EcgImportErrorCode];

export class EcgImportError extends TelemedError {
  constructor(code: EcgImportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'EcgImportError';
  }
}

const ascii = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, Math.min(to, b.length)));

function looksLikeAecg(b: Uint8Array): boolean {
  let head: string;
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
    head = new TextDecoder(b[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(b.subarray(2, 65538));
  } else {
    head = new TextDecoder('utf-8').decode(b.subarray(0, 65536));
  }
  head = head.replace(/^\uFEFF/, '').trimStart();
  return head.startsWith('<') && /<([A-Za-z_][\w.-]*:)?AnnotatedECG[\s>/]/.test(head);
}

function looksLikeRawDicom(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const group = dv.getUint16(0, true);
  if (group !== 0x0002 && group !== 0x0008) return false;
  const vr = ascii(b, 4, 6);
  return /^[A-Z]{2}$/.test(vr) || dv.getUint32(4, true) < b.length;
}

function looksLikeWfdbHeader(b: Uint8Array): boolean {
  const text = ascii(b, 0, 4096);
  if (/[^\t\n\r -~]/.test(text)) return false;
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#'));
  // "RECORD[/SEGMENTS] NSIG [FS...]" (WFDB header(5) record line).
  return first !== undefined && /^[\w-]+(\/\d+)?\s+\d+(\s|$)/.test(first);
}

/** Which ECG format the bytes hold, or null. The filename breaks no tie against the bytes; it only helps a bare WFDB header. */
export function sniffEcgFormat(bytes: Uint8Array, filename?: string): EcgFormat | null {
  if (hasDicmPrefix(bytes)) return 'dicom';
  if (isScpEcg(bytes)) return 'scp-ecg';
  if (looksLikeAecg(bytes)) return 'hl7-aecg';
  if (looksLikeRawDicom(bytes)) return 'dicom';
  if ((filename === undefined || /\.hea$/i.test(filename)) && looksLikeWfdbHeader(bytes)) return 'wfdb';
  return null;
}

/** Record id from a file name: the last path part without its extension. */
export function recordIdFromName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Options of readEcgBytes. */
export interface ReadEcgBytesOptions {
  /** WFDB data files by the names the header gives (a header alone reads only format-0 signals). */
  wfdbFiles?: ReadonlyMap<string, Uint8Array>;
}

/** Reads an ECG file held in memory. Throws EcgImportError TM_ERR_ECG_FORMAT for unknown bytes, or the reader's coded error. */
export function readEcgBytes(bytes: Uint8Array, name: string, opts: ReadEcgBytesOptions = {}): EcgRecord {
  const id = recordIdFromName(name);
  const format = sniffEcgFormat(bytes, name);
  switch (format) {
    case 'dicom': return readDicomEcg(bytes, id);
    case 'hl7-aecg': return readAecg(bytes, id);
    case 'scp-ecg': return readScpEcg(bytes, id);
    case 'wfdb': {
      const header = parseWfdbHeader(new TextDecoder('latin1').decode(bytes));
      return wfdbToRecord(header, readWfdbSignals(header, opts.wfdbFiles ?? new Map()));
    }
    case null:
      throw new EcgImportError(EcgImportErrorCode.FORMAT, `${id}: not an ECG format we read (SCP-ECG, HL7 aECG, DICOM, WFDB)`);
  }
}

/** File access for readEcgFile: plain reads, and the WFDB loader that resolves a header's data files. */
export interface EcgFileAccess {
  readFile(path: string): Promise<Uint8Array>;
  loadWfdb(recordPath: string): Promise<EcgRecord>;
}

/**
 * Reads an ECG file by path. A WFDB record (its .hea, or the record path without extension) goes to
 * the WFDB loader, which reads the data files next to the header; anything else is read and sniffed.
 */
export async function readEcgFile(path: string, io: EcgFileAccess): Promise<EcgRecord> {
  if (/\.hea$/i.test(path)) return io.loadWfdb(path);
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(path);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    // No such file: a WFDB record path without extension (the loader reports a missing header with its code).
    return io.loadWfdb(path);
  }
  if (sniffEcgFormat(bytes, path) === 'wfdb') return io.loadWfdb(path);
  return readEcgBytes(bytes, path);
}
