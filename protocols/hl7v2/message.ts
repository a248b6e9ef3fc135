// HL7 v2 message parser (ER7, "pipe" encoding): HL7 v2.6 chapter 2, §2.5 (message construction
// rules), §2.7 (escape sequences). Purely syntactic: no datatype or message-structure tables, so
// every segment, including Z-segments, is split the same way.
//
// Bounded: the size is checked before anything is split, and every split is capped, so a hostile
// message costs at most O(maxMessageChars) work and memory.
import { type Hl7Delimiters, readDelimiters } from './delimiters.js';
import { Hl7Error, Hl7ErrorCode } from './errors.js';
import { unescapeValue } from './escape.js';

/** A component: its sub-components, unescaped. A component without sub-components has one entry. */
export type Hl7Component = readonly string[];
/** One repetition of a field: its components (index 0 = component 1). */
export type Hl7Repetition = readonly Hl7Component[];
/** A field: its repetitions (index 0 = first). An empty field has one repetition with one empty component. */
export type Hl7Field = readonly Hl7Repetition[];

export interface Hl7Segment {
  /** Segment ID, e.g. "MSH", "OBX", "ZXY". */
  readonly name: string;
  /** fields[n] is field n (1-based, as in "OBX-5"); fields[0] is unused (empty). For MSH, fields[1]
   *  is MSH-1 (the field separator) and fields[2] MSH-2 (the encoding characters), both verbatim. */
  readonly fields: readonly Hl7Field[];
}

export interface Hl7Message {
  readonly delimiters: Hl7Delimiters;
  readonly segments: readonly Hl7Segment[];
}

export interface Hl7Limits {
  /** Characters in the whole message (after MLLP framing). */
  readonly maxMessageChars: number;
  readonly maxSegments: number;
  readonly maxFieldsPerSegment: number;
  /** Repetitions per field, components per repetition and sub-components per component, each. */
  readonly maxPartsPerLevel: number;
}

export const DEFAULT_HL7_LIMITS: Hl7Limits = Object.freeze({
  maxMessageChars: 1_048_576,
  maxSegments: 10_000,
  maxFieldsPerSegment: 1_000,
  maxPartsPerLevel: 1_000,
});

export interface Hl7ParseOptions {
  readonly limits?: Hl7Limits;
  /**
   * Which characters end a segment. HL7 v2.6 §2.5.2 (and Appendix C for MLLP) defines the segment
   * terminator as CR only; real senders and files also use LF or CRLF, so the default, 'any', splits
   * on CR, LF and CRLF. 'cr' follows the standard to the letter (an LF is then data), which is how
   * HAPI-based parsers behave.
   */
  readonly segmentTerminators?: 'any' | 'cr';
}

const SEGMENT_ID = /^[A-Z0-9]{3}$/;
const EMPTY_FIELD: Hl7Field = Object.freeze([Object.freeze([Object.freeze([''])])]);

function limit(what: string, max: number): Hl7Error {
  return new Hl7Error(Hl7ErrorCode.LIMIT, `more than ${max} ${what}`);
}

/** String split that stops (with a LIMIT error) past `max` parts instead of building them all. */
function splitCapped(text: string, sep: string, max: number, what: string, shown = max): string[] {
  if (sep === '' || !text.includes(sep)) return [text];
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(sep, from);
    if (parts.length >= max) throw limit(what, shown);
    if (at < 0) {
      parts.push(text.slice(from));
      return parts;
    }
    parts.push(text.slice(from, at));
    from = at + sep.length;
  }
}

function parseField(raw: string, d: Hl7Delimiters, max: number): Hl7Field {
  if (raw === '') return EMPTY_FIELD;
  return splitCapped(raw, d.repetition, max, 'repetitions in a field').map((rep) =>
    splitCapped(rep, d.component, max, 'components in a repetition').map((comp) =>
      splitCapped(comp, d.subcomponent, max, 'sub-components in a component').map((sub) => unescapeValue(sub, d)),
    ),
  );
}

