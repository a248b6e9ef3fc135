// NMEA 0183 sentences: framing checks (§5.2: "$" or "!", address field, comma-separated data
// fields, "*hh" checksum = XOR of every character between the start character and "*") and the
// three we use for position, speed and heading: GGA (fix data), RMC (recommended minimum), VTG
// (course and speed over ground). Field layouts per NMEA 0183 v4.11 §6.3; the mode indicator of
// RMC/VTG (NMEA 2.3+) and GGA's fix quality decide whether a position is measured.
import { NmeaError, NmeaErrorCode } from './errors.js';

export interface NmeaSentence {
  /** Address field as sent: "GPGGA", "GNRMC", "PGRME", … */
  readonly address: string;
  /** Last three letters for a standard (5-letter, non-proprietary) address: "GGA", "RMC", "VTG". */
  readonly type: string;
  /** Data fields after the address (index 0 = field 1). */
  readonly fields: readonly string[];
}

const HEX2 = /^[0-9A-Fa-f]{2}$/;

/** Checks start character and checksum, splits the fields. Throws NmeaError. */
export function parseSentence(line: string): NmeaSentence {
  const first = line.charAt(0);
  if (first !== '$' && first !== '!') throw new NmeaError(NmeaErrorCode.NOT_SENTENCE, 'line does not start with $ or !');
  const star = line.lastIndexOf('*');
  if (star < 0 || line.length - star !== 3 || !HEX2.test(line.slice(star + 1))) {
    throw new NmeaError(NmeaErrorCode.NO_CHECKSUM, 'no *hh checksum at the end of the sentence');
  }
  let x = 0;
  for (let i = 1; i < star; i++) x ^= line.charCodeAt(i);
  const want = parseInt(line.slice(star + 1), 16);
  if (x !== want) throw new NmeaError(NmeaErrorCode.BAD_CHECKSUM, `checksum ${want.toString(16)} != computed ${x.toString(16)}`);
  const parts = line.slice(1, star).split(',');
  const address = parts[0]!;
  const type = address.length === 5 && address.charAt(0) !== 'P' ? address.slice(2) : address;
  return { address, type, fields: parts.slice(1) };
}

export interface LatLon {
  /** Decimal degrees, north positive. */
  readonly lat: number;
  /** Decimal degrees, east positive. */
  readonly lon: number;
}

/** ddmm.mmmm / dddmm.mmmm + hemisphere -> decimal degrees; undefined when empty; throws when malformed. */
function coordinate(value: string, hemi: string, degDigits: 2 | 3, what: string): number | undefined {
  if (value === '' && hemi === '') return undefined;
  const ok = new RegExp(`^\\d{${degDigits}}\\d{2}(\\.\\d+)?$`).test(value);
  const hemis = degDigits === 2 ? ['N', 'S'] : ['E', 'W'];
  if (!ok || !hemis.includes(hemi)) throw bad(`${what} "${value}" "${hemi}"`);
  const deg = Number(value.slice(0, degDigits)) + Number(value.slice(degDigits)) / 60;
  const max = degDigits === 2 ? 90 : 180;
  if (deg > max) throw bad(`${what} out of range`);
  return hemi === 'S' || hemi === 'W' ? -deg : deg;
}

function bad(what: string): NmeaError {
  return new NmeaError(NmeaErrorCode.BAD_FIELD, `bad field: ${what}`);
}

function optNumber(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(v)) throw bad(`${what} "${v}"`);
  return Number(v);
}

function need(s: NmeaSentence, n: number): void {
  if (s.fields.length < n) throw bad(`${s.address} has ${s.fields.length} fields, needs ${n}`);
}

