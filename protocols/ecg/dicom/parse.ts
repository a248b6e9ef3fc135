// A bounded DICOM data set parser (PS3.5 §7): Part 10 files (128-byte preamble + "DICM", group 0002
// always explicit VR little endian, PS3.10 §7.1) or raw data sets; implicit and explicit VR little
// endian; sequences and items of defined or undefined length (PS3.5 §7.5). Values stay views into
// the input; nothing is copied until a reader asks for it.
import { DicomError, DicomErrorCode } from './errors.js';
import { ALL_VRS, IMPLICIT_VR, LONG_VRS, T, TS } from './tags.js';

export interface DicomElement {
  tag: number;
  vr: string;
  /** The value bytes (empty for sequences). */
  value: Uint8Array;
  /** Items of a sequence; null for other elements. */
  items: DicomDataset[] | null;
}
export type DicomDataset = Map<number, DicomElement>;

/** Bounds of one parse. */
export interface DicomLimits {
  /** Maximum sequence nesting depth (default 12). */
  maxDepth?: number;
  /** Maximum items in one sequence (default 100 000). */
  maxItems?: number;
  /** Maximum elements in the whole file (default 2 000 000). */
  maxElements?: number;
}

export interface ParsedDicom {
  meta: DicomDataset;
  dataset: DicomDataset;
  transferSyntax: string;
}

const UNDEFINED = 0xffffffff;

interface Ctx {
  buf: Uint8Array;
  dv: DataView;
  explicit: boolean;
  elements: number;
  maxDepth: number;
  maxItems: number;
  maxElements: number;
}

function fail(code: DicomErrorCode, msg: string): never {
  throw new DicomError(code, msg);
}

const hex = (t: number): string => `(${(t >>> 16).toString(16).padStart(4, '0')},${(t & 0xffff).toString(16).padStart(4, '0')})`;

function readTag(c: Ctx, pos: number, end: number): number {
  if (pos + 8 > end) fail(DicomErrorCode.TRUNCATED, `element header at ${pos} runs past the end (${end})`);
  return ((c.dv.getUint16(pos, true) << 16) | c.dv.getUint16(pos + 2, true)) >>> 0;
}

/** Parses one element at pos; returns it and the position after it. */
function parseElement(c: Ctx, pos: number, end: number, depth: number): { el: DicomElement; next: number } {
  const t = readTag(c, pos, end);
  if (t >>> 16 === 0xfffe) fail(DicomErrorCode.SYNTAX, `item tag ${hex(t)} where an element was expected at ${pos}`);
  if (++c.elements > c.maxElements) fail(DicomErrorCode.LIMIT, `more than ${c.maxElements} elements`);
  let vr: string;
  let len: number;
  let header: number;
  // Group 0002 is explicit VR in every transfer syntax (PS3.10 §7.1).
  if (c.explicit || t >>> 16 === 0x0002) {
    vr = String.fromCharCode(c.buf[pos + 4] ?? 0, c.buf[pos + 5] ?? 0);
    if (!ALL_VRS.has(vr)) fail(DicomErrorCode.SYNTAX, `bad VR "${vr.replace(/[^ -~]/g, '?')}" for ${hex(t)} at ${pos}`);
    if (LONG_VRS.has(vr)) {
      if (pos + 12 > end) fail(DicomErrorCode.TRUNCATED, `element ${hex(t)} header runs past the end`);
      len = c.dv.getUint32(pos + 8, true);
      header = 12;
    } else {
      len = c.dv.getUint16(pos + 6, true);
      header = 8;
    }
  } else {
    vr = IMPLICIT_VR.get(t) ?? 'UN';
    len = c.dv.getUint32(pos + 4, true);
    header = 8;
  }
  const start = pos + header;
  if (len === UNDEFINED) {
    // Undefined length: a sequence, or UN holding an implicit VR sequence (PS3.5 §6.2.2).
    if (vr !== 'SQ' && vr !== 'UN') fail(DicomErrorCode.SYNTAX, `undefined length on ${vr} element ${hex(t)}`);
    const wasExplicit = c.explicit;
    if (vr === 'UN') c.explicit = false;
    try {
      const { items, next } = parseSequence(c, start, end, true, depth);
      return { el: { tag: t, vr: 'SQ', value: new Uint8Array(0), items }, next };
    } finally {
      c.explicit = wasExplicit;
    }
  }
  if (start + len > end) fail(DicomErrorCode.TRUNCATED, `element ${hex(t)} of ${len} bytes at ${pos} runs past the end (${end})`);
  if (vr === 'SQ') {
    const { items } = parseSequence(c, start, start + len, false, depth);
    return { el: { tag: t, vr, value: new Uint8Array(0), items }, next: start + len };
  }
  return { el: { tag: t, vr, value: c.buf.subarray(start, start + len), items: null }, next: start + len };
}