function splitSegments(text: string, mode: 'any' | 'cr', max: number): string[] {
  const lines = mode === 'cr' ? text.split('\r') : text.split(/\r\n|\r|\n/);
  const out: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue; // blank lines and the trailing terminator
    if (out.length >= max) throw limit('segments', max);
    out.push(line);
  }
  return out;
}

/** Parses one HL7 v2 message. Throws only Hl7Error. */
export function parseHl7(text: string, options: Hl7ParseOptions = {}): Hl7Message {
  const limits = options.limits ?? DEFAULT_HL7_LIMITS;
  if (text.length > limits.maxMessageChars) {
    throw new Hl7Error(Hl7ErrorCode.TOO_LARGE, `message of ${text.length} characters (limit ${limits.maxMessageChars})`);
  }
  const lines = splitSegments(text, options.segmentTerminators ?? 'any', limits.maxSegments);
  if (lines.length === 0) throw new Hl7Error(Hl7ErrorCode.EMPTY, 'empty message');
  // HL7 v2.6 §2.5.1 / §2.14.9: every message starts with MSH, whose 4th character is MSH-1.
  if (!lines[0]!.startsWith('MSH')) throw new Hl7Error(Hl7ErrorCode.NO_MSH, 'message does not start with MSH');
  const d = readDelimiters(lines[0]!);
  const segments = lines.map((line) => parseSegment(line, d, limits));
  return { delimiters: d, segments };
}

function parseSegment(line: string, d: Hl7Delimiters, limits: Hl7Limits): Hl7Segment {
  // +1: the segment ID is the first piece of the split
  const raw = splitCapped(line, d.field, limits.maxFieldsPerSegment + 1, 'fields in a segment', limits.maxFieldsPerSegment);
  const name = raw[0]!;
  if (!SEGMENT_ID.test(name)) {
    throw new Hl7Error(Hl7ErrorCode.BAD_SEGMENT_ID, `segment ID ${JSON.stringify(name.slice(0, 16))} is not 3 upper-case letters or digits`);
  }
  const fields: Hl7Field[] = [EMPTY_FIELD];
  if (name === 'MSH') {
    // §2.14.9.1-2: MSH-1 is the separator itself and MSH-2 the encoding characters, both taken
    // verbatim (MSH-2 holds the escape character, so it cannot be unescaped). The n-th piece of the
    // split line is MSH-(n+1).
    fields.push([[[d.field]]], [[[raw[1] ?? '']]]);
    for (let n = 2; n < raw.length; n++) fields.push(parseField(raw[n]!, d, limits.maxPartsPerLevel));
  } else {
    for (let n = 1; n < raw.length; n++) fields.push(parseField(raw[n]!, d, limits.maxPartsPerLevel));
  }
  return { name, fields };
}

/** Field `n` of a segment ([] treated as empty). */
export function field(seg: Hl7Segment, n: number): Hl7Field {
  return seg.fields[n] ?? EMPTY_FIELD;
}

/** One leaf: field n, repetition rep (0-based), component comp and sub-component sub (1-based). '' if absent. */
export function value(seg: Hl7Segment, n: number, comp = 1, sub = 1, rep = 0): string {
  return seg.fields[n]?.[rep]?.[comp - 1]?.[sub - 1] ?? '';
}

/** Component `comp` of repetition `rep` of field n as text, its sub-components joined with '&'-like `subSep`. */
export function componentText(seg: Hl7Segment, n: number, comp = 1, rep = 0, subSep = '&'): string {
  return (seg.fields[n]?.[rep]?.[comp - 1] ?? []).join(subSep);
}

/** Every segment named `name`, in order. */
export function segmentsNamed(msg: Hl7Message, name: string): Hl7Segment[] {
  return msg.segments.filter((s) => s.name === name);
}

/** The MSH segment (always the first). */
export function msh(msg: Hl7Message): Hl7Segment {
  return msg.segments[0]!;
}