/** hhmmss[.ss] -> seconds since midnight UTC. */
function utcSeconds(v: string): number | undefined {
  if (v === '') return undefined;
  const m = /^(\d{2})(\d{2})(\d{2}(?:\.\d+)?)$/.exec(v);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) >= 61) throw bad(`time "${v}"`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** GGA fix quality: 0 invalid, 1 GPS, 2 DGPS, 3 PPS, 4 RTK, 5 float RTK, 6 estimated (dead reckoning), 7 manual, 8 simulator. */
export const MEASURED_GGA_QUALITY: ReadonlySet<number> = new Set([1, 2, 3, 4, 5]);
/** RMC/VTG mode indicator (NMEA 2.3+): A autonomous, D differential, P precise, R RTK, F float RTK
 *  are measured; E estimated, M manual, S simulator and N not valid are not. */
export const MEASURED_MODES: ReadonlySet<string> = new Set(['A', 'D', 'P', 'R', 'F']);

export interface Gga {
  readonly utcSeconds?: number;
  readonly quality: number;
  /** Only for a measured fix (quality 1-5); absent otherwise, whatever the lat/lon fields hold. */
  readonly position?: LatLon;
  readonly satellites?: number;
  readonly hdop?: number;
  readonly altitudeM?: number;
}

export function decodeGga(s: NmeaSentence): Gga {
  need(s, 9);
  const f = s.fields;
  const quality = optNumber(f[5], 'GGA quality') ?? 0;
  const lat = coordinate(f[1]!, f[2]!, 2, 'latitude');
  const lon = coordinate(f[3]!, f[4]!, 3, 'longitude');
  const measured = MEASURED_GGA_QUALITY.has(quality) && lat !== undefined && lon !== undefined;
  const utc = utcSeconds(f[0]!);
  const sats = optNumber(f[6], 'satellites');
  const hdop = optNumber(f[7], 'HDOP');
  const alt = optNumber(f[8], 'altitude');
  return {
    ...(utc !== undefined ? { utcSeconds: utc } : {}),
    quality,
    ...(measured ? { position: { lat, lon } } : {}),
    ...(sats !== undefined ? { satellites: sats } : {}),
    ...(hdop !== undefined ? { hdop } : {}),
    ...(alt !== undefined ? { altitudeM: alt } : {}),
  };
}

export interface Rmc {
  readonly utcSeconds?: number;
  /** Unix ms from date + time, when both are present. */
  readonly timeMs?: number;
  readonly status: string;
  readonly mode?: string;
  /** Only for a measured fix (status A, mode absent or measured). */
  readonly position?: LatLon;
  /** Speed over ground, knots (only with a measured fix). */
  readonly speedKnots?: number;
  /** Course over ground, degrees true (only with a measured fix). */
  readonly courseDeg?: number;
}

export function decodeRmc(s: NmeaSentence): Rmc {
  need(s, 9);
  const f = s.fields;
  const status = f[1]!;
  const mode = f.length > 11 && f[11] !== '' ? f[11]! : undefined;
  const lat = coordinate(f[2]!, f[3]!, 2, 'latitude');
  const lon = coordinate(f[4]!, f[5]!, 3, 'longitude');
  const measured = status === 'A' && (mode === undefined || MEASURED_MODES.has(mode)) && lat !== undefined && lon !== undefined;
  const utc = utcSeconds(f[0]!);
  const date = f[8]!;
  let timeMs: number | undefined;
  if (utc !== undefined && /^\d{6}$/.test(date)) {
    // ddmmyy; two-digit years read as 2000-2099 (NMEA 0183 has no century; ZDA does)
    timeMs = Date.UTC(2000 + Number(date.slice(4, 6)), Number(date.slice(2, 4)) - 1, Number(date.slice(0, 2))) + utc * 1000;
  }
  const speed = optNumber(f[6], 'RMC speed');
  const course = optNumber(f[7], 'RMC course');
  return {
    ...(utc !== undefined ? { utcSeconds: utc } : {}),
    ...(timeMs !== undefined ? { timeMs } : {}),
    status,
    ...(mode !== undefined ? { mode } : {}),
    ...(measured ? { position: { lat, lon } } : {}),
    ...(measured && speed !== undefined ? { speedKnots: speed } : {}),
    ...(measured && course !== undefined ? { courseDeg: course } : {}),
  };
}

export interface Vtg {
  readonly mode?: string;
  readonly courseTrueDeg?: number;
  /** Knots, only when the mode is absent or measured. */
  readonly speedKnots?: number;
  /** km/h, only when the mode is absent or measured. */
  readonly speedKmh?: number;
}

export function decodeVtg(s: NmeaSentence): Vtg {
  const f = s.fields;
  // NMEA 2.x+: course,T,course,M,knots,N,kmh,K[,mode]. Very old receivers send the 4-field form
  // "course,course,knots,kmh" without unit letters, which we read too.
  if (f.length >= 8 && (f[1] === 'T' || f[1] === '')) {
    const mode = f.length > 8 && f[8] !== '' ? f[8]! : undefined;
    const ok = mode === undefined || MEASURED_MODES.has(mode);
    const course = optNumber(f[0], 'VTG course');
    const kn = f[5] === 'N' ? optNumber(f[4], 'VTG knots') : undefined;
    const kmh = f[7] === 'K' ? optNumber(f[6], 'VTG km/h') : undefined;
    return {
      ...(mode !== undefined ? { mode } : {}),
      ...(ok && course !== undefined ? { courseTrueDeg: course } : {}),
      ...(ok && kn !== undefined ? { speedKnots: kn } : {}),
      ...(ok && kmh !== undefined ? { speedKmh: kmh } : {}),
    };
  }
  if (f.length === 4) {
    const course = optNumber(f[0], 'VTG course');
    const kn = optNumber(f[2], 'VTG knots');
    const kmh = optNumber(f[3], 'VTG km/h');
    return { ...(course !== undefined ? { courseTrueDeg: course } : {}), ...(kn !== undefined ? { speedKnots: kn } : {}), ...(kmh !== undefined ? { speedKmh: kmh } : {}) };
  }
  throw bad(`${s.address} layout (${f.length} fields)`);
}

export const KNOT_MPS = 1852 / 3600;
