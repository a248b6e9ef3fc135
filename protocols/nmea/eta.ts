// ETA to the hospital, pure code. The model (also in README.md):
//
//   remaining distance
//     with a route (a polyline from the config that ends at the hospital): project the current
//       position onto the nearest segment of the polyline; remaining = distance from the
//       projection to the end of that segment + the length of every later segment, plus the
//       cross-track distance from the ambulance to the route (the way back onto it);
//     without a route: the great-circle (haversine) distance to the hospital.
//   speed: an exponentially weighted mean of ground speed with time constant `tauS` (default 60 s),
//     updated per fix with weight 1 - exp(-dt/tau) so irregular fix rates weigh time, not count;
//     never below `floorMps` (default 5 m/s = 18 km/h), so a stop at a junction does not send the
//     ETA to infinity.
//   ETA = remaining / max(smoothed speed, floor).
//
// Distances: haversine on a sphere of radius 6 371 008.8 m (IUGG mean radius); projection onto a
// segment in a local equirectangular frame centred on the position (errors far below GPS noise for
// segments of a few km).
import type { LatLon } from './sentence.js';

export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

export function haversineM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface RouteProgress {
  /** Metres left along the route from the projection to its end. */
  readonly alongM: number;
  /** Metres from the position to its projection on the route. */
  readonly crossTrackM: number;
  /** Index of the segment the position projects onto. */
  readonly segment: number;
}

/** Projects `p` onto the polyline (≥ 2 points) and measures what is left of it. */
export function routeProgress(route: readonly LatLon[], p: LatLon): RouteProgress {
  if (route.length < 2) throw new RangeError('a route needs at least 2 points');
  // Local equirectangular frame around p: x east, y north, in metres.
  const kx = Math.cos(p.lat * RAD) * RAD * EARTH_RADIUS_M;
  const ky = RAD * EARTH_RADIUS_M;
  const xy = (q: LatLon): [number, number] => [(q.lon - p.lon) * kx, (q.lat - p.lat) * ky];
  let best = { d2: Infinity, seg: 0, t: 0 };
  for (let i = 0; i < route.length - 1; i++) {
    const [ax, ay] = xy(route[i]!);
    const [bx, by] = xy(route[i + 1]!);
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
    const px = ax + t * dx;
    const py = ay + t * dy;
    const d2 = px * px + py * py;
    if (d2 < best.d2) best = { d2, seg: i, t };
  }
  const a = route[best.seg]!;
  const b = route[best.seg + 1]!;
  const proj = { lat: a.lat + best.t * (b.lat - a.lat), lon: a.lon + best.t * (b.lon - a.lon) };
  let along = haversineM(proj, b);
  for (let i = best.seg + 1; i < route.length - 1; i++) along += haversineM(route[i]!, route[i + 1]!);
  return { alongM: along, crossTrackM: haversineM(p, proj), segment: best.seg };
}

export interface EtaOptions {
  /** Polyline ending at the hospital; absent: straight line to `destination`. */
  readonly route?: readonly LatLon[];
  /** The hospital (used without a route; with a route its last point is the destination). */
  readonly destination: LatLon;
  readonly tauS?: number;
  readonly floorMps?: number;
}

export interface Eta {
  readonly remainingM: number;
  readonly etaS: number;
  readonly speedUsedMps: number;
  readonly method: 'route' | 'straight-line';
  readonly crossTrackM?: number;
}

/** Holds the smoothed speed; feed it each fix, ask it for the ETA. No clock of its own. */
export class EtaEstimator {
  private smoothed: number | undefined;
  private lastT: number | undefined;
  private readonly tauS: number;
  private readonly floorMps: number;

  constructor(private readonly o: EtaOptions) {
    if (o.route !== undefined && o.route.length < 2) throw new RangeError('a route needs at least 2 points');
    this.tauS = o.tauS ?? 60;
    this.floorMps = o.floorMps ?? 5;
  }

  /** A ground-speed sample (m/s) taken at `tMs` (ms, any monotonic origin). */
  addSpeed(tMs: number, speedMps: number): void {
    if (!Number.isFinite(speedMps) || speedMps < 0) return;
    if (this.smoothed === undefined || this.lastT === undefined) {
      this.smoothed = speedMps;
    } else {
      const dt = Math.max(0, (tMs - this.lastT) / 1000);
      const w = 1 - Math.exp(-dt / this.tauS);
      this.smoothed += w * (speedMps - this.smoothed);
    }
    this.lastT = tMs;
  }

  get smoothedMps(): number | undefined {
    return this.smoothed;
  }

  eta(position: LatLon): Eta {
    const speed = Math.max(this.smoothed ?? 0, this.floorMps);
    if (this.o.route) {
      const p = routeProgress(this.o.route, position);
      const remainingM = p.alongM + p.crossTrackM;
      return { remainingM, etaS: remainingM / speed, speedUsedMps: speed, method: 'route', crossTrackM: p.crossTrackM };
    }
    const remainingM = haversineM(position, this.o.destination);
    return { remainingM, etaS: remainingM / speed, speedUsedMps: speed, method: 'straight-line' };
  }
}
