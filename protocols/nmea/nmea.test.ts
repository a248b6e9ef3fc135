import { describe, expect, it } from 'vitest';
import { NmeaError } from './errors.js';
import { EtaEstimator, haversineM, routeProgress } from './eta.js';
import { NmeaLineFramer } from './framer.js';
import { decodeGga, decodeRmc, decodeVtg, parseSentence } from './sentence.js';

const enc = new TextEncoder();
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof NmeaError) return e.code;
    throw e;
  }
  return 'no error';
}
/** A sentence with its checksum computed (NMEA 0183 §5.2.1). */
function nmea(body: string): string {
  let x = 0;
  for (const ch of body) x ^= ch.charCodeAt(0);
  return `$${body}*${x.toString(16).toUpperCase().padStart(2, '0')}`;
}

describe('NmeaLineFramer', () => {
  it('splits at LF, CR and CRLF across chunk boundaries', () => {
    const f = new NmeaLineFramer();
    const bytes = enc.encode('$A*00\r\n$B*00\n$C*00\r');
    const lines = [...bytes].flatMap((b) => f.push(Uint8Array.of(b))).map((e) => (e.kind === 'line' ? e.text : e.code));
    expect(lines).toEqual(['$A*00', '$B*00', '$C*00']);
  });

  it('drops an over-long line with a code and resynchronises at the next line end or $', () => {
    const f = new NmeaLineFramer(10);
    const ev = f.push(enc.encode(`$${'x'.repeat(20)}\n$OK*00\n$${'y'.repeat(20)}$NEXT*00\n`));
    expect(ev.map((e) => (e.kind === 'line' ? e.text : e.code))).toEqual(['TM_ERR_NMEA_LINE_TOO_LONG', '$OK*00', 'TM_ERR_NMEA_LINE_TOO_LONG', '$NEXT*00']);
  });

  it('a $ inside a sentence means a lost line end: the partial is dropped; inside a comment it is text', () => {
    const f = new NmeaLineFramer();
    const ev = f.push(enc.encode('$GPGGA,12$GPRMC*00\n# see $GPGSV\n'));
    expect(ev.map((e) => (e.kind === 'line' ? e.text : e.code))).toEqual(['TM_ERR_NMEA_TRUNCATED', '$GPRMC*00', '# see $GPGSV']);
  });
});

describe('parseSentence and decoders', () => {
  const gga = (q: string) => nmea(`GPGGA,113258,3238.9148,N,10822.4466,W,${q},08,1.1,1577.4,M,-24.6,M,,`);

  it('checks the checksum and the start character', () => {
    expect(code(() => parseSentence(gga('1')))).toBe('no error');
    expect(code(() => parseSentence(gga('1').replace('*', 'x*')))).toBe('TM_ERR_NMEA_BAD_CHECKSUM');
    expect(code(() => parseSentence(gga('1').slice(0, -3)))).toBe('TM_ERR_NMEA_NO_CHECKSUM');
    expect(code(() => parseSentence('GPGGA,1*00'))).toBe('TM_ERR_NMEA_NOT_SENTENCE');
  });

  it('GGA: position only for a measured fix (quality 1-5)', () => {
    const p = decodeGga(parseSentence(gga('2'))).position!;
    expect(p.lat).toBeCloseTo(32.64858, 6);
    expect(p.lon).toBeCloseTo(-108.37411, 6);
    for (const q of ['0', '6', '7', '8', '']) expect(decodeGga(parseSentence(gga(q))).position, `quality ${q}`).toBeUndefined();
  });

  it('RMC: status V or mode E/M/S/N give no position, speed or course; date and time read', () => {
    const rmc = (status: string, mode: string) => nmea(`GPRMC,113258.50,${status},3238.9148,N,10822.4466,W,005.3,247.1,181022,009.3,E${mode === '' ? '' : `,${mode}`}`);
    const ok = decodeRmc(parseSentence(rmc('A', 'A')));
    expect(ok).toMatchObject({ speedKnots: 5.3, courseDeg: 247.1, timeMs: Date.UTC(2022, 9, 18, 11, 32, 58, 500) });
    expect(decodeRmc(parseSentence(rmc('A', ''))).position).toBeDefined();
    for (const [s, m] of [['V', ''], ['A', 'E'], ['A', 'S'], ['A', 'N'], ['A', 'M']]) {
      const r = decodeRmc(parseSentence(rmc(s!, m!)));
      expect(r.position ?? r.speedKnots ?? r.courseDeg, `${s}/${m}`).toBeUndefined();
    }
  });

  it('VTG: speed only with a measured or absent mode; the empty N form decodes to nothing', () => {
    expect(decodeVtg(parseSentence(nmea('GPVTG,247.1,T,256.4,M,5.3,N,9.8,K,A')))).toEqual({ mode: 'A', courseTrueDeg: 247.1, speedKnots: 5.3, speedKmh: 9.8 });
    expect(decodeVtg(parseSentence(nmea('GPVTG,,,,,,,,,N')))).toEqual({ mode: 'N' });
    expect(decodeVtg(parseSentence(nmea('GPVTG,247.1,T,256.4,M,5.3,N,9.8,K,S')))).toEqual({ mode: 'S' });
  });

  it('malformed fields are TM_ERR_NMEA_BAD_FIELD, never a wrong position', () => {
    expect(code(() => decodeGga(parseSentence(nmea('GPGGA,113258,32X8.9148,N,10822.4466,W,1,08,1.1,1577.4,M,,M,,'))))).toBe('TM_ERR_NMEA_BAD_FIELD');
    expect(code(() => decodeGga(parseSentence(nmea('GPGGA,113258,3238.9148,Q,10822.4466,W,1,08,1.1,1577.4,M,,M,,'))))).toBe('TM_ERR_NMEA_BAD_FIELD');
    expect(code(() => decodeGga(parseSentence(nmea('GPGGA,1,2'))))).toBe('TM_ERR_NMEA_BAD_FIELD');
    expect(code(() => decodeRmc(parseSentence(nmea('GPRMC,113258,A,9938.9148,N,10822.4466,W,5,1,181022,,'))))).toBe('TM_ERR_NMEA_BAD_FIELD');
  });
});

