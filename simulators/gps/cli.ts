import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openSerialWire } from '../ecg-cart/serial-wire.js';
import { GpsSimulator } from './gps-simulator.js';
import { BUILTIN_ROUTE, parseRoute, type Route } from './route.js';

const HELP = `usage: telemed sim gps --port PATH [--route FILE|builtin] [--baud 4800|9600] [--loop]

Drives an ambulance along a route and writes NMEA 0183 GGA, RMC and VTG once a second to PATH
(e.g. one end of: socat -d -d pty,raw,echo=0,link=/tmp/gps pty,raw,echo=0,link=/tmp/gps-host),
paced at the real byte rate. A tunnel segment of the route sends "no fix" epochs.
--route FILE: JSON { "name": "...", "points": [ { "lat", "lon", "speedKmh"?, "tunnel"? }, ... ] };
builtin (default): ${BUILTIN_ROUTE.name}, about 12.5 km with a 2 km tunnel.`;

export async function gpsCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, route: { type: 'string', default: 'builtin' }, baud: { type: 'string', default: '4800' },
      loop: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.port) {
    process.stdout.write(HELP + '\n');
    if (!values.help) process.exitCode = 2;
    return;
  }
  const baud = Number(values.baud);
  if (baud !== 4800 && baud !== 9600) throw new Error('--baud must be 4800 or 9600');
  const route: Route = values.route === 'builtin' ? BUILTIN_ROUTE : parseRoute(JSON.parse(await readFile(values.route, 'utf8')));
  const wire = await openSerialWire(values.port, baud);
  const sim = new GpsSimulator({ wire, route, baudRate: baud, loop: values.loop });
  sim.start();
  process.stdout.write(`gps simulator on ${values.port}: route ${route.name} (${Math.round(sim.routeDurationS)} s), ${baud} baud\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  sim.stop();
  await wire.close();
}
