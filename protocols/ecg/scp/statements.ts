// EN 1064 §5.11 (Section 8, full text interpretive statements) and §5.14 (Section 11, universal
// statement codes): a header (confirmed flag, date, time, count) then sequence/length/text entries.
import { ByteReader } from './byte-reader.js';

/** Section 8 or 11 → statement texts in file order; empty entries dropped. */
export function parseStatements(body: Uint8Array, what: string): string[] {
  const r = new ByteReader(body, what);
  r.skip(1 + 4 + 3, 'report type, date, time');
  const count = r.u8('number of statements');
  const out: string[] = [];
  for (let i = 0; i < count && r.remaining >= 3; i++) {
    r.u8('sequence number');
    const length = r.u16('statement length');
    let field = r.take(Math.min(length, r.remaining), 'statement');
    // v2 Section 11 starts each entry with a type byte (1 coded, 2 text, 3 both); text never does.
    const first = field[0];
    if (first !== undefined && first >= 1 && first <= 3) field = field.subarray(1);
    const nul = field.lastIndexOf(0) === field.length - 1 ? field.subarray(0, -1) : field;
    // Code and text of a type-3 entry are separated by control characters: show them as "; ".
    const text = controlsToSeparators(new TextDecoder('latin1').decode(nul));
    if (text !== '') out.push(text);
  }
  return out;
}

/** Runs of control characters (NUL, RS between code and text) become "; "; whitespace collapsed. */
function controlsToSeparators(s: string): string {
  let out = '';
  let inControl = false;
  for (const ch of s) {
    if (ch.charCodeAt(0) < 0x20) {
      inControl = true;
      continue;
    }
    if (inControl && out !== '') out += '; ';
    inControl = false;
    out += ch;
  }
  return out.replace(/\s+/g, ' ').trim();
}
