import { describe, expect, it } from 'vitest';
import { GpsFixTracker, haversineM, parseSentence } from '../../protocols/nmea/index.js';
import { GpsSimulator } from './gps-simulator.js';
import { epochSentences } from './nmea-out.js';
import { BUILTIN_ROUTE, RouteDrive, parseRoute } from './route.js';

describe('GPS simulator', () => {
  it('writes GGA/RMC/VTG with valid checksums that our tracker reads back to the same fix', () => {
    const t0 = Date.UTC(2026, 11, 6, 8, 0, 0);
    const tracker = new GpsFixTracker();
    const fixes = [];
    for (let i = 0; i < 3; i++) {
      for (const s of epochSentences({ timeMs: t0 + i * 1000, position: { lat: -33.5 - i / 1000, lon: 151.25 }, speedMps: 13.9, courseDeg: 181.5, fix: true })) {
        expect(s.endsWith('\r\n')).toBe(true);
        expect(() => parseSentence(s.trimEnd())).not.toThrow();
        const r = tracker.push(s.trimEnd());
        expect(r.error).toBeUndefined();
        if (r.fix) fixes.push(r.fix);
      }
    }
    const f = tracker.flush()!;
    fixes.push(f);
    expect(fixes).toHaveLength(3);
    expect(f.position.lat).toBeCloseTo(-33.502, 5);
    expect(f.position.lon).toBeCloseTo(151.25, 5);
    expect(f.speedMps).toBeCloseTo(13.9, 2);
    expect(f.courseDeg).toBe(181.5);
    expect(f.timeMs).toBe(t0 + 2000);
  });

  it('a no-fix epoch gives no position', () => {
    const tracker = new GpsFixTracker();
    for (const s of epochSentences({ timeMs: 0, position: { lat: 1, lon: 1 }, speedMps: 5, courseDeg: 0, fix: false })) expect(tracker.push(s.trimEnd()).error).toBeUndefined();
    expect(tracker.flush()).toBeUndefined();
  });

  it('the built-in route: ~12.5 km, a tunnel of about 2 minutes, arrival standing at the last point', () => {
    const d = new RouteDrive(BUILTIN_ROUTE);
    expect(d.lengthM / 1000).toBeGreaterThan(11);
    expect(d.lengthM / 1000).toBeLessThan(14);
    let dark = 0;
    for (let t = 0; t < d.durationS; t++) if (!d.at(t).fix) dark++;
    expect(dark).toBeGreaterThan(100);
    expect(dark).toBeLessThan(140);
    const end = d.at(d.durationS + 5);
    expect(end.arrived).toBe(true);
    expect(end.speedMps).toBe(0);
    expect(haversineM(end.position, BUILTIN_ROUTE.points[BUILTIN_ROUTE.points.length - 1]!)).toBeLessThan(1);
  });

  it('route files are checked', () => {
    expect(() => parseRoute({ points: [{ lat: 1, lon: 1 }] })).toThrow(/at least 2/);
    expect(() => parseRoute({ points: [{ lat: 91, lon: 1 }, { lat: 1, lon: 1 }] })).toThrow(/points\[0\]/);
    expect(parseRoute({ name: 'x', points: [{ lat: 1, lon: 1, speedKmh: 30, tunnel: true }, { lat: 1, lon: 2 }] }).points[0]).toEqual({ lat: 1, lon: 1, speedKmh: 30, tunnel: true });
  });

  it('paces each epoch at the line rate: at 4800 baud the three sentences take at least bytes × 10 / 4800 s', async () => {
    const writes: { t: number; n: number }[] = [];
    const sim = new GpsSimulator({ wire: { write: (b) => { writes.push({ t: performance.now(), n: b.length }); return Promise.resolve(); } }, route: BUILTIN_ROUTE, baudRate: 4800, startTimeMs: 0 });
    sim.start();
    await new Promise((r) => setTimeout(r, 900));
    sim.stop();
    expect(writes.length).toBe(3);
    const bytes = writes[0]!.n + writes[1]!.n;
    // the third sentence starts only after the first two have had their time on the wire
    expect(writes[2]!.t - writes[0]!.t).toBeGreaterThanOrEqual((bytes * 10 * 1000) / 4800 - 5);
    expect(() => new GpsSimulator({ wire: { write: () => Promise.resolve() }, route: BUILTIN_ROUTE, baudRate: 4800, epochMs: 200 })).toThrow(/cannot carry/);
  });
});
