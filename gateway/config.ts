import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CLASS_DEFAULTS } from '../protocols/index.js';
import { CART_LEADS } from '../protocols/ecg-cart/index.js';
import { ConfigError } from './errors.js';
import { VitalsConfigSchema, vitalsConfigProblems } from './vitals/config-schema.js';

/** Problem code in TM_ERR_CONFIG's list: the local API would listen off loopback without auth. */
export const API_UNSAFE_BIND = 'TM_ERR_API_UNSAFE_BIND';

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Problem code in TM_ERR_CONFIG's list: plain HTTP/WebSocket off loopback without allowInsecure. */
export const INSECURE_BIND = 'TM_ERR_INSECURE_BIND';

/** Issue 12 item 6: the uplink leaves loopback only over wss:// with the hub's CA pinned. */
function hubLinkProblems(hub: { url: string; tls: unknown; allowInsecure: boolean }): string[] {
  let host: string;
  try {
    host = new URL(hub.url).hostname;
  } catch {
    return [`/hub/url: "${hub.url}" is not a URL`];
  }
  const out: string[] = [];
  const secure = hub.url.startsWith('wss://');
  if (secure && hub.tls === null) out.push('/hub/tls: wss:// needs hub.tls { ca, cert, key } (the hub\'s CA is pinned; the system store is not used)');
  if (!secure && hub.tls !== null) out.push('/hub/tls: set, but hub.url is ws://; use wss://');
  if (!secure && !hub.allowInsecure && !isLoopbackHost(host)) out.push(`/hub/url: ${INSECURE_BIND}: ws:// to "${host}" (not loopback) would send frames in the clear; use wss:// with hub.tls, or set hub.allowInsecure`);
  return out;
}

const ClassBudget = (budgetMs: number) =>
  Type.Object(
    {
      /** Latency budget, ms. Default: CLASS_DEFAULTS (DESIGN.md §3). */
      budgetMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: budgetMs }),
      /** Most frames waiting in this class's scheduler queue (realtime classes), frames. */
      maxQueuedFrames: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 256 }),
    },
    { default: {}, additionalProperties: false },
  );

/**
 * A device entry. One object for every kind (not a union) so a bad entry reports the exact field,
 * e.g. `/devices/0/kind`, instead of "expected union value". Fields of another kind are ignored.
 */
