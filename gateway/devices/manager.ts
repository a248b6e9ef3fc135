import { pino, type Logger } from 'pino';
import { isTelemedError, type Clock } from '../../protocols/index.js';
import type { Device, DeviceState, Reading } from '../../devices/device.js';
import type { DeviceConfig } from '../config.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import type { BuildFrameInput } from '../uplink/streams.js';
import { VitalsMqttDevice } from '../../devices/vitals-monitor/index.js';
import { ArmDevice, createArmDevice, type ArmContext } from './arm-device.js';
import { createCartDevice } from './cart-device.js';
import { DeviceCounters } from './device-counters.js';
import { createGpsDevice, createHl7MllpDevice } from './hl7-gps-devices.js';
import { LoadDevice } from './load-device.js';

/** Builds a driver from its config entry; tests pass their own. */
export type DeviceFactory = (config: DeviceConfig, deps: { clock: Clock; logger?: Logger; arm?: ArmContext }) => Device;

export const defaultDeviceFactory: DeviceFactory = (config, deps) => {
  switch (config.kind) {
    case 'load':
      return new LoadDevice({
        id: config.id, durableHz: config.durableHz ?? 100, streams: config.streams ?? 1, clock: deps.clock,
        ...(config.chunkBytes !== undefined ? { chunkBytes: config.chunkBytes } : {}),
      });
    case 'ecg-cart':
      return createCartDevice(config, deps);
    case 'hl7-mllp':
      return createHl7MllpDevice(config, deps);
    case 'gps-nmea':
      return createGpsDevice(config, deps);
    case 'ultrasound-arm':
      if (deps.arm === undefined) throw new GatewayError(GatewayErrorCode.DEVICE_KIND, `ultrasound-arm ${config.id}: needs the gateway's arm context (data dir, gateway id, clock sync)`);
      return createArmDevice(config, { ...deps.arm, clock: deps.clock, ...(deps.logger ? { logger: deps.logger } : {}) });
    case 'vitals-mqtt':
      return new VitalsMqttDevice({
        id: config.id, monitorId: config.monitorId ?? config.id, url: config.mqtt?.url ?? null,
        brokerHost: config.mqtt?.host ?? '127.0.0.1', brokerPort: config.mqtt?.port ?? 1883,
        username: config.mqtt?.username, password: config.mqtt?.password, monitorPassword: config.mqtt?.monitorPassword,
        silenceMs: config.silenceMs, clock: deps.clock, logger: deps.logger ?? pino({ level: 'silent' }),
      });
    default:
      throw new GatewayError(GatewayErrorCode.DEVICE_KIND, `unknown device kind ${String((config as { kind: unknown }).kind)}`);
  }
};

/** One row of /api/status `devices`. */
export interface DeviceView {
  id: string;
  kind: string;
  state: DeviceState;
}

export interface DeviceManagerDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly factory?: DeviceFactory;
  /** Every device state change (the vitals pipeline raises TM_ALARM_DEVICE_GONE on `faulted`). */
  readonly onState?: (deviceId: string, state: DeviceState) => void;
  /** What `ultrasound-arm` devices need from the gateway (gateway/devices/arm-device.ts). */
  readonly arm?: ArmContext;
}

/**
 * Starts the configured devices and turns their readings into frames for the uplink. Stream ids
 * are `<deviceId>/<stream>`, so two devices never share a sequence.
 */
export class DeviceManager {
  private readonly devices: Device[];
  private readonly log: Logger;
  /** Readings the uplink refused (outbox full), counted and logged sparsely. */
  refused = 0;
  /** Per-device received / rejected / reconnect counts, for /metrics. */
  readonly counters: DeviceCounters;

  /**
   * @param sink takes each reading; it may return a promise (durable readings under group commit)
   * that rejects when the reading was refused.
   */
  constructor(configs: readonly DeviceConfig[], private readonly sink: (frame: BuildFrameInput) => unknown, deps: DeviceManagerDeps) {
    this.log = deps.logger.child({ component: 'devices' });
    const factory = deps.factory ?? defaultDeviceFactory;
    this.devices = configs.map((c) => factory(c, { clock: deps.clock, logger: this.log, ...(deps.arm ? { arm: deps.arm } : {}) }));
    this.counters = new DeviceCounters(this.devices);
    for (const d of this.devices) {
      d.on('reading', (r) => this.route(d, r));
      d.on('state', (s) => {
        this.log.info({ deviceId: d.id, state: s }, 'device state');
        deps.onState?.(d.id, s);
      });
    }
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all(this.devices.map((d) => d.start(signal)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.stop()));
  }

  /** The ultrasound arms (their downlink, local API and /live status). */
  arms(): ArmDevice[] {
    return this.devices.filter((d): d is ArmDevice => d instanceof ArmDevice);
  }

  list(): DeviceView[] {
    return this.devices.map((d) => ({ id: d.id, kind: d.kind, state: d.state }));
  }

  private route(device: Device, r: Reading): void {
    try {
      const taken = this.sink({
        streamId: `${device.id}/${r.stream}`,
        trafficClass: r.trafficClass,
        durable: r.durable,
        captureTimeNs: r.captureTimeNs,
        payload: r.payload,
      });
      if (taken instanceof Promise) taken.catch((err: unknown) => this.refusedReading(device, r, err));
    } catch (err) {
      this.refusedReading(device, r, err);
    }
  }

  private refusedReading(device: Device, r: Reading, err: unknown): void {
    if (isTelemedError(err) && err.code === GatewayErrorCode.OUTBOX_FULL) {
      // Counted per class by the scheduler and alarmed by the uplink; logged on the 1st and every
      // 1000th so a long outage does not flood the log.
      this.refused += 1;
      if (this.refused % 1000 === 1) this.log.warn({ deviceId: device.id, stream: r.stream, refused: this.refused }, 'outbox full: durable reading refused');
      return;
    }
    this.log.error({ err, deviceId: device.id, stream: r.stream }, 'reading not routed');
  }
}
