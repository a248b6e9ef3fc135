// GGA, RMC and VTG sentences for one receiver epoch (NMEA 0183 v2.3 layouts, talker GP). Pure.
import { KNOT_MPS, type LatLon } from '../../protocols/nmea/index.js';

export interface Epoch {
  readonly timeMs: number;
  readonly position: LatLon;
  readonly speedMps: number;
  readonly courseDeg: number;
  /** false: the receiver has no fix (GGA quality 0, RMC status V, VTG mode N, empty fields). */
  readonly fix: boolean;
}

function checksum(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return x.toString(16).toUpperCase().padStart(2, '0');
}

/** `$body*hh\r\n` */
export function sentence(body: string): string {
  return `$${body}*${checksum(body)}\r\n`;
}

function coord(deg: number, degDigits: 2 | 3): string {
  const a = Math.abs(deg);
  let d = Math.floor(a);
  let m = Number(((a - d) * 60).toFixed(4));
  if (m >= 60) { d += 1; m -= 60; }
  return `${String(d).padStart(degDigits, '0')}${m.toFixed(4).padStart(7, '0')}`;
}

function hms(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(Math.floor(d.getUTCMilliseconds() / 10))}`;
}

function dmy(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}${p(d.getUTCMonth() + 1)}${p(d.getUTCFullYear() % 100)}`;
}

/** The three sentences of one epoch, in the order receivers send them (GGA, RMC, VTG). */
export function epochSentences(e: Epoch): string[] {
  const t = hms(e.timeMs);
  if (!e.fix) {
    return [
      sentence(`GPGGA,${t},,,,,0,00,99.9,,M,,M,,`),
      sentence(`GPRMC,${t},V,,,,,,,${dmy(e.timeMs)},,,N`),
      sentence('GPVTG,,T,,M,,N,,K,N'),
    ];
  }
  const lat = `${coord(e.position.lat, 2)},${e.position.lat >= 0 ? 'N' : 'S'}`;
  const lon = `${coord(e.position.lon, 3)},${e.position.lon >= 0 ? 'E' : 'W'}`;
  const kn = (e.speedMps / KNOT_MPS).toFixed(2);
  const kmh = (e.speedMps * 3.6).toFixed(2);
  const course = e.courseDeg.toFixed(1);
  return [
    sentence(`GPGGA,${t},${lat},${lon},1,09,0.9,45.0,M,9.6,M,,`),
    sentence(`GPRMC,${t},A,${lat},${lon},${kn},${course},${dmy(e.timeMs)},,,A`),
    sentence(`GPVTG,${course},T,,M,${kn},N,${kmh},K,A`),
  ];
}