const Device = Type.Object(
  {
    /** load: steady durable traffic (crash and throughput tests);
     * ecg-cart: the 18-lead ECG cart on a serial port (devices/ecg-cart);
     * vitals-mqtt: a vital-sign monitor on the ambulance's MQTT broker (devices/vitals-monitor);
     * hl7-mllp: an MLLP listener for IHE PCD-01/04 monitors (devices/hl7-mllp); gps-nmea: an NMEA 0183 GPS on a serial port (devices/gps);
     * ultrasound-arm: the robotic ultrasound arm behind the safety supervisor (gateway/devices/arm-device.ts). */
    kind: Type.Union([Type.Literal('load'), Type.Literal('ecg-cart'), Type.Literal('vitals-mqtt'), Type.Literal('hl7-mllp'), Type.Literal('gps-nmea'), Type.Literal('ultrasound-arm')]),
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    /** load: durable readings per second per stream; 100 when absent. */
    durableHz: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
    /** load: streams, each at durableHz; 1 when absent. */
    streams: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    /** load: each reading is a durable BULK record chunk of this many bytes instead of a VITALS reading (bench/uplink/outage-rss.ts). */
    chunkBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_048_576 })),
    /** ecg-cart, gps-nmea: stable serial path (e.g. /dev/serial/by-id/usb-…), resolved again on every reopen. Required for both. */
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    /** ecg-cart: line rate, baud; 921600 when absent. gps-nmea: 4800 when absent. */
    baud: Type.Optional(Type.Integer({ minimum: 1200, maximum: 4_000_000 })),
    /**
     * ecg-cart: leads streamed live to the hub as WAVEFORM, by cart lead name ("II", "V1", ...).
     * Default ["II", "V1", "V5"], the monitoring leads: the full 18 leads travel in the diagnostic
     * record, and 18 live leads cost 900 frames/s per cart on the cell. `[]` streams none.
     */
    liveLeads: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 8 }), { maxItems: 18 })),
    /** vitals-mqtt: the monitor's topic tree telemed/v1/monitors/{monitorId}/…; the device id when absent. */
    monitorId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' })),
    /** vitals-mqtt: the broker (devices/vitals-monitor/README.md). Absent: the embedded one on 127.0.0.1:1883. */
    mqtt: Type.Optional(Type.Object(
      {
        /** mqtt://host:port of the ambulance's broker (e.g. Mosquitto); null: start the embedded aedes broker. */
        url: Type.Union([Type.Null(), Type.String({ pattern: '^mqtts?://', maxLength: 1024 })], { default: null }),
        /** Embedded broker: listen address; loopback unless monitorPassword is set. */
        host: Type.String({ default: '127.0.0.1', maxLength: 253 }),
        /** Embedded broker: port; 0 picks a free one (shared by every vitals-mqtt device with port 0). */
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
        /** External broker: the gateway's user name and password. */
        username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
        password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
        /** Embedded broker: password the monitor must give (user name = monitorId); absent: anonymous monitors on loopback. */
        monitorPassword: Type.Optional(Type.String({ minLength: 12, maxLength: 256 })),
      },
      { additionalProperties: false },
    )),
    /** ultrasound-arm: the arm and its safety supervisor (gateway/safety/README.md); required for ultrasound-arm. */
    arm: Type.Optional(Type.Object(
      {
        /** Serial path (/dev/serial/by-id/…, resolved again on every reopen) or tcp://HOST:PORT. */
        url: Type.String({ minLength: 1, maxLength: 1024 }),
        /** The ultrasound machine's image output, tcp://HOST:PORT (protocols/ultrasound-arm/SPEC.md "Image output"); absent: no images. */
        imageUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, pattern: '^tcp://' })),
        /** ArmTelemetry envelopes up to the hub per second (latest sample wins; the arm sends 100-250 Hz). */
        uplinkHz: Type.Number({ minimum: 1, maximum: 100, default: 25 }),
        /** Deadman: no valid operator command for this long → hold, ms. */
        survivalMs: Type.Integer({ minimum: 20, maximum: 1000, default: 100 }),
        /** No exam may set a contact-force cap above this, N. */
        hardMaxForceN: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 40 }),
        /** Probe speed limit, mm/s. */
        maxSpeedMmS: Type.Number({ exclusiveMinimum: 0, maximum: 250, default: 50 }),
        /** No arm telemetry for this long → faulted, ms (≥ 2 telemetry periods). */
        telemetryTimeoutMs: Type.Integer({ minimum: 20, maximum: 1000, default: 50 }),
        /** Workspace box around the couch, arm base frame, mm; the supervisor's default (600 × 400 × 300) when absent. */
        workspace: Type.Optional(Type.Object({
          min: Type.Object({ x: Type.Number(), y: Type.Number(), z: Type.Number() }, { additionalProperties: false }),
          max: Type.Object({ x: Type.Number(), y: Type.Number(), z: Type.Number() }, { additionalProperties: false }),
        }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    )),
    /** vitals-mqtt: no message from the monitor for this long → device faulted (monitor gone), ms; 5000 when absent. */
    silenceMs: Type.Optional(Type.Integer({ minimum: 500, maximum: 600_000 })),
    /** hl7-mllp: listen address; 127.0.0.1 when absent. Off loopback it needs allowAddresses. */
    listenHost: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    /** hl7-mllp: TCP port of the MLLP listener (0 picks a free one). Required for hl7-mllp. */
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    /** hl7-mllp: peer IP addresses allowed to connect (the monitors' fixed addresses); absent or []: any. */
    allowAddresses: Type.Optional(Type.Array(Type.String({ minLength: 2, maxLength: 64 }), { maxItems: 256 })),
    /** hl7-mllp: MSH-3 sending applications allowed (namespace id, or the whole HD as sent); absent or []: any. */
    allowApplications: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 227 }), { maxItems: 256 })),
    /** hl7-mllp: open connections, all senders; 32 when absent. */
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
    /** hl7-mllp: open connections per peer address; 8 when absent. */
    maxConnectionsPerAddress: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
    /** hl7-mllp: largest MLLP block, bytes; 1 MiB when absent (a larger one is dropped, TM_ERR_MLLP_OVERFLOW). */
    maxMessageBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 16_777_216 })),
    /** hl7-mllp: close a connection that sent no byte for this long, ms; 300000 when absent, 0 never. */
    idleTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    /** gps-nmea: the hospital, for the ETA (WGS 84 degrees); with `route` its last point is used instead. */
    destination: Type.Optional(Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false })),
    /** gps-nmea: the road to the hospital as a polyline ending there; the ETA then goes along it. */
    route: Type.Optional(Type.Array(Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false }), { minItems: 2, maxItems: 100_000 })),
    /** gps-nmea: no byte from the receiver for this long → reopen the port, ms; 5000 when absent. */
    watchdogMs: Type.Optional(Type.Integer({ minimum: 500, maximum: 600_000 })),
    /** gps-nmea: no measured fix for this long → technical alarm TM_ALARM_GPS_NO_FIX, ms; 3000 when absent. */
    noFixMs: Type.Optional(Type.Integer({ minimum: 500, maximum: 600_000 })),
  },
  { additionalProperties: false },
);

