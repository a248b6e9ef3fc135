// Merges the GGA, RMC and VTG of one receiver epoch into one fix: position (GGA or RMC, measured
// only), speed and heading (RMC, else VTG), quality and satellites (GGA), time (RMC date + the
// epoch's UTC time; GGA alone carries no date, so the last RMC date is used). A receiver sends one
// epoch per second (or per fix interval); an epoch is closed when a sentence with another UTC time
// arrives, or by flush(). Pure: no clock; the driver calls it per line.
import { NmeaError } from './errors.js';
import { KNOT_MPS, type LatLon, decodeGga, decodeRmc, decodeVtg, parseSentence } from './sentence.js';

export interface GpsFix {
  /** UTC seconds since midnight, as the receiver stamped the epoch. */
  readonly utcSeconds: number;
  /** Unix ms, when a date is known (from an RMC of this or an earlier epoch). */
  readonly timeMs?: number;
  readonly position: LatLon;
  readonly speedMps?: number;
  /** Course over ground, degrees true. */
  readonly courseDeg?: number;
  /** GGA fix quality (1-5), when a GGA was in the epoch. */
  readonly quality?: number;
  readonly satellites?: number;
  readonly hdop?: number;
}

interface Epoch {
  utc: number;
  position?: LatLon;
  speedMps?: number;
  courseDeg?: number;
  vtgSpeedMps?: number;
  vtgCourseDeg?: number;
  quality?: number;
  satellites?: number;
  hdop?: number;
}

export interface TrackerResult {
  /** The fix of the epoch that just closed, when it had a measured position. */
  readonly fix?: GpsFix;
  /** The line was refused (checksum, fields); the epoch goes on without it. */
  readonly error?: NmeaError;
}

export class GpsFixTracker {
  private epoch: Epoch | undefined;
  private dateMs: number | undefined; // Unix ms of midnight UTC of the last RMC date

  /** One line from the framer. Never throws: a bad line comes back as `error`. */
  push(line: string): TrackerResult {
    let s;
    try {
      s = parseSentence(line);
      switch (s.type) {
        case 'GGA': {
          const g = decodeGga(s);
          const fix = this.at(g.utcSeconds);
          const e = this.epoch;
          if (e) {
            if (g.position) e.position ??= g.position;
            e.quality = g.quality;
            if (g.satellites !== undefined) e.satellites = g.satellites;
            if (g.hdop !== undefined) e.hdop = g.hdop;
          }
          return fix;
        }
        case 'RMC': {
          const r = decodeRmc(s);
          if (r.timeMs !== undefined && r.utcSeconds !== undefined) this.dateMs = r.timeMs - r.utcSeconds * 1000;
          const fix = this.at(r.utcSeconds);
          const e = this.epoch;
          if (e) {
            if (r.position) e.position = r.position; // RMC's position wins: it comes with its speed
            if (r.speedKnots !== undefined) e.speedMps = r.speedKnots * KNOT_MPS;
            if (r.courseDeg !== undefined) e.courseDeg = r.courseDeg;
          }
          return fix;
        }
        case 'VTG': {
          const v = decodeVtg(s);
          const e = this.epoch; // VTG has no time: it belongs to the epoch in progress
          if (e) {
            const mps = v.speedKnots !== undefined ? v.speedKnots * KNOT_MPS : v.speedKmh !== undefined ? v.speedKmh / 3.6 : undefined;
            if (mps !== undefined) e.vtgSpeedMps = mps;
            if (v.courseTrueDeg !== undefined) e.vtgCourseDeg = v.courseTrueDeg;
          }
          return {};
        }
        default:
          return {};
      }
    } catch (err) {
      if (err instanceof NmeaError) return { error: err };
      throw err;
    }
  }

  /** Closes the epoch in progress (end of stream, or a watchdog). */
  flush(): GpsFix | undefined {
    const fix = this.close();
    this.epoch = undefined;
    return fix;
  }

  /** Makes `utc` the current epoch; returns the fix of the previous one if that closed it. */
  private at(utc: number | undefined): TrackerResult {
    if (utc === undefined) return {};
    if (this.epoch?.utc === utc) return {};
    const fix = this.close();
    this.epoch = { utc };
    return fix ? { fix } : {};
  }

  private close(): GpsFix | undefined {
    const e = this.epoch;
    if (!e?.position) return undefined;
    const speed = e.speedMps ?? e.vtgSpeedMps;
    const course = e.courseDeg ?? e.vtgCourseDeg;
    // The epoch closes after all its sentences, so an RMC of the same epoch has already set the
    // date; only a receiver sending GGA without RMC keeps the last date it saw (none: no timeMs).
    const timeMs = this.dateMs !== undefined ? this.dateMs + e.utc * 1000 : undefined;
    return {
      utcSeconds: e.utc,
      ...(timeMs !== undefined ? { timeMs } : {}),
      position: e.position,
      ...(speed !== undefined ? { speedMps: speed } : {}),
      ...(course !== undefined ? { courseDeg: course } : {}),
      ...(e.quality !== undefined ? { quality: e.quality } : {}),
      ...(e.satellites !== undefined ? { satellites: e.satellites } : {}),
      ...(e.hdop !== undefined ? { hdop: e.hdop } : {}),
    };
  }
}
