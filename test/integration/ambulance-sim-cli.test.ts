// `telemed sim hl7-monitor` and `telemed sim gps` as real child processes (through tsx) feeding the
// real drivers: the hl7-mllp device on a loopback port, the gps-nmea device on a socat pty at 4800 baud.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock, telemed } from '../../protocols/index.js';
import { SerialPortTransport } from '../../devices/ecg-cart/index.js';
import { GpsNmeaDevice } from '../../devices/gps/index.js';
import { Hl7MllpDevice } from '../../devices/hl7-mllp/index.js';
import type { Reading } from '../../devices/device.js';
import { BUILTIN_ROUTE } from '../../simulators/gps/index.js';
import { waitFor } from '../helpers/cli-process.js';
import { makeTempDir, startPtyPair, type PtyPair } from '../helpers/socat.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const logger = pino({ level: 'silent' });
const children: ChildProcess[] = [];
const tmp = makeTempDir('tm-simcli-');
let pair: PtyPair | null = null;

function sim(args: string[]): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'bin', 'telemed.ts'), 'sim', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  children.push(child);
  return { child, output: () => out };
}
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('close', () => r()));
  child.kill('SIGTERM');
  await gone;
}

afterAll(async () => {
  for (const c of children) await stop(c);
  await pair?.kill();
  tmp.remove();
});

describe('simulator CLIs into the real drivers', () => {
  it('telemed sim hl7-monitor --scenario sepsis --seed 1 → hl7-mllp device: numerics from the EUI-64 of seed 1, all AA', async () => {
    const dev = new Hl7MllpDevice({ id: 'hl7', port: 0, clock: systemClock, logger });
    const readings: Reading[] = [];
    dev.on('reading', (r) => readings.push(r));
    await dev.start(new AbortController().signal);
    try {
      const { child, output } = sim(['hl7-monitor', '--target', `127.0.0.1:${dev.port}`, '--scenario', 'sepsis', '--seed', '1']);
      await waitFor('3 vitals readings', () => (readings.length >= 3 ? true : undefined), 30_000);
      await stop(child);
      const v = (readings[0]!.payload as { vitals: telemed.v1.IVitalsNumerics }).vitals;
      expect(v.deviceId).toBe('00A0C9FFFE000001');
      expect(v.numerics!.find((n) => n.label === 'HR')).toMatchObject({ valid: true, unit: '/min' });
      expect(output()).toMatch(/hl7 monitor 00A0C9FFFE000001 → 127\.0\.0\.1:\d+: scenario sepsis, seed 1/);
      expect(output()).toMatch(/AE 0, AR 0/);
      expect(dev.stats.receiver.acks.AE + dev.stats.receiver.acks.AR).toBe(0);
    } finally {
      await dev.stop();
    }
  }, 60_000);

  it('telemed sim gps --route builtin at 4800 baud on a pty → gps-nmea device: the route start, 50 km/h, ETA along the route', async () => {
    pair = await startPtyPair(join(tmp.dir, 'gps'), join(tmp.dir, 'gps-host'));
    const dev = new GpsNmeaDevice({ id: 'gps', path: pair.b, baudRate: 4800, transport: () => new SerialPortTransport(), clock: systemClock, logger, route: BUILTIN_ROUTE.points });
    const readings: Reading[] = [];
    dev.on('reading', (r) => readings.push(r));
    await dev.start(new AbortController().signal);
    try {
      const { child, output } = sim(['gps', '--port', pair.a, '--route', 'builtin', '--baud', '4800']);
      await waitFor('2 fixes', () => (readings.filter((r) => r.stream === 'gps').length >= 2 ? true : undefined), 30_000);
      await stop(child);
      const v = (readings.find((r) => r.stream === 'gps')!.payload as { vitals: telemed.v1.IVitalsNumerics }).vitals;
      expect(v.position!.latitudeDeg).toBeCloseTo(BUILTIN_ROUTE.points[0]!.lat, 3);
      expect(v.position!.longitudeDeg).toBeCloseTo(BUILTIN_ROUTE.points[0]!.lon, 3);
      expect(v.position!.speedMps! * 3.6).toBeCloseTo(50, 0);
      const eta = v.numerics!.find((n) => n.code === 'TM_ETA_S')!;
      expect(eta.label).toBe('ETA (route)');
      expect(eta.value).toBeGreaterThan(600); // 12.5 km
      expect(output()).toMatch(/gps simulator on .*: route tiantai-west \(\d+ s\), 4800 baud/);
      expect(dev.stats.errors).toEqual({});
    } finally {
      await dev.stop();
    }
  }, 60_000);
});
