// HL7 v2 escape sequences, HL7 v2.6 §2.7 ("Use of escape sequences in text fields").
//
// Decoded: the delimiter escapes \F\ \S\ \T\ \R\ \E\ (§2.7: field, component, sub-component,
// repetition, escape character) and hexadecimal data \Xhh…\ (bytes, read as UTF-8 when they are
// valid UTF-8, otherwise one byte per character as ISO 8859-1).
// Passed through verbatim, escape characters included: the formatting sequences \H\ \N\ (highlight,
// §2.7), \.br\ \.sp\ \.in\ \.ti\ \.sk\ \.ce\ \.fi\ \.nf\ (formatted text, FT only, §2.7), the
// character-set switches \Cxxyy\ \Mxxyyzz\ and the locally defined \Z…\ — they only mean something
// to whoever renders an FT/TX field, and a value must not silently lose them. A sequence with no
// closing escape character, or \X with an odd or non-hex payload, is also kept verbatim: the
// parser never throws on escape content.
import type { Hl7Delimiters } from './delimiters.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexBytes(payload: string): string | undefined {
  if (payload.length === 0 || payload.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(payload)) return undefined;
  const bytes = new Uint8Array(payload.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(payload.slice(2 * i, 2 * i + 2), 16);
  try {
    return utf8.decode(bytes);
  } catch {
    return String.fromCharCode(...bytes); // ISO 8859-1: byte value = code point
  }
}

/** Decodes one leaf value (a sub-component, or a component without sub-components). */
export function unescapeValue(raw: string, d: Hl7Delimiters): string {
  const e = d.escape;
  if (e === '' || !raw.includes(e)) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const start = raw.indexOf(e, i);
    if (start < 0) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, start);
    const end = raw.indexOf(e, start + 1);
    if (end < 0) {
      out += raw.slice(start); // unterminated: kept as sent
      break;
    }
    const body = raw.slice(start + 1, end);
    out += decodeSequence(body, d) ?? raw.slice(start, end + 1);
    i = end + 1;
  }
  return out;
}

function decodeSequence(body: string, d: Hl7Delimiters): string | undefined {
  switch (body) {
    case 'F': return d.field;
    case 'S': return d.component;
    case 'T': return d.subcomponent;
    case 'R': return d.repetition;
    case 'E': return d.escape;
    default:
      if (body.startsWith('X')) return hexBytes(body.slice(1));
      return undefined; // \H\ \N\ \.br\ \C..\ \M..\ \Z..\ and unknown ones: passed through
  }
}

/** Encodes a value so that it survives as one leaf: every delimiter becomes its escape (§2.7). */
export function escapeValue(value: string, d: Hl7Delimiters): string {
  let out = '';
  for (const ch of value) {
    if (d.escape !== '' && ch === d.escape) out += `${d.escape}E${d.escape}`;
    else if (ch === d.field) out += `${d.escape}F${d.escape}`;
    else if (ch === d.component) out += `${d.escape}S${d.escape}`;
    else if (d.subcomponent !== '' && ch === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (ch === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (ch === '\r' || ch === '\n') out += `${d.escape}X${ch === '\r' ? '0D' : '0A'}${d.escape}`;
    else out += ch;
  }
  return out;
}
