// MIT-format WFDB annotation files (.atr, .qrs): a stream of 16-bit little-endian words, each
// carrying a 6-bit code (A) and a 10-bit field (I); codes 59-63 are pseudo-annotations that modify
// the next real one (PhysioNet "annot(5)").
import { WfdbError, WfdbErrorCode } from './errors.js';

/** Annotation mnemonics by code (WFDB ecgcodes.h). */
const SYMBOLS: readonly string[] = [
  ' ', 'N', 'L', 'R', 'a', 'V', 'F', 'J', 'A', 'S', 'E', 'j', '/', 'Q', '~', '[15]', '|', '[17]', 's', 'T',
  '*', 'D', '"', '=', 'p', 'B', '^', 't', '+', 'u', '?', '!', '[', ']', 'e', 'n', '@', 'x', 'f', '(', ')', 'r',
];

/** The beat labels that count as QRS complexes in ANSI/AAMI EC57 comparisons. */
export const BEAT_SYMBOLS: ReadonlySet<string> = new Set(['N', 'L', 'R', 'B', 'A', 'a', 'J', 'S', 'V', 'r', 'F', 'e', 'j', 'n', 'E', '/', 'f', 'Q', '?']);

export interface WfdbAnnotation {
  /** Sample index (frame number) of the annotation. */
  sample: number;
  /** Numeric annotation code (1 = N, 5 = V, ...). */
  code: number;
  /** Mnemonic ("N", "V", "+", ...). */
  symbol: string;
  subtype: number;
  chan: number;
  num: number;
  /** Aux string with trailing NULs removed ("(N" for a rhythm change), or null. */
  aux: string | null;
}

export interface AnnotationLimits {
  /** Maximum annotations decoded. Default 10 000 000. */
  maxAnnotations: number;
}

const SKIP = 59;
const NUM = 60;
const SUB = 61;
const CHN = 62;
const AUX = 63;

/** Mnemonic of an annotation code ("[42]" for codes without one). */
export function annotationSymbol(code: number): string {
  return SYMBOLS[code] ?? `[${code}]`;
}

/** Decodes an MIT-format annotation file. Throws WfdbError TM_ERR_WFDB_ANNOTATION on malformed input. */
export function parseMitAnnotations(bytes: Uint8Array, limits: Partial<AnnotationLimits> = {}): WfdbAnnotation[] {
  const max = limits.maxAnnotations ?? 10_000_000;
  const out: WfdbAnnotation[] = [];
  const word = (o: number): number => (bytes[o] ?? 0) | ((bytes[o + 1] ?? 0) << 8);
  const fail = (o: number, msg: string): WfdbError => new WfdbError(WfdbErrorCode.ANNOTATION, `annotation byte ${o}: ${msg}`);
  let time = 0;
  let num = 0; // num and chan carry over from the previous annotation (annot(5))
  let chan = 0;
  let cur: WfdbAnnotation | null = null;
  let o = 0;
  while (o + 1 < bytes.length) {
    const w = word(o);
    const a = w >> 10;
    const i = w & 0x3ff;
    o += 2;
    if (a === 0 && i === 0) break; // end of file
    switch (a) {
      case SKIP: {
        if (o + 4 > bytes.length) throw fail(o, 'SKIP without its 32-bit interval');
        // PDP-11 long: high 16-bit word first, each word little-endian.
        const skip = ((word(o) << 16) | word(o + 2)) | 0;
        time += skip;
        o += 4;
        break;
      }
      case NUM: if (cur !== null) cur.num = num = (i << 22) >> 22; break;
      case SUB: if (cur !== null) cur.subtype = (i << 22) >> 22; break;
      case CHN: if (cur !== null) cur.chan = chan = i; break;
      case AUX: {
        if (o + i > bytes.length) throw fail(o, 'AUX string runs past the end');
        if (cur !== null) cur.aux = new TextDecoder('latin1').decode(bytes.subarray(o, o + i)).replace(/\0+$/, '');
        o += i + (i & 1); // padded to an even length
        break;
      }
      default: {
        time += i;
        if (time < 0) throw fail(o, 'annotation time is negative');
        if (out.length >= max) throw fail(o, `more than ${max} annotations`);
        cur = { sample: time, code: a, symbol: annotationSymbol(a), subtype: 0, chan, num, aux: null };
        out.push(cur);
      }
    }
  }
  return out;
}

/** Whether an annotation marks a QRS complex (EC57 beat label). */
export function isBeat(a: Pick<WfdbAnnotation, 'symbol'>): boolean {
  return BEAT_SYMBOLS.has(a.symbol);
}
