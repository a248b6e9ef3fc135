// A drive along a polyline with a speed per segment and tunnel segments (no fix). Pure.
import { haversineM, type LatLon } from '../../protocols/nmea/index.js';

export interface RoutePoint extends LatLon {
  /** Speed on the segment that starts here, km/h. */
  readonly speedKmh?: number;
  /** The segment that starts here is a tunnel: the receiver has no fix on it. */
  readonly tunnel?: boolean;
}

export interface Route {
  readonly name: string;
  readonly points: readonly RoutePoint[];
}

/**
 * Built-in route: a village west of Tiantai town to the county hospital, about 12.5 km, with a
 * 2 km tunnel (about 2 minutes at 60 km/h) in the middle. Coordinates are illustrative (the shape
 * of a county road), not a surveyed road.
 */
export const BUILTIN_ROUTE: Route = {
  name: 'tiantai-west',
  points: [
    { lat: 29.158, lon: 120.89, speedKmh: 50 },
    { lat: 29.153, lon: 120.92, speedKmh: 70 },
    { lat: 29.148, lon: 120.95, speedKmh: 60, tunnel: true },
    { lat: 29.145, lon: 120.97, speedKmh: 50 },
    { lat: 29.142, lon: 121.0, speedKmh: 30 },
    { lat: 29.141, lon: 121.013 },
  ],
};

/** Checks a route read from a file; throws a plain Error naming the problem. */
export function parseRoute(raw: unknown): Route {
  const r = raw as { name?: unknown; points?: unknown };
  if (typeof r !== 'object' || r === null || !Array.isArray(r.points) || r.points.length < 2) throw new Error('a route is { "name": "...", "points": [ { "lat", "lon", "speedKmh"?, "tunnel"? }, ... ] } with at least 2 points');
  const points = (r.points as unknown[]).map((p, i) => {
    const q = p as Record<string, unknown>;
    const lat = q.lat;
    const lon = q.lon;
    if (typeof lat !== 'number' || typeof lon !== 'number' || Math.abs(lat) > 90 || Math.abs(lon) > 180) throw new Error(`points[${i}]: lat/lon missing or out of range`);
    if (q.speedKmh !== undefined && (typeof q.speedKmh !== 'number' || q.speedKmh <= 0 || q.speedKmh > 300)) throw new Error(`points[${i}]: speedKmh must be in (0, 300]`);
    return { lat, lon, ...(typeof q.speedKmh === 'number' ? { speedKmh: q.speedKmh } : {}), ...(q.tunnel === true ? { tunnel: true } : {}) };
  });
  return { name: typeof r.name === 'string' ? r.name : 'route', points };
}

export interface DriveState {
  readonly position: LatLon;
  readonly speedMps: number;
  /** Course over ground, degrees true. */
  readonly courseDeg: number;
  readonly fix: boolean;
  /** The route is done: standing at the hospital. */
  readonly arrived: boolean;
}

const DEFAULT_KMH = 40;
const RAD = Math.PI / 180;

function bearing(a: LatLon, b: LatLon): number {
  const y = Math.sin((b.lon - a.lon) * RAD) * Math.cos(b.lat * RAD);
  const x = Math.cos(a.lat * RAD) * Math.sin(b.lat * RAD) - Math.sin(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.cos((b.lon - a.lon) * RAD);
  return ((Math.atan2(y, x) / RAD) + 360) % 360;
}

/** Where the vehicle is `tS` seconds after leaving the first point (constant speed per segment). */
export class RouteDrive {
  private readonly segs: { from: RoutePoint; to: RoutePoint; lengthM: number; durationS: number; speedMps: number }[] = [];

  constructor(readonly route: Route) {
    if (route.points.length < 2) throw new Error('a route needs at least 2 points');
    for (let i = 0; i + 1 < route.points.length; i++) {
      const from = route.points[i]!;
      const to = route.points[i + 1]!;
      const lengthM = haversineM(from, to);
      const speedMps = (from.speedKmh ?? DEFAULT_KMH) / 3.6;
      this.segs.push({ from, to, lengthM, durationS: lengthM / speedMps, speedMps });
    }
  }

  get durationS(): number {
    return this.segs.reduce((s, x) => s + x.durationS, 0);
  }

  get lengthM(): number {
    return this.segs.reduce((s, x) => s + x.lengthM, 0);
  }

  at(tS: number): DriveState {
    let t = Math.max(0, tS);
    for (const s of this.segs) {
      if (t < s.durationS) {
        const f = s.durationS === 0 ? 0 : t / s.durationS;
        const position = { lat: s.from.lat + f * (s.to.lat - s.from.lat), lon: s.from.lon + f * (s.to.lon - s.from.lon) };
        return { position, speedMps: s.speedMps, courseDeg: bearing(s.from, s.to), fix: s.from.tunnel !== true, arrived: false };
      }
      t -= s.durationS;
    }
    const last = this.segs[this.segs.length - 1]!;
    return { position: { lat: last.to.lat, lon: last.to.lon }, speedMps: 0, courseDeg: bearing(last.from, last.to), fix: true, arrived: true };
  }
}
