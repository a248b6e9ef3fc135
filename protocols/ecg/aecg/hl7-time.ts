// HL7 v3 TS (YYYYMMDDHHMMSS.UUUU[+|-ZZzz]) <-> the record's ISO 8601 local time.
import { AecgError, AecgErrorCode } from './errors.js';

const TS = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,6})?([+-]\d{4})?$/;

/** HL7 TS → ISO 8601 ("20021122091000.000" → "2002-11-22T09:10:00.000"); zone kept as ±hh:mm. */
export function hl7TsToIso(ts: string): string {
  const m = TS.exec(ts.trim());
  if (m === null) throw new AecgError(AecgErrorCode.VALUE, `bad HL7 timestamp "${ts.slice(0, 40)}"`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let iso = y ?? '';
  if (mo !== undefined) iso += `-${mo}`;
  if (d !== undefined) iso += `-${d}`;
  if (h !== undefined) iso += `T${h}:${mi ?? '00'}:${s ?? '00'}${frac ?? ''}`;
  if (zone !== undefined && h !== undefined) iso += `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return iso;
}

/** ISO 8601 as the record holds it → HL7 TS (inverse of hl7TsToIso; "Z" becomes +0000). */
export function isoToHl7Ts(iso: string): string {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso.trim());
  if (m === null) throw new AecgError(AecgErrorCode.VALUE, `start time "${iso.slice(0, 40)}" is not ISO 8601`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ts = `${y ?? ''}${mo ?? ''}${d ?? ''}`;
  if (h !== undefined) ts += `${h}${mi ?? '00'}${s ?? '00'}${(frac ?? '').slice(0, 7)}`;
  if (zone !== undefined && h !== undefined) ts += zone === 'Z' ? '+0000' : zone.replace(':', '');
  return ts;
}

/** Whole years between an HL7 birth date and an ISO acquisition date; null if either is unusable. */
export function ageAt(birthTs: string, acquiredIso: string | null): number | null {
  const b = /^(\d{4})(\d{2})(\d{2})/.exec(birthTs.trim());
  const a = acquiredIso === null ? null : /^(\d{4})-(\d{2})-(\d{2})/.exec(acquiredIso);
  if (b === null || a === null || a === undefined) return null;
  let age = Number(a[1]) - Number(b[1]);
  if (Number(a[2]) * 100 + Number(a[3]) < Number(b[2]) * 100 + Number(b[3])) age--;
  return age >= 0 && age < 150 ? age : null;
}
