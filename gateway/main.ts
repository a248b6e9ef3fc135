import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../protocols/index.js';
import type { GatewayConfig } from './config.js';
import { buildGatewayApi } from './app.js';
import { createArmApi } from './arm/api.js';
import { createCartDevice } from './devices/cart-device.js';
import { DeviceManager, defaultDeviceFactory, type DeviceFactory } from './devices/manager.js';
import { createGatewayEcg } from './ecg/index.js';
import { createGatewayLogger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { buildStatus } from './status.js';
import { Uplink } from './uplink/uplink.js';
import { MemoryOutbox, type Outbox } from './uplink/outbox.js';
import { retentionOf } from './uplink/outbox-retention.js';
import { SqliteOutbox } from './uplink/sqlite-outbox.js';
import { uplinkVideoPort } from './video/uplink-port.js';
import { systemTimers, type Timers } from './uplink/timers.js';
import { VitalsPipeline } from './vitals/pipeline.js';
import { registerVitalsMetrics } from './vitals/metrics.js';

/** Injected dependencies of the gateway process; all optional. */
export interface GatewayDeps {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly random?: () => number;
  readonly outbox?: Outbox;
  readonly deviceFactory?: DeviceFactory;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** The uplink, for tests and the demo's status lines. */
  uplink: Uplink;
  close(): Promise<void>;
}

/** Starts the device manager, the uplink and the local API. close() undoes all of it. */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<RunningGateway> {
  const logger = (deps.logger ?? createGatewayLogger()).child({ gatewayId: config.gatewayId });
  const clock = deps.clock ?? systemClock;
  // One controller owns shutdown (STYLE.md).
  const shutdown = new AbortController();
  let outboxBytes = (): number => 0;
  const metrics = new GatewayMetrics(() => outboxBytes());
  const outbox = deps.outbox ?? openOutbox(config, clock);
  // The ECG workflow submits through the uplink (built next) and follows its sends and downlink.
  const ecg = createGatewayEcg(config, { clock, logger, submit: (f) => uplink.submit(f), onVerified: (v) => metrics.diagnoses.inc({ verification: v }) });
  const hooks = metrics.hooks();
  const uplink = new Uplink(config, {
    clock, logger, outbox,
    hooks: {
      ...hooks,
      sent: (f) => { hooks.sent?.(f); ecg.onSent(f); },
      downlink: (env) => { hooks.downlink?.(env); ecg.onDownlink(env); vitals.onDownlink(env); for (const arm of devices.arms()) arm.onDownlink(env); },
    },
    ...(deps.timers ? { timers: deps.timers } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
  outboxBytes = () => uplink.outbox.bytes;
  uplink.session.on('ack', (streams) => ecg.onAck(streams));
  uplink.session.on('ready', (helloAck) => ecg.onAck(helloAck.streams ?? []));
  // A cart's finished record goes to the ECG workflow (analysis, preview, send), not straight up.
  const factory: DeviceFactory = deps.deviceFactory ?? ((c, d) => (c.kind === 'ecg-cart'
    ? createCartDevice(c, { ...d, onRecord: (r, deviceId) => void ecg.ingest(r, deviceId) })
    : defaultDeviceFactory(c, d)));
  // Durable readings share group commits: each is on disk before its promise settles. Vitals,
  // waveforms and alarms go through the vitals pipeline (edge alarms, recorded waveform copy).
  const vitals = new VitalsPipeline({
    config, clock, logger, timers: deps.timers ?? systemTimers,
    durable: (f) => uplink.submit(f),
    realtime: (f) => uplink.publish(f),
    passThrough: new Set(config.devices.filter((d) => d.kind === 'load').map((d) => d.id)),
  });
  registerVitalsMetrics(metrics.registry, vitals);
  const devices = new DeviceManager(config.devices, vitals.sink, {
    clock, logger, factory, onState: (id, s) => vitals.onDeviceState(id, s),
    // Arms: commands are aged on the hub's clock through the uplink's clock sync (gateway/safety R2);
    // ultrasound images adapt to the rate the pacer measures and wait on the uplink's VIDEO queue.
    arm: { dataDir: config.dataDir, gatewayId: config.gatewayId, hubOffsetMs: () => uplink.session.clockOffsetMs, video: () => uplinkVideoPort(uplink) },
  });
  const armApi = createArmApi(() => devices.arms());
  metrics.observeDevices(() => devices.counters.snapshot());
  const app = await buildGatewayApi(config, {
    logger, metrics,
    status: () => buildStatus(config, uplink, () => devices.list()),
    onLinkChange: (listener) => {
      uplink.session.on('state', listener);
      return () => uplink.session.off('state', listener);
    },
    ecg: { routes: ecg.routes, onChange: (listener) => ecg.onChange(listener) },
    vitals: { snapshot: () => vitals.snapshot(), onLive: (listener) => vitals.onLive(listener) },
    ...(devices.arms().length > 0 ? { arm: armApi } : {}),
  });
  await app.listen({ host: config.host, port: config.port, signal: shutdown.signal });
  const port = (app.server.address() as AddressInfo).port;
  uplink.start(shutdown.signal);
  await ecg.start();
  vitals.start();
  await devices.start(shutdown.signal);
  logger.info({ port, hub: config.hub.url, devices: config.devices.length }, 'gateway started');

  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host}:${port}`,
    port,
    uplink,
    close: () => {
      closing ??= (async () => {
        await devices.stop();
        await ecg.settle(); // records still being analysed are stored (and queued) before the uplink goes
        vitals.close(); // open recorded waveform windows go to the outbox before the uplink closes
        await uplink.close(); // Goodbye first, then the socket
        vitals.closeStore(); // after the uplink: an acknowledgement coming down until then is still stored
        shutdown.abort();
        await app.close();
        ecg.close();
        // Only an outbox we opened is ours to close; an injected one belongs to the caller.
        if (deps.outbox === undefined) outbox.close();
        logger.info('gateway stopped');
      })();
      return closing;
    },
  };
}

/** The outbox of `config.outbox.kind`: SQLite in `config.dataDir` (default) or in memory. */
function openOutbox(config: GatewayConfig, clock: Clock): Outbox {
  return config.outbox.kind === 'memory'
    ? new MemoryOutbox(config.outbox.maxBytes, retentionOf(config.outbox))
    : new SqliteOutbox({ dataDir: config.dataDir, maxBytes: config.outbox.maxBytes, clock, retention: retentionOf(config.outbox) });
}
