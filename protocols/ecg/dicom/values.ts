// Typed access to element values of a parsed data set (PS3.5 §6.2 value representations).
import { DicomError, DicomErrorCode } from './errors.js';
import { type DicomDataset, decodeText } from './parse.js';

/** String value (first of a multi-value when `first`), or null when absent/empty. */
export function str(ds: DicomDataset | undefined, tag: number): string | null {
  const el = ds?.get(tag);
  if (el === undefined || el.items !== null) return null;
  const s = decodeText(el.value);
  return s === '' ? null : s;
}

/** Decimal/integer string (DS, IS) as a number: the first value; null when absent; error when not a number. */
export function decimal(ds: DicomDataset | undefined, tag: number, what: string): number | null {
  const s = str(ds, tag);
  if (s === null) return null;
  const v = Number((s.split('\\')[0] ?? '').trim());
  if (!Number.isFinite(v)) throw new DicomError(DicomErrorCode.WAVEFORM, `${what}: "${s.slice(0, 32)}" is not a number`);
  return v;
}

/** Unsigned binary value (US or UL by the element's length); null when absent. */
export function uint(ds: DicomDataset | undefined, tag: number, what: string): number | null {
  const el = ds?.get(tag);
  if (el === undefined) return null;
  const v = el.value;
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  if (v.length === 2) return dv.getUint16(0, true);
  if (v.length === 4) return dv.getUint32(0, true);
  throw new DicomError(DicomErrorCode.WAVEFORM, `${what}: ${v.length}-byte value is neither US nor UL`);
}

/** Items of a sequence element ([] when absent or not a sequence). */
export function items(ds: DicomDataset | undefined, tag: number): DicomDataset[] {
  return ds?.get(tag)?.items ?? [];
}