describe('ETA model', () => {
  const hospital = { lat: 29.14, lon: 121.03 };
  // An L-shaped route: 0.01 deg of latitude north (~1112 m), then 0.01 deg of longitude east.
  const route = [{ lat: 29.12, lon: 121.02 }, { lat: 29.13, lon: 121.02 }, { lat: 29.13, lon: 121.03 }, hospital];

  it('haversine: one degree of latitude is ~111.2 km', () => {
    expect(haversineM({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111_195, -1);
  });

  it('projects onto the route and measures what is left of it (plus the way back onto it)', () => {
    const total = [0, 1, 2].reduce((s, i) => s + haversineM(route[i]!, route[i + 1]!), 0);
    expect(routeProgress(route, route[0]!).alongM).toBeCloseTo(total, 3);
    const mid = { lat: 29.125, lon: 121.02 };
    const p = routeProgress(route, mid);
    expect(p.segment).toBe(0);
    expect(p.alongM).toBeCloseTo(total - haversineM(route[0]!, mid), 0);
    const off = routeProgress(route, { lat: 29.125, lon: 121.021 }); // ~97 m east of the first leg
    expect(off.crossTrackM).toBeCloseTo(haversineM({ lat: 29.125, lon: 121.021 }, mid), 0);
    expect(off.alongM).toBeCloseTo(p.alongM, 0);
  });

  it('divides by a time-weighted smoothed speed with a floor; straight line without a route', () => {
    const e = new EtaEstimator({ route, destination: hospital, tauS: 60, floorMps: 5 });
    expect(e.eta(route[0]!).speedUsedMps).toBe(5); // no speed yet: the floor
    e.addSpeed(0, 15);
    e.addSpeed(60_000, 5); // one tau later: 15 + (1 - e^-1) * (5 - 15)
    expect(e.smoothedMps).toBeCloseTo(15 - 10 * (1 - Math.exp(-1)), 9);
    const eta = e.eta(route[0]!);
    expect(eta.method).toBe('route');
    expect(eta.etaS).toBeCloseTo(eta.remainingM / e.smoothedMps!, 9);
    e.addSpeed(600_000, 0); // parked for 9 minutes
    expect(e.eta(route[0]!).speedUsedMps).toBe(5);
    const line = new EtaEstimator({ destination: hospital });
    line.addSpeed(0, 20);
    const s = line.eta(route[0]!);
    expect(s).toMatchObject({ method: 'straight-line', speedUsedMps: 20 });
    expect(s.remainingM).toBeCloseTo(haversineM(route[0]!, hospital), 6);
    expect(() => new EtaEstimator({ route: [hospital], destination: hospital })).toThrow(RangeError);
  });
});
