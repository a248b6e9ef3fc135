// Encoding our tree back to ER7 text (HL7 v2.6 §2.5), used by the ACK builder and tests.
import type { Hl7Delimiters } from './delimiters.js';
import { escapeValue } from './escape.js';
import type { Hl7Field, Hl7Segment } from './message.js';

/** One field as ER7, every leaf escaped (§2.7), trailing empty parts dropped (§2.5.3). */
export function encodeField(f: Hl7Field, d: Hl7Delimiters): string {
  const reps = f.map((rep) => trimEnd(rep.map((comp) => trimEnd(comp.map((sub) => escapeValue(sub, d))).join(d.subcomponent || d.component))).join(d.component));
  return trimEnd(reps).join(d.repetition);
}

function trimEnd(parts: string[]): string[] {
  let n = parts.length;
  while (n > 1 && parts[n - 1] === '') n--;
  return parts.slice(0, n);
}

/** One segment as ER7 (no terminator). MSH-1 and MSH-2 are written from the delimiters. */
export function encodeSegment(seg: Hl7Segment, d: Hl7Delimiters): string {
  const head = seg.name === 'MSH'
    ? `MSH${d.field}${d.component}${d.repetition}${d.escape}${d.subcomponent}${d.truncation}`
    : seg.name;
  const from = seg.name === 'MSH' ? 3 : 1;
  const fields = seg.fields.slice(from).map((f) => encodeField(f, d));
  while (fields.length > 0 && fields[fields.length - 1] === '') fields.pop();
  return fields.length === 0 ? head : `${head}${d.field}${fields.join(d.field)}`;
}
