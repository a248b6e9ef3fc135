import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { type GpsFix, GpsFixTracker } from './fix-tracker.js';
import { KNOT_MPS } from './sentence.js';

function nmea(body: string): string {
  let x = 0;
  for (const ch of body) x ^= ch.charCodeAt(0);
  return `$${body}*${x.toString(16).toUpperCase().padStart(2, '0')}`;
}

function track(lines: string[]): { fixes: GpsFix[]; errors: string[] } {
  const t = new GpsFixTracker();
  const fixes: GpsFix[] = [];
  const errors: string[] = [];
  for (const l of lines) {
    const r = t.push(l);
    if (r.fix) fixes.push(r.fix);
    if (r.error) errors.push(r.error.code);
  }
  const last = t.flush();
  if (last) fixes.push(last);
  return { fixes, errors };
}

describe('GpsFixTracker', () => {
  it('one fix per epoch: RMC position, speed and course with date, GGA quality, VTG speed when RMC has none', () => {
    const { fixes, errors } = track([
      nmea('GPRMC,120000,A,2908.0000,N,12102.0000,E,10.0,90.0,061226,,,A'),
      nmea('GPGGA,120000,2908.0000,N,12102.0000,E,1,09,0.9,10.0,M,,M,,'),
      nmea('GPVTG,90.0,T,,M,10.0,N,18.5,K,A'),
      nmea('GPGGA,120001,2908.0010,N,12102.0000,E,2,10,0.8,10.0,M,,M,,'),
      nmea('GPVTG,45.0,T,,M,,N,36.0,K,A'),
      nmea('GPGGA,120002,2908.0020,N,12102.0000,E,0,00,,,M,,M,,'), // no fix: no position, no fix out
      'garbage',
      nmea('GPGGA,120003,2908.0030,N,12102.0000,E,1,08,1.0,10.0,M,,M,,').replace(/..$/, '00'),
    ]);
    expect(errors).toEqual(['TM_ERR_NMEA_NOT_SENTENCE', 'TM_ERR_NMEA_BAD_CHECKSUM']);
    expect(fixes).toHaveLength(2);
    expect(fixes[0]).toMatchObject({ utcSeconds: 43200, timeMs: Date.UTC(2026, 11, 6, 12, 0, 0), quality: 1, satellites: 9, courseDeg: 90 });
    expect(fixes[0]!.speedMps).toBeCloseTo(10 * KNOT_MPS, 9);
    expect(fixes[0]!.position.lat).toBeCloseTo(29 + 8 / 60, 9);
    expect(fixes[1]).toMatchObject({ utcSeconds: 43201, timeMs: Date.UTC(2026, 11, 6, 12, 0, 1), quality: 2, courseDeg: 45 });
    expect(fixes[1]!.speedMps).toBeCloseTo(10, 9); // 36 km/h from VTG
  });

  it('real logs: garmin15x gives its 7 epochs with the ground-truth first and last positions; the simulator log none', () => {
    const lines = (f: string) => readFileSync(sharedDataPath('nmea-gps-logs', f), 'latin1').split(/\r?\n/).filter((l) => l.startsWith('$'));
    const g = track(lines('garmin15x.log'));
    expect(g.errors).toEqual([]);
    expect(g.fixes).toHaveLength(7);
    expect([g.fixes[0]!.position.lat.toFixed(6), g.fixes[0]!.position.lon.toFixed(6)]).toEqual(['32.648580', '-108.374110']);
    expect([g.fixes[6]!.position.lat.toFixed(6), g.fixes[6]!.position.lon.toFixed(6)]).toEqual(['32.648538', '-108.374267']);
    expect(g.fixes[0]!.timeMs).toBe(Date.parse('2022-10-18T11:32:58Z'));
    expect(track(lines('GPSmap-76S.log')).fixes).toEqual([]); // GGA quality 8, RMC mode S: simulator
  });
});