/** The gateway configuration (docs/CONTRACTS.md), with defaults and units. */
export const GatewayConfigSchema = Type.Object(
  {
    gatewayId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    siteKind: Type.Union([Type.Literal('clinic'), Type.Literal('ambulance')], { default: 'clinic' }),
    siteName: Type.String({ maxLength: 200, default: '' }),
    hub: Type.Object(
      {
        url: Type.String({ pattern: '^wss?://', default: 'ws://127.0.0.1:8080/uplink' }),
        credential: Type.String({ minLength: 1 }),
        /**
         * PEM files for wss:// (`telemed pki gateway` makes them): `ca` is the ONLY CA trusted for the
         * hub's certificate (not the system store), `cert`/`key` the client certificate presented.
         * Required with wss://; null with ws://.
         */
        tls: Type.Union([Type.Null(), Type.Object({
          ca: Type.String({ minLength: 1 }),
          cert: Type.String({ minLength: 1 }),
          key: Type.String({ minLength: 1 }),
        }, { additionalProperties: false })], { default: null }),
        /** Allow ws:// (no TLS) to a hub that is not on loopback. Default false. */
        allowInsecure: Type.Boolean({ default: false }),
        /**
         * The hub's diagnosis signing public key (SPKI PEM file, `hub-signing.pub`): diagnoses are
         * shown as signed only when they verify against it. null: shown "not verifiable".
         */
        signingPublicKey: Type.Union([Type.Null(), Type.String({ minLength: 1 })], { default: null }),
      },
      { additionalProperties: false },
    ),
    host: Type.String({ default: '127.0.0.1' }),
    /** The local API's protection (gateway/api-guard.ts). */
    api: Type.Object(
      {
        /** Per-install token for state changes (≥ 16 chars); null: a random one per start, read by the page from GET /api/token. Required with remoteAuth. */
        token: Type.Union([Type.Null(), Type.String({ minLength: 16, maxLength: 256 })], { default: null }),
        /** Host names, besides loopback ones, the clinic page may be reached by (Host and Origin checks). */
        allowedHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+$' }), { default: [], maxItems: 64 }),
        /** Every /api and /live request needs the token (not only state changes). Required for a non-loopback `host`. */
        remoteAuth: Type.Boolean({ default: false }),
        /**
         * The local API speaks plain HTTP (the clinic page runs on this PC, over loopback); a
         * non-loopback `host` also needs this, to say a TLS proxy in front protects it. Default false.
         */
        allowInsecure: Type.Boolean({ default: false }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Local API port; 0 picks a free one. */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8090 }),
    dataDir: Type.String({ default: './.data/gateway' }),
    devices: Type.Array(Device, { default: [] }),
    classes: Type.Object(
      {
        control: ClassBudget(CLASS_DEFAULTS.control.budgetMs),
        alarm: ClassBudget(CLASS_DEFAULTS.alarm.budgetMs),
        vitals: ClassBudget(CLASS_DEFAULTS.vitals.budgetMs),
        waveform: ClassBudget(CLASS_DEFAULTS.waveform.budgetMs),
        video: ClassBudget(CLASS_DEFAULTS.video.budgetMs),
        bulk: ClassBudget(CLASS_DEFAULTS.bulk.budgetMs),
      },
      { default: {}, additionalProperties: false },
    ),
    reconnect: Type.Object(
      {
        /** First retry delay, ms. */
        initialMs: Type.Integer({ minimum: 1, default: 250 }),
        /** Longest retry delay, ms; also the retry delay after a refused credential. */
        maxMs: Type.Integer({ minimum: 1, default: 10_000 }),
        /** Fraction of the delay taken off at random (0 = none, 1 = anywhere in [0, delay]). */
        jitter: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
      },
      { default: {}, additionalProperties: false },
    ),
    uplink: Type.Object(
      {
        /** Clock-sync ping period, ms (SESSION.md §3: 1 s). */
        pingIntervalMs: Type.Integer({ minimum: 10, default: 1000 }),
        /** Close an authenticating connection with no HelloAck after this, ms. */
        helloTimeoutMs: Type.Integer({ minimum: 10, default: 5000 }),
        /** Don't write to the socket while ws's bufferedAmount is above this, bytes. */
        maxBufferedBytes: Type.Integer({ minimum: 1024, default: 256 * 1024 }),
        /**
         * scheduled: per-class scheduler with deadlines, pacing under the estimated bottleneck rate
         * and a tight socket-buffer bound (DESIGN.md §3). fifo: one unpaced first-in first-out queue,
         * the baseline for comparisons (bench/uplink). strict and shaped are ablations for the
         * benchmarks, not for deployment: the same scheduler unpaced (strict), or behind a fixed
         * token bucket at `shapedRateBps` (shaped).
         */
        mode: Type.Union([Type.Literal('scheduled'), Type.Literal('fifo'), Type.Literal('strict'), Type.Literal('shaped')], { default: 'scheduled' }),
        /** `shaped` mode only: the fixed shaping rate, bits/s. */
        shapedRateBps: Type.Optional(Type.Integer({ minimum: 8000 })),
      },
      { default: {}, additionalProperties: false },
    ),
    outbox: Type.Object(
      {
        /** Byte cap of the durable outbox; append fails with TM_ERR_OUTBOX_FULL past it. */
        maxBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
        /** sqlite: `<dataDir>/outbox.db`, survives restarts (fsynced before the device is told);
         * memory: survives reconnects only (tests, diskless demos). */
        kind: Type.Union([Type.Literal('sqlite'), Type.Literal('memory')], { default: 'sqlite' }),
        /** Durable device readings are committed together within this window, ms (0 = each alone). */
        groupCommitMs: Type.Number({ minimum: 0, maximum: 1000, default: 2 }),
        /**
         * Acked durable frames are kept this long after the ack, ms, so a hub restored from a backup
         * gets them again (SESSION.md §1a). Default 86 400 000 (24 h): a hub restored from last
         * night's backup costs no data. 0 = deleted at the ack. The send/ack path costs no more with
         * it on (`bench/outbox.ts --retained`), nor does the tunnel's drain (bench:uplink tunnel,
         * 60 s outage, interleaved on a quiet machine: 1.12 and 1.15 × the floor on, 1.08 and 1.22
         * off; gateway/README.md "Hub rollback without loss").
         */
        retainAckedMs: Type.Integer({ minimum: 0, default: 24 * 3600 * 1000 }),
        /** Cap on the bytes of acked frames kept (oldest pruned first); not part of `maxBytes`. Default 256 MiB. */
        retainAckedBytes: Type.Integer({ minimum: 0, default: 256 * 1024 * 1024 }),
      },
      { default: {}, additionalProperties: false },
    ),
    live: Type.Object(
      {
        /** A /live socket with more than this buffered is dropped, bytes. */
        maxBufferedBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
      },
      { default: {}, additionalProperties: false },
    ),
    ecg: Type.Object(
      {
        /** manual: the doctor reviews the preview and presses Send; auto: queued as soon as analysed. */
        send: Type.Union([Type.Literal('manual'), Type.Literal('auto')], { default: 'manual' }),
        /** Folder of ECG files exported by carts, imported once and moved to done/ or failed/; null = off. */
        watchDir: Type.Union([Type.String(), Type.Null()], { default: null }),
        /** Poll period of watchDir, ms. */
        watchIntervalMs: Type.Integer({ minimum: 50, default: 1000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Vital signs: edge alarm limits and the recorded waveform copy (gateway/vitals, docs/CONTRACTS.md). */
    vitals: VitalsConfigSchema,
    /** Static files of the clinic page; null = <repo>/dist/dashboards/site. */
    dashboardsDir: Type.Union([Type.String(), Type.Null()], { default: null }),
  },
  { additionalProperties: false },
);

export type GatewayConfig = DeepReadonly<Static<typeof GatewayConfigSchema>>;
export type GatewayConfigInput = unknown;
export type DeviceConfig = GatewayConfig['devices'][number];

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function problemsOf(schema: TSchema, value: unknown): string[] {
  const out: string[] = [];
  for (const e of Value.Errors(schema, value)) out.push(`${e.path || '/'}: ${e.message}`);
  return out;
}

/**
 * Validates a raw (parsed JSON) config once, fills defaults and deep-freezes it. Throws a
 * ConfigError (TM_ERR_CONFIG) that lists every problem, not just the first. Never reads the
 * environment: the entry point does that.
 */
export function loadGatewayConfig(raw: unknown): GatewayConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(['/: config must be a JSON object']);
  }
  const withDefaults = Value.Default(GatewayConfigSchema, structuredClone(raw));
  const problems = problemsOf(GatewayConfigSchema, withDefaults);
  const cfg = withDefaults as Static<typeof GatewayConfigSchema>;
  if (problems.length === 0) {
    if (cfg.reconnect.initialMs > cfg.reconnect.maxMs) problems.push('/reconnect: initialMs must not exceed maxMs');
    // Issue 12 item 9: the clinic page's API must not be reachable off the PC without auth.
    if (!isLoopbackHost(cfg.host) && !cfg.api.remoteAuth) problems.push(`/host: ${API_UNSAFE_BIND}: "${cfg.host}" is not loopback; set api.remoteAuth (every request then needs the install token) or listen on 127.0.0.1`);
    if (!isLoopbackHost(cfg.host) && !cfg.api.allowInsecure) problems.push(`/host: ${INSECURE_BIND}: "${cfg.host}" is not loopback and the local API has no TLS; put a TLS proxy in front and set api.allowInsecure, or listen on 127.0.0.1`);
    problems.push(...hubLinkProblems(cfg.hub));
    if (cfg.api.remoteAuth && cfg.api.token === null) problems.push('/api/token: api.remoteAuth needs a configured token (the operator gives it to the page)');
    problems.push(...vitalsConfigProblems(cfg.vitals));
    if (cfg.uplink.mode === 'shaped' && cfg.uplink.shapedRateBps === undefined) problems.push('/uplink: mode "shaped" needs shapedRateBps');
    const ids = new Set<string>();
    for (const d of cfg.devices) {
      if (ids.has(d.id)) problems.push(`/devices: duplicate device id "${d.id}"`);
      if (d.kind === 'ecg-cart' && d.path === undefined) problems.push(`/devices: ecg-cart "${d.id}" needs a path`);
      if (d.kind === 'gps-nmea' && d.path === undefined) problems.push(`/devices: gps-nmea "${d.id}" needs a path`);
      if (d.kind === 'ultrasound-arm' && d.arm === undefined) problems.push(`/devices: ultrasound-arm "${d.id}" needs arm.url`);
      if (d.kind === 'hl7-mllp' && d.port === undefined) problems.push(`/devices: hl7-mllp "${d.id}" needs a port`);
      // MLLP has no authentication: off loopback only towards listed monitor addresses.
      if (d.kind === 'hl7-mllp' && !isLoopbackHost(d.listenHost ?? '127.0.0.1') && (d.allowAddresses ?? []).length === 0) {
        problems.push(`/devices: hl7-mllp "${d.id}": TM_ERR_MLLP_UNSAFE_BIND: listenHost "${d.listenHost ?? ''}" is not loopback; list the monitors in allowAddresses or listen on 127.0.0.1`);
      }
      // The embedded MQTT broker takes vitals from anyone who can reach it: off loopback only with a monitor password.
      if (d.kind === 'vitals-mqtt' && (d.mqtt?.url ?? null) === null && !isLoopbackHost(d.mqtt?.host ?? '127.0.0.1') && d.mqtt?.monitorPassword === undefined) {
        problems.push(`/devices: vitals-mqtt "${d.id}": TM_ERR_VITALS_BROKER_UNSAFE_BIND: embedded broker on "${d.mqtt?.host ?? ''}" is not loopback; set mqtt.monitorPassword or listen on 127.0.0.1`);
      }
      for (const lead of d.liveLeads ?? []) {
        if (!(CART_LEADS as readonly string[]).includes(lead)) problems.push(`/devices: ecg-cart "${d.id}" liveLeads has "${lead}", not one of ${CART_LEADS.join(' ')}`);
      }
      ids.add(d.id);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(cfg);
}
