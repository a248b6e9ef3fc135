// The gps-nmea driver on real serial ptys (socat): the simulator driving a route with a tunnel,
// a pulled and re-plugged receiver, and the 8 real NMEA logs of ../shared/data/nmea-gps-logs
// replayed through the driver (first fix as in GROUND_TRUTH.txt, the simulator-mode log gives none).
import { readFileSync, readdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock, telemed } from '../../protocols/index.js';
import { haversineM } from '../../protocols/nmea/index.js';
import { GpsSimulator, type Route } from '../../simulators/gps/index.js';
import { openSerialWire } from '../../simulators/ecg-cart/serial-wire.js';
import { waitFor } from '../../test/helpers/cli-process.js';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { makeTempDir, startPtyPair, type PtyPair } from '../../test/helpers/socat.js';
import { SerialPortTransport } from '../ecg-cart/serialport-transport.js';
import type { Reading } from '../device.js';
import { GpsNmeaDevice, type GpsDeviceOptions } from './gps-device.js';

const v1 = telemed.v1;
const logger = pino({ level: 'silent' });
const tmp = makeTempDir('tm-gps-');
const pairs: PtyPair[] = [];
afterAll(async () => {
  for (const p of pairs) await p.kill();
  tmp.remove();
});

function device(path: string, o: Partial<GpsDeviceOptions> = {}): { dev: GpsNmeaDevice; readings: Reading[] } {
  const dev = new GpsNmeaDevice({ id: 'gps-1', path, baudRate: 9600, transport: () => new SerialPortTransport(), clock: systemClock, logger, backoff: { initialMs: 100, maxMs: 400 }, ...o });
  const readings: Reading[] = [];
  dev.on('reading', (r) => readings.push(r));
  return { dev, readings };
}
const positions = (rs: Reading[]) => rs.filter((r) => r.stream === 'gps').map((r) => (r.payload as { vitals: telemed.v1.IVitalsNumerics }).vitals);
const alarms = (rs: Reading[]) => rs.filter((r) => r.stream === 'gps-status').map((r) => (r.payload as { alarm: telemed.v1.IAlarm }).alarm);

// 4 s at 72 km/h (80 m), a 4 s tunnel, then 4 s more to the "hospital".
const ROUTE: Route = {
  name: 'test',
  points: [
    { lat: 29.15, lon: 120.9, speedKmh: 72 },
    { lat: 29.15, lon: 120.900824, speedKmh: 72, tunnel: true },
    { lat: 29.15, lon: 120.901648, speedKmh: 72 },
    { lat: 29.15, lon: 120.902472 },
  ],
};

