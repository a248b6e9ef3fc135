// Explicit VR little endian element encoding (PS3.5 §7.1.2) for the writer: values padded to even
// length (UI with NUL, text with space, binary with 0x00), sequences and items of defined length.
import { DicomError, DicomErrorCode } from './errors.js';
import { LONG_VRS } from './tags.js';

/** One encoded element, kept with its tag so a data set can be sorted (PS3.5 §7.1: ascending order). */
export interface Encoded { tag: number; bytes: Uint8Array }

const utf8 = new TextEncoder();

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** An element with raw value bytes. */
export function element(tag: number, vr: string, value: Uint8Array): Encoded {
  const padded = value.length % 2 === 0 ? value : concat([value, Uint8Array.of(vr === 'UI' || vr === 'OB' || vr === 'OW' ? 0 : 0x20)]);
  const long = LONG_VRS.has(vr);
  if (!long && padded.length > 0xffff) throw new DicomError(DicomErrorCode.EXPORT, `${vr} value of ${padded.length} bytes is too long`);
  if (padded.length > 0xfffffffe) throw new DicomError(DicomErrorCode.EXPORT, `value of ${padded.length} bytes exceeds 4 GiB`);
  const head = new Uint8Array(long ? 12 : 8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, tag >>> 16, true);
  dv.setUint16(2, tag & 0xffff, true);
  head[4] = vr.charCodeAt(0);
  head[5] = vr.charCodeAt(1);
  if (long) dv.setUint32(8, padded.length, true); else dv.setUint16(6, padded.length, true);
  return { tag, bytes: concat([head, padded]) };
}

/** A text element (UTF-8; the data set declares ISO_IR 192). */
export function text(tag: number, vr: string, s: string | null): Encoded {
  return element(tag, vr, utf8.encode(s ?? ''));
}

/**
 * A DS value: the shortest decimal that reads back as the same number; when that is over DS's 16
 * characters (PS3.5 §6.2), the most significant digits that fit, in fixed or exponent form
 * ("3.374080944e-4" keeps more digits than "0.000337408094"), so calibration keeps ≥ 11 digits.
 */
export function ds(x: number): string {
  if (!Number.isFinite(x)) throw new DicomError(DicomErrorCode.EXPORT, `cannot write ${x} as DS`);
  const s = String(x);
  if (s.length <= 16) return s;
  for (let p = 15; p >= 1; p--) {
    const fixed = Number(x.toPrecision(p)).toString();
    if (fixed.length <= 16) return fixed;
    const exp = x.toExponential(p - 1).replace('e+', 'e');
    if (exp.length <= 16) return exp;
  }
  return s.slice(0, 16);
}

export function us(tag: number, n: number): Encoded {
  const v = new Uint8Array(2);
  new DataView(v.buffer).setUint16(0, n, true);
  return element(tag, 'US', v);
}

export function ul(tag: number, n: number): Encoded {
  const v = new Uint8Array(4);
  new DataView(v.buffer).setUint32(0, n, true);
  return element(tag, 'UL', v);
}

/** Concatenates a data set's elements in ascending tag order. */
export function dataset(elements: readonly Encoded[]): Uint8Array {
  return concat([...elements].sort((a, b) => a.tag - b.tag).map((e) => e.bytes));
}

/** A sequence of defined length whose items are the given data sets. */
export function sequence(tag: number, items: readonly (readonly Encoded[])[]): Encoded {
  const parts = items.map((it) => {
    const body = dataset(it);
    const head = new Uint8Array(8);
    const dv = new DataView(head.buffer);
    dv.setUint16(0, 0xfffe, true);
    dv.setUint16(2, 0xe000, true);
    dv.setUint32(4, body.length, true);
    return concat([head, body]);
  });
  return element(tag, 'SQ', concat(parts));
}

export { concat };
