import { pino, type Logger } from 'pino';
import type { Clock } from '../../protocols/index.js';
import { SerialPortTransport } from '../../devices/ecg-cart/index.js';
import { GpsNmeaDevice } from '../../devices/gps/index.js';
import { Hl7MllpDevice } from '../../devices/hl7-mllp/index.js';
import type { Device } from '../../devices/device.js';
import type { DeviceConfig } from '../config.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';

type Deps = { clock: Clock; logger?: Logger };

/** Config kind `hl7-mllp` → the MLLP listener (devices/hl7-mllp). */
export function createHl7MllpDevice(c: DeviceConfig, deps: Deps): Device {
  if (c.port === undefined) throw new GatewayError(GatewayErrorCode.DEVICE_KIND, `hl7-mllp ${c.id} needs a port`);
  return new Hl7MllpDevice({
    id: c.id, port: c.port, clock: deps.clock, logger: deps.logger ?? pino({ level: 'silent' }),
    ...(c.listenHost !== undefined ? { host: c.listenHost } : {}),
    ...(c.allowAddresses !== undefined ? { allowAddresses: c.allowAddresses } : {}),
    ...(c.allowApplications !== undefined ? { allowApplications: c.allowApplications } : {}),
    ...(c.maxConnections !== undefined ? { maxConnections: c.maxConnections } : {}),
    ...(c.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: c.maxConnectionsPerAddress } : {}),
    ...(c.maxMessageBytes !== undefined ? { maxFrameBytes: c.maxMessageBytes } : {}),
    ...(c.idleTimeoutMs !== undefined ? { idleTimeoutMs: c.idleTimeoutMs } : {}),
  });
}

/** Config kind `gps-nmea` → the NMEA receiver on its serial port (devices/gps). */
export function createGpsDevice(c: DeviceConfig, deps: Deps): Device {
  if (c.path === undefined) throw new GatewayError(GatewayErrorCode.DEVICE_KIND, `gps-nmea ${c.id} needs a path`);
  return new GpsNmeaDevice({
    id: c.id, path: c.path, transport: () => new SerialPortTransport(), clock: deps.clock, logger: deps.logger ?? pino({ level: 'silent' }),
    baudRate: c.baud ?? 4800,
    ...(c.destination !== undefined ? { destination: c.destination } : {}),
    ...(c.route !== undefined ? { route: c.route } : {}),
    ...(c.watchdogMs !== undefined ? { watchdogMs: c.watchdogMs } : {}),
    ...(c.noFixMs !== undefined ? { noFixMs: c.noFixMs } : {}),
  });
}
