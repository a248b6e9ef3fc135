// The demo ambulance's equipment (issue 10 item 7): a transport monitor publishing on the gateway's
// embedded MQTT broker, the same patient's bedside monitor sending IHE PCD-01 over MLLP, and a GPS
// receiver on a pty driving the built-in route. Everything on 127.0.0.1; the simulators run in this
// process, the pty is a socat child process (the demo checks for socat first: demo-pty.ts).
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { openSerialWire } from '../../simulators/ecg-cart/serial-wire.js';
import { BUILTIN_ROUTE, GpsSimulator } from '../../simulators/gps/index.js';
import { Hl7MonitorSimulator } from '../../simulators/hl7/index.js';
import { MqttMonitorSimulator, isScenarioName, type ScenarioName } from '../../simulators/vitals/index.js';
import { startPty, type DemoPty } from './demo-pty.js';

export interface AmbulanceEquipmentOptions {
  host: string;
  /** Where the GPS ptys are linked. */
  dir: string;
  scenario: string;
  /** Scenario speed: hypoxia at 2 brings SpO2 under 90 % about 70 s after the start. */
  speed: number;
  seed: number;
  logger: Logger;
}

export interface AmbulanceEquipment {
  /** Gateway device entries (gateway/config.ts). */
  devices: Record<string, unknown>[];
  /** Starts the simulators; call once the gateway (and so the embedded broker and MLLP listener) runs. */
  start(): Promise<void>;
  /** Stops the simulators and socat. Safe to call twice. */
  close(): Promise<void>;
  /** Banner lines: what runs, or how to get what does not. */
  lines: string[];
}

/** A free loopback port for a device the gateway starts (the devices do not report theirs back). */
async function freePort(host: string): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(0, host, resolve); });
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no free port');
  return addr.port;
}

export async function ambulanceEquipment(o: AmbulanceEquipmentOptions): Promise<AmbulanceEquipment> {
  if (!isScenarioName(o.scenario)) throw new Error(`unknown scenario "${o.scenario}"`);
  const scenario: ScenarioName = o.scenario;
  const [mqttPort, mllpPort] = [await freePort(o.host), await freePort(o.host)];
  const monitorId = 'monitor-1';
  // Per-run credential for the monitor on the embedded broker (never printed).
  const monitorPassword = randomBytes(18).toString('base64url');
  const devices: Record<string, unknown>[] = [
    { kind: 'vitals-mqtt', id: monitorId, mqtt: { host: o.host, port: mqttPort, monitorPassword } },
    { kind: 'hl7-mllp', id: 'hl7', port: mllpPort, listenHost: o.host },
  ];
  const lines = [
    `  monitor (MQTT)     ${monitorId} on the embedded broker mqtt://${o.host}:${mqttPort}, scenario ${scenario} x${o.speed}`,
    `  monitor (HL7)      PCD-01 over MLLP to ${o.host}:${mllpPort}, same patient`,
  ];

  await mkdir(o.dir, { recursive: true });
  const gpsPaths = { sim: join(o.dir, 'gps-sim'), host: join(o.dir, 'gps-host') };
  const pty: DemoPty = await startPty(gpsPaths.sim, gpsPaths.host);
  const hospital = BUILTIN_ROUTE.points[BUILTIN_ROUTE.points.length - 1];
  devices.push({
    kind: 'gps-nmea', id: 'gps', path: gpsPaths.host, baud: 4800,
    ...(hospital === undefined ? {} : { destination: { lat: hospital.lat, lon: hospital.lon } }),
    route: BUILTIN_ROUTE.points.map((p) => ({ lat: p.lat, lon: p.lon })),
  });
  lines.push(`  GPS (NMEA, pty)    route ${BUILTIN_ROUTE.name} to the county hospital, looping (${gpsPaths.host})`);

  const mqttSim = new MqttMonitorSimulator({
    url: `mqtt://${o.host}:${mqttPort}`, monitorId, username: monitorId, password: monitorPassword, scenario, seed: o.seed, speed: o.speed,
  });
  mqttSim.on('error', (err) => o.logger.warn({ err: err.message }, 'demo: MQTT monitor simulator error'));
  const hl7Sim = new Hl7MonitorSimulator({ host: o.host, port: mllpPort, scenario, seed: o.seed, speed: o.speed });
  let gps: { sim: GpsSimulator; wire: { close(): Promise<void> } } | null = null;
  let closed = false;

  return {
    devices,
    lines,
    async start() {
      await mqttSim.start();
      hl7Sim.start();
      const wire = await openSerialWire(gpsPaths.sim, 4800);
      const sim = new GpsSimulator({ wire, route: BUILTIN_ROUTE, baudRate: 4800, loop: true });
      sim.start();
      gps = { sim, wire };
    },
    async close() {
      if (closed) return;
      closed = true;
      await mqttSim.stop().catch(() => undefined);
      hl7Sim.stop();
      if (gps !== null) {
        gps.sim.stop();
        await gps.wire.close().catch(() => undefined);
      }
      await pty.stop();
    },
  };
}
