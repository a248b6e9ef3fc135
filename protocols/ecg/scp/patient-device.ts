// EN 1064 §5.5 (Section 1, header information: patient data and ECG acquisition data), tagged
// fields: tag (1 byte), length (2 bytes), value; tag 255 ends the section.
import type { EcgDevice, EcgPatient } from '../record.js';
import { ByteReader, cString } from './byte-reader.js';

/** Section 1 decoded: patient, device, acquisition time. Patient fields are never logged. */
export interface ScpHeaderInfo {
  patient: EcgPatient;
  device: EcgDevice;
  /** Acquisition start, ISO 8601 local time (with offset when tag 34 gives one), or null. */
  startTime: string | null;
  warnings: string[];
}

/** EN 1064 Table 6: manufacturer codes of the device id (tag 14, byte 8). */
const MANUFACTURERS: readonly string[] = [
  '', 'Burdick', 'Cambridge Heart', 'Compumed', 'Datamed', 'Fukuda', 'Hewlett-Packard', 'Marquette Electronics',
  'Mortara Instruments', 'Nihon Kohden', 'Okin', 'Quinton', 'Siemens', 'Spacelabs', 'Telemed', 'Hellige',
  'ESA-OTE', 'Schiller', 'Picker-Schwarzer', 'Elettronica-Trentina', 'Zwönitz',
];

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function nullIfEmpty(s: string): string | null {
  return s === '' ? null : s;
}

/** Tag 14 (acquiring device id): fixed part of 36 bytes, then NUL-terminated strings. */
function parseDevice(v: Uint8Array): EcgDevice {
  const r = new ByteReader(v, 'section 1 tag 14');
  r.skip(7, 'institution, department, device id, type');
  const manufacturerCode = r.u8('manufacturer code');
  const model = cString(r.take(6, 'model description'));
  r.skip(5 + 16, 'protocol revision .. reserved');
  const revLength = r.u8('analysing program revision length');
  r.skip(Math.min(revLength, r.remaining), 'analysing program revision');
  // The remaining strings are NUL-terminated: serial, system software, SCP implementation, trade name.
  const rest = v.subarray(r.offset);
  const strings: string[] = [];
  let from = 0;
  for (let i = 0; i <= rest.length && strings.length < 4; i++) {
    if (i === rest.length || rest[i] === 0) {
      strings.push(cString(rest.subarray(from, i)));
      from = i + 1;
    }
  }
  const tradeName = strings[3] ?? '';
  return {
    model: nullIfEmpty(model),
    serial: nullIfEmpty(strings[0] ?? ''),
    manufacturer: nullIfEmpty(tradeName !== '' ? tradeName : MANUFACTURERS[manufacturerCode] ?? ''),
  };
}

interface Ymd { y: number; m: number; d: number }

function ymd(v: Uint8Array): Ymd | null {
  if (v.length < 4) return null;
  const y = (v[0] ?? 0) | ((v[1] ?? 0) << 8);
  const m = v[2] ?? 0;
  const d = v[3] ?? 0;
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= 31 ? { y, m, d } : null;
}

function ageFrom(value: number, unit: number): number | null {
  // EN 1064 tag 4 units: 1 years, 2 months, 3 weeks, 4 days, 5 hours.
  const perYear = [0, 1, 12, 52.1775, 365.25, 8766][unit] ?? 0;
  return perYear === 0 ? null : Math.floor(value / perYear);
}

function yearsBetween(birth: Ymd, at: Ymd): number {
  let age = at.y - birth.y;
  if (at.m < birth.m || (at.m === birth.m && at.d < birth.d)) age--;
  return age;
}

/** Decodes Section 1. Unknown tags are skipped; malformed known tags become warnings. */
export function parseHeaderInfo(body: Uint8Array): ScpHeaderInfo {
  const r = new ByteReader(body, 'section 1');
  const tags = new Map<number, Uint8Array>();
  const warnings: string[] = [];
  while (r.remaining >= 3) {
    const tag = r.u8('tag');
    const length = r.u16('tag length');
    if (tag === 255) break;
    if (length > r.remaining) {
      // Keep the tags read so far: a cut-off last tag should not hide the patient id before it.
      warnings.push(`section 1: tag ${tag} runs past the section end, rest ignored`);
      break;
    }
    const value = r.take(length, `tag ${tag}`);
    if (!tags.has(tag)) tags.set(tag, value);
  }
  const text = (t: number): string => {
    const v = tags.get(t);
    return v === undefined ? '' : cString(v);
  };
  const name = [text(1), text(0)].filter((s) => s !== '').join(' ');
  const sexByte = tags.get(8)?.[0];
  const date = tags.has(25) ? ymd(tags.get(25) ?? new Uint8Array()) : null;
  if (tags.has(25) && date === null) warnings.push('section 1: acquisition date (tag 25) invalid, ignored');
  const birth = tags.has(5) ? ymd(tags.get(5) ?? new Uint8Array()) : null;
  let ageYears: number | null = null;
  const ageTag = tags.get(4);
  if (ageTag !== undefined && ageTag.length >= 3) ageYears = ageFrom((ageTag[0] ?? 0) | ((ageTag[1] ?? 0) << 8), ageTag[2] ?? 0);
  if (ageYears === null && birth !== null && date !== null) ageYears = yearsBetween(birth, date);
  if (ageYears !== null && (ageYears < 0 || ageYears > 150)) ageYears = null;

  let device: EcgDevice = { model: null, serial: null, manufacturer: null };
  const dev = tags.get(14);
  if (dev !== undefined) {
    try {
      device = parseDevice(dev);
    } catch {
      warnings.push('section 1: acquiring device (tag 14) truncated, ignored');
    }
  }
  return {
    patient: {
      id: nullIfEmpty(text(2)),
      name: nullIfEmpty(name),
      ageYears,
      sex: sexByte === 1 ? 'M' : sexByte === 2 ? 'F' : 'U',
    },
    device,
    startTime: date === null ? null : isoTime(date, tags.get(26), tags.get(34), warnings),
    warnings,
  };
}

function isoTime(date: Ymd, time: Uint8Array | undefined, zone: Uint8Array | undefined, warnings: string[]): string {
  let iso = `${pad(date.y, 4)}-${pad(date.m)}-${pad(date.d)}`;
  if (time === undefined || time.length < 3) return iso;
  const [h = 0, m = 0, s = 0] = time;
  if (h > 23 || m > 59 || s > 60) {
    warnings.push('section 1: acquisition time (tag 26) invalid, ignored');
    return iso;
  }
  iso += `T${pad(h)}:${pad(m)}:${pad(s)}`;
  // Tag 34: signed offset from UTC in minutes; 0x7FFF means "not used".
  if (zone !== undefined && zone.length >= 2) {
    const raw = (zone[0] ?? 0) | ((zone[1] ?? 0) << 8);
    const off = raw >= 0x8000 ? raw - 0x10000 : raw;
    if (raw !== 0x7fff && Math.abs(off) <= 14 * 60) {
      const a = Math.abs(off);
      iso += `${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
    }
  }
  return iso;
}