describe('gps-nmea over a real pty', () => {
  it('follows the simulated drive: a position per second with speed, heading and ETA; the tunnel raises TM_ALARM_GPS_NO_FIX, the exit clears it', async () => {
    const pair = await startPtyPair(join(tmp.dir, 'sim-gps'), join(tmp.dir, 'sim-host'));
    pairs.push(pair);
    const { dev, readings } = device(pair.b, { route: ROUTE.points, noFixMs: 1000 });
    const ctl = new AbortController();
    await dev.start(ctl.signal);
    const wire = await openSerialWire(pair.a, 9600);
    const sim = new GpsSimulator({ wire, route: ROUTE, baudRate: 9600, epochMs: 300, startTimeMs: Date.UTC(2026, 11, 6, 8, 0, 0) });
    sim.start();
    try {
      await waitFor('the drive to the end', () => (positions(readings).some((p) => (p.position?.speedMps ?? 1) === 0) ? true : undefined), 20_000);
    } finally {
      sim.stop();
      await wire.close();
      await dev.stop();
    }
    const ps = positions(readings);
    expect(readings.every((r) => r.durable)).toBe(true);
    expect(readings.filter((r) => r.stream === 'gps').every((r) => r.trafficClass === telemed.v1.TrafficClass.TRAFFIC_CLASS_VITALS)).toBe(true);
    const first = ps[0]!;
    expect(first.position!.latitudeDeg).toBeCloseTo(29.15, 5);
    expect(first.position!.longitudeDeg).toBeCloseTo(120.9, 5);
    expect(first.position!.speedMps).toBeCloseTo(20, 1);
    expect(first.position!.headingDeg).toBeCloseTo(90, 0);
    // No position inside the tunnel (lon between 120.900824 and 120.901648, exclusive).
    expect(ps.filter((p) => p.position!.longitudeDeg! > 120.90083 && p.position!.longitudeDeg! < 120.90164)).toHaveLength(0);
    // ETA: remaining distance along the route, decreasing; the first is the route length (240 m).
    const eta = ps.map((p) => Object.fromEntries((p.numerics ?? []).map((n): [string, number] => [n.code ?? '', n.value ?? NaN])));
    expect(eta[0]!.TM_ETA_REMAINING_M).toBeCloseTo(haversineM(ROUTE.points[0]!, ROUTE.points[3]!), -1);
    expect(eta[0]!.TM_ETA_S).toBeCloseTo(12, 0);
    for (let i = 1; i < eta.length; i++) expect(eta[i]!.TM_ETA_REMAINING_M).toBeLessThanOrEqual(eta[i - 1]!.TM_ETA_REMAINING_M ?? NaN);
    const a = alarms(readings);
    expect(a.map((x) => [x.code, x.state])).toEqual([
      ['TM_ALARM_GPS_NO_FIX', v1.AlarmState.ALARM_STATE_ACTIVE],
      ['TM_ALARM_GPS_NO_FIX', v1.AlarmState.ALARM_STATE_CLEARED],
    ]);
    expect(a[0]!.text).toMatch(/receiver reports no fix/);
  }, 40_000);

  it('a pulled receiver (socat killed) is reopened on its stable path once it is back', async () => {
    const stable = join(tmp.dir, 'usb-gps');
    const plug = async (n: number): Promise<{ pair: PtyPair; sim: GpsSimulator; close: () => Promise<void> }> => {
      const pair = await startPtyPair(join(tmp.dir, `rc-gps${n}`), join(tmp.dir, `rc-host${n}`));
      pairs.push(pair);
      try { unlinkSync(stable); } catch { /* first plug */ }
      symlinkSync(pair.b, stable);
      const wire = await openSerialWire(pair.a, 9600);
      const sim = new GpsSimulator({ wire, route: { name: 'long', points: [{ lat: 29.15, lon: 120.9, speedKmh: 10 }, { lat: 29.2, lon: 120.9 }] }, baudRate: 9600, epochMs: 300 });
      sim.start();
      return { pair, sim, close: async () => { sim.stop(); await wire.close(); await pair.kill(); } };
    };
    const { dev, readings } = device(stable, { watchdogMs: 1000 });
    const ctl = new AbortController();
    const one = await plug(1);
    await dev.start(ctl.signal);
    await waitFor('fixes', () => (positions(readings).length >= 2 ? true : undefined), 15_000);
    await one.close();
    await waitFor('faulted', () => (dev.state === 'faulted' ? true : undefined), 10_000);
    const before = positions(readings).length;
    const two = await plug(2);
    try {
      await waitFor('fixes again', () => (positions(readings).length >= before + 2 ? true : undefined), 15_000);
      expect(dev.state).toBe('running');
      expect(dev.stats.reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await two.close();
      await dev.stop();
    }
  }, 60_000);

  it('replays the 8 real NMEA logs: first fix as GROUND_TRUTH.txt, none for the GPSmap-76S simulator log, errors coded', async () => {
    const dir = sharedDataPath('nmea-gps-logs');
    const truth = readFileSync(join(dir, 'GROUND_TRUTH.txt'), 'utf8');
    const firsts = new Map<string, { lat: number; lon: number } | null>();
    let current = '';
    for (const line of truth.split('\n')) {
      const head = /^(\S+\.log)$/.exec(line.trim());
      if (head && !line.startsWith(' ')) current = head[1]!;
      const f = /first fix: (none|.*lat (-?[\d.]+)\s+lon (-?[\d.]+))/.exec(line);
      if (f && current) firsts.set(current, f[1] === 'none' ? null : { lat: Number(f[2]), lon: Number(f[3]) });
    }
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    expect(logs).toHaveLength(8);
    expect(firsts.size).toBe(8);
    const pair = await startPtyPair(join(tmp.dir, 'log-gps'), join(tmp.dir, 'log-host'));
    pairs.push(pair);
    const wire = await openSerialWire(pair.a, 9600);
    try {
      for (const log of logs) {
        const bytes = readFileSync(join(dir, log));
        const lines = bytes.toString('latin1').split(/\r?\n|\r/).filter((l) => l !== '').length;
        const { dev, readings } = device(pair.b, { noFixMs: 800 });
        await dev.start(new AbortController().signal);
        await waitFor('port open', () => (dev.state === 'running' ? true : undefined), 10_000);
        await wire.write(new Uint8Array(bytes));
        await waitFor(`${log} read`, () => (dev.stats.lines >= lines ? true : undefined), 15_000);
        const want = firsts.get(log);
        if (want === null) {
          await waitFor('no-fix alarm', () => (alarms(readings).length > 0 ? true : undefined), 5000);
          expect(positions(readings), log).toHaveLength(0);
          expect(alarms(readings)[0]!.code).toBe('TM_ALARM_GPS_NO_FIX');
        } else {
          const p = positions(readings)[0]!.position!;
          expect(p.latitudeDeg, log).toBeCloseTo(want!.lat, 5);
          expect(p.longitudeDeg, log).toBeCloseTo(want!.lon, 5);
        }
        if (log === 'sl869.log') expect(dev.stats.errors.TM_ERR_NMEA_NO_CHECKSUM).toBe(1);
        expect(Object.keys(dev.stats.errors).every((c) => c.startsWith('TM_ERR_NMEA_')), log).toBe(true);
        await dev.stop();
      }
    } finally {
      await wire.close();
    }
  }, 120_000);
});