function parseSequence(c: Ctx, pos: number, end: number, undefinedLength: boolean, depth: number): { items: DicomDataset[]; next: number } {
  if (depth >= c.maxDepth) fail(DicomErrorCode.LIMIT, `sequences nested deeper than ${c.maxDepth}`);
  const items: DicomDataset[] = [];
  while (undefinedLength || pos < end) {
    const t = readTag(c, pos, end);
    if (t === T.SequenceDelimitation) {
      if (!undefinedLength) fail(DicomErrorCode.SYNTAX, `sequence delimiter in a defined-length sequence at ${pos}`);
      return { items, next: pos + 8 };
    }
    if (t !== T.Item) fail(DicomErrorCode.SYNTAX, `expected an item at ${pos}, found ${hex(t)}`);
    if (items.length >= c.maxItems) fail(DicomErrorCode.LIMIT, `more than ${c.maxItems} items in a sequence`);
    const len = c.dv.getUint32(pos + 4, true);
    if (len === UNDEFINED) {
      const r = parseDataset(c, pos + 8, end, depth + 1, true);
      items.push(r.dataset);
      pos = r.next;
    } else {
      if (pos + 8 + len > end) fail(DicomErrorCode.TRUNCATED, `item of ${len} bytes at ${pos} runs past the end`);
      items.push(parseDataset(c, pos + 8, pos + 8 + len, depth + 1, false).dataset);
      pos += 8 + len;
    }
  }
  return { items, next: pos };
}

function parseDataset(c: Ctx, pos: number, end: number, depth: number, untilDelimiter: boolean): { dataset: DicomDataset; next: number } {
  const dataset: DicomDataset = new Map();
  while (untilDelimiter || pos < end) {
    if (untilDelimiter && readTag(c, pos, end) === T.ItemDelimitation) return { dataset, next: pos + 8 };
    const { el, next } = parseElement(c, pos, end, depth);
    dataset.set(el.tag, el);
    pos = next;
  }
  return { dataset, next: pos };
}

/** Whether the bytes start like a Part 10 file ("DICM" at 128). */
export function hasDicmPrefix(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

/** Text of a string-valued element: trailing spaces/NULs trimmed; UTF-8 when valid, else Latin-1. */
export function decodeText(v: Uint8Array): string {
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(v);
  } catch {
    s = new TextDecoder('latin1').decode(v);
  }
  return s.replace(/[\0 ]+$/, '').replace(/^ +/, '');
}

/** Parses a Part 10 file or a raw little-endian data set. Throws DicomError (TM_ERR_DICOM_*). */
export function parseDicom(bytes: Uint8Array, limits: DicomLimits = {}): ParsedDicom {
  const c: Ctx = {
    buf: bytes, dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), explicit: true, elements: 0,
    maxDepth: limits.maxDepth ?? 12, maxItems: limits.maxItems ?? 100_000, maxElements: limits.maxElements ?? 2_000_000,
  };
  let pos = hasDicmPrefix(bytes) ? 132 : 0;
  if (pos === 0 && bytes.length < 8) fail(DicomErrorCode.NOT_DICOM, 'too short for a DICOM data set');
  const meta: DicomDataset = new Map();
  while (pos + 8 <= bytes.length && c.dv.getUint16(pos, true) === 0x0002) {
    const { el, next } = parseElement(c, pos, bytes.length, 0);
    meta.set(el.tag, el);
    pos = next;
  }
  let ts: string;
  const tsEl = meta.get(T.TransferSyntaxUID);
  if (tsEl !== undefined) {
    ts = decodeText(tsEl.value);
  } else {
    // A raw data set: explicit if the bytes after the first tag are a VR (PS3.5 Annex A heuristics).
    if (pos + 8 > bytes.length) fail(DicomErrorCode.NOT_DICOM, 'no data set after the file preamble');
    const first = c.dv.getUint16(pos, true);
    if (first === 0 || first > 0x7fe0 || first % 2 === 1) fail(DicomErrorCode.NOT_DICOM, 'no "DICM" marker and no plausible data set');
    ts = ALL_VRS.has(String.fromCharCode(bytes[pos + 4] ?? 0, bytes[pos + 5] ?? 0)) ? TS.explicitLE : TS.implicitLE;
  }
  if (ts === TS.explicitBE) fail(DicomErrorCode.TRANSFER_SYNTAX, 'explicit VR big endian (retired) is not read');
  if (ts === TS.deflatedLE) fail(DicomErrorCode.TRANSFER_SYNTAX, 'deflated explicit VR little endian is not read');
  if (ts !== TS.implicitLE && ts !== TS.explicitLE) fail(DicomErrorCode.TRANSFER_SYNTAX, `transfer syntax ${ts.slice(0, 64)} is not read (waveforms are never compressed)`);
  c.explicit = ts === TS.explicitLE;
  return { meta, dataset: parseDataset(c, pos, bytes.length, 0, false).dataset, transferSyntax: ts };
}
