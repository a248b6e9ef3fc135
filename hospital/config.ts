import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { HospitalError, HospitalErrorCode } from './errors.js';

/** A site (clinic, ambulance base) name: what users are members of. */
const SiteId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' });

const ScryptHash = Type.String({ pattern: '^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$' });

/** One enrolled gateway. Only the hash of its credential is kept. */
const GatewayEntry = Type.Object({
  /** Gateway id as sent in Hello.gateway_id. */
  id: Type.String({ minLength: 1, maxLength: 128 }),
  /** `scrypt$N$r$p$saltB64$hashB64` of the gateway credential (hospital/auth/password.ts). */
  secretHash: ScryptHash,
  /**
   * The clinic or site the gateway serves (clinic isolation, hospital/auth/access.ts): users see a
   * gateway's vitals, alarms and records only when this site is in their `sites`. Default: the
   * gateway's own id (a site of its own).
   */
  site: Type.Optional(SiteId),
}, { additionalProperties: false });

const Role = Type.Union([Type.Literal('clinician'), Type.Literal('specialist'), Type.Literal('admin')]);

/** One person who may log in to the hub. */
const UserEntry = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  role: Role,
  /** `scrypt$...` hash of the password. */
  passwordHash: ScryptHash,
  /**
   * Sites this person works for: a clinician's own clinic(s), the sites a specialist reads for.
   * Required (non-empty) for clinicians and specialists; `["*"]` (specialists only) means every
   * site. Admins see every site and need none.
   */
  sites: Type.Optional(Type.Array(Type.Union([SiteId, Type.Literal('*')]), { maxItems: 4096 })),
}, { additionalProperties: false });

const Throttle = Type.Object({
  /** Wrong passwords per username, and per client address, before logins are held back. Default 5. */
  freeFailures: Type.Integer({ minimum: 1, default: 5 }),
  /** First hold after `freeFailures`, doubled by each further failure, ms. Default 1000. */
  baseLockMs: Type.Integer({ minimum: 1, default: 1000 }),
  /** Longest hold, ms. Default 15 min. */
  maxLockMs: Type.Integer({ minimum: 1, default: 900_000 }),
  /** Failures are forgotten this long after the last one, ms. Default 1 h. */
  forgetAfterMs: Type.Integer({ minimum: 1, default: 3_600_000 }),
}, { additionalProperties: false, default: {} });

const Auth = Type.Object({
  throttle: Throttle,
  /** A /live ticket (POST /api/live-ticket) must be used within this, ms. Default 30 s. */
  liveTicketTtlMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 30_000 }),
  /** Open /live sockets are re-checked against the current user table this often, ms. Default 5 s. */
  liveRecheckMs: Type.Integer({ minimum: 10, default: 5000 }),
}, { additionalProperties: false, default: {} });

const Teleop = Type.Object({
  /** Lifetime of an arm lease per grant or renewal, ms; the gateway refuses more than 15 min. Default 10 min. */
  leaseTtlMs: Type.Integer({ minimum: 1000, maximum: 900_000, default: 600_000 }),
  /** Telemetry to a /teleop socket holding more unsent bytes than this waits (newest wins), bytes. Default 64 KiB. */
  maxBufferedBytes: Type.Integer({ minimum: 1024, default: 65_536 }),
}, { additionalProperties: false, default: {} });

const Metrics = Type.Object({
  /**
   * Bearer token GET /metrics requires (`Authorization: Bearer TOKEN`), ≥ 16 characters. null:
   * loopback peers only, and never a proxied request (one carrying Forwarded / X-Forwarded-For).
   */
  token: Type.Union([Type.Null(), Type.String({ minLength: 16, maxLength: 256 })], { default: null }),
}, { additionalProperties: false, default: {} });

const Ecg = Type.Object({
  /** A claim with no diagnosis after this goes back to the worklist, ms. Default 30 min. */
  claimTimeoutMs: Type.Integer({ minimum: 1000, default: 1_800_000 }),
  /** Relay frames the gateway has not acked are retried this often, ms. Default 10 s. */
  relayRetryMs: Type.Integer({ minimum: 10, default: 10_000 }),
  /**
   * Ed25519 private key (PKCS#8 PEM) that signs diagnoses, e.g. from `telemed pki signing-key`.
   * null: `<dataDir>/hub-signing.key`, created (0600) on first start with `hub-signing.pub`.
   */
  signingKeyFile: Type.Union([Type.Null(), Type.String({ minLength: 1 })], { default: null }),
}, { additionalProperties: false, default: {} });

/** InfluxDB v2 write target of the time-series writer (hospital/timeseries; README "Time series"). */
const Influx = Type.Object({
  /** Base URL, e.g. http://127.0.0.1:8086 (no /api/v2). */
  url: Type.String({ minLength: 1, pattern: '^https?://' }),
  /** API token with write access to `bucket`. Never logged. */
  token: Type.String({ minLength: 1 }),
  org: Type.String({ minLength: 1 }),
  bucket: Type.String({ minLength: 1 }),
  /** One write request's timeout, ms. Default 10 000. */
  timeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Most points per write request. Default 5000. */
  batchPoints: Type.Integer({ minimum: 1, maximum: 100_000, default: 5000 }),
  /** First retry delay after a failed write, ms, doubled per failure. Default 500. */
  retryInitialMs: Type.Integer({ minimum: 1, default: 500 }),
  /** Longest retry delay, ms. Default 30 000. */
  retryMaxMs: Type.Integer({ minimum: 1, default: 30_000 }),
  /** With nothing new, the writer looks at records.db again after this, ms. Default 1000. */
  idleMs: Type.Integer({ minimum: 10, default: 1000 }),
}, { additionalProperties: false });

const Limits = Type.Object({
  /** Largest uplink frame accepted, bytes. Default 1 MiB. */
  maxFrameBytes: Type.Integer({ minimum: 64, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
  /** Longest id string in a frame, characters. Default 128. */
  maxIdLength: Type.Integer({ minimum: 1, maximum: 4096, default: 128 }),
  /** Most elements of any repeated field. Default 65 536. */
  maxRepeated: Type.Integer({ minimum: 1, maximum: 16_777_216, default: 65_536 }),
}, { additionalProperties: false, default: {} });

const Live = Type.Object({
  /** A /live socket whose unsent bytes exceed this is closed (4429). Bytes, default 1 MiB. */
  maxBufferedBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
  /** Least interval between two `gateway` updates of one gateway, ms. Default 500. */
  gatewayUpdateMs: Type.Integer({ minimum: 10, default: 500 }),
  /** Most concurrent /live sockets; more are refused. Default 256. */
  maxClients: Type.Integer({ minimum: 1, default: 256 }),
}, { additionalProperties: false, default: {} });

const Uplink = Type.Object({
  /** A connection that sends no Hello within this is closed 4408, ms. Default 5000. */
  helloTimeoutMs: Type.Integer({ minimum: 10, default: 5000 }),
  /** Interval of the hub's clock-sync pings to each gateway, ms. Default 1000. */
  pingIntervalMs: Type.Integer({ minimum: 10, default: 1000 }),
  /** Longest an ack waits to be batched, ms. Default 10. */
  ackDelayMs: Type.Integer({ minimum: 0, default: 10 }),
  /** Frames per ack batch (and per store transaction). Default 64. */
  ackMaxFrames: Type.Integer({ minimum: 1, default: 64 }),
  /** Durable frames waiting for the store before the socket is paused. Default 4096. */
  maxPendingFrames: Type.Integer({ minimum: 1, default: 4096 }),
  /** Open /uplink sockets per client address; more are closed 1013 TM_ERR_TOO_MANY_CONNECTIONS. Default 16. */
  maxConnectionsPerAddress: Type.Integer({ minimum: 1, default: 16 }),
  /** Gateway credentials verified (scrypt) at once. Default 2. */
  maxConcurrentHelloChecks: Type.Integer({ minimum: 1, default: 2 }),
  /** Hellos waiting for a verification slot; more are refused 1013 TM_ERR_BUSY. Default 16. */
  maxQueuedHelloChecks: Type.Integer({ minimum: 0, default: 16 }),
  /** Downlink frames are refused while the socket has more unsent bytes than this. Default 4 MiB. */
  maxBufferedBytes: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
  /** More bad frames than this within `badFrameWindowMs` close the session (4400). Default 100. */
  badFrameLimit: Type.Integer({ minimum: 1, default: 100 }),
  /** Window for `badFrameLimit`, ms. Default 10 000. */
  badFrameWindowMs: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Hub → gateway: `scheduled` (classes, deadlines, pacing) or `fifo` (one unpaced queue: the bench:uplink baseline). */
  downlinkMode: Type.Union([Type.Literal('scheduled'), Type.Literal('fifo')], { default: 'scheduled' }),
}, { additionalProperties: false, default: {} });

/** PEM files of the hub's TLS (`telemed pki hub` makes them). Paths are read at start. */
const Tls = Type.Object({
  /** Server certificate (hub.pem); its SANs must name the host gateways dial. */
  cert: Type.String({ minLength: 1 }),
  /** Its PKCS#8 private key (hub.key). */
  key: Type.String({ minLength: 1 }),
  /** The enrolment CA (ca.pem): gateway client certificates must chain to it. */
  ca: Type.String({ minLength: 1 }),
  /** /uplink refuses a gateway without a client certificate of `ca` (the console never asks for one). Default true. */
  requireClientCert: Type.Boolean({ default: true }),
}, { additionalProperties: false });

/** Hospital hub configuration (docs/CONTRACTS.md). Every field has a default. */
export const HospitalConfigSchema = Type.Object({
  /** Listen address. Default 127.0.0.1. */
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** HTTPS + wss:// with mutual TLS on /uplink; null: plain HTTP, loopback only unless allowInsecure. Default null. */
  tls: Type.Union([Type.Null(), Tls], { default: null }),
  /** Allow listening off loopback without TLS (behind a TLS-terminating proxy you trust). Default false. */
  allowInsecure: Type.Boolean({ default: false }),
  /** Listen port; 0 picks a free one. Default 8080. */
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  /** Directory of records.db. Default ./.data/hospital. */
  dataDir: Type.String({ minLength: 1, default: './.data/hospital' }),
  gateways: Type.Array(GatewayEntry, { default: [] }),
  users: Type.Array(UserEntry, { default: [] }),
  /** Login session lifetime, ms. Default 12 h. */
  sessionTtlMs: Type.Integer({ minimum: 1000, default: 43_200_000 }),
  /** InfluxDB v2 target; null disables time-series writing. Default null. */
  influx: Type.Union([Type.Null(), Influx], { default: null }),
  limits: Limits,
  live: Live,
  uplink: Uplink,
  auth: Auth,
  metrics: Metrics,
  ecg: Ecg,
  /** Arm teleoperation (hospital/teleop). */
  teleop: Teleop,
  /** Built console to serve at `/`; null means <repo>/dist/dashboards/console. */
  dashboardsDir: Type.Union([Type.Null(), Type.String({ minLength: 1 })], { default: null }),
}, { additionalProperties: false });

type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export type HospitalConfig = DeepReadonly<Static<typeof HospitalConfigSchema>>;
export type Role = Static<typeof Role>;
export const ROLES: readonly Role[] = ['clinician', 'specialist', 'admin'];

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const inner of Object.values(v)) deepFreeze(inner);
    Object.freeze(v);
  }
  return v;
}

/** 127.0.0.0/8, ::1 and localhost; 0.0.0.0 and :: (every interface) are not. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/** Clinic isolation: every non-admin names sites, and only sites some gateway serves. */
function membershipProblems(cfg: Static<typeof HospitalConfigSchema>): string[] {
  const known = new Set(cfg.gateways.map((g) => g.site ?? g.id));
  const out: string[] = [];
  cfg.users.forEach((u, i) => {
    const sites = u.sites ?? [];
    if (u.role === 'admin') {
      if (sites.some((s) => s !== '*')) out.push(`/users/${i}/sites: an admin sees every site; leave sites out or use ["*"]`);
      return;
    }
    if (sites.length === 0) out.push(`/users/${i}/sites: a ${u.role} needs the sites they work for`);
    if (u.role === 'clinician' && sites.includes('*')) out.push(`/users/${i}/sites: "*" (every site) is for specialists and admins only`);
    for (const s of sites) if (s !== '*' && !known.has(s)) out.push(`/users/${i}/sites: no gateway serves site "${s}"`);
  });
  return out;
}

/**
 * Validates a raw (parsed JSON) hospital config once, fills defaults and returns a deep-frozen copy.
 * Throws TM_ERR_CONFIG whose message lists every problem found, one per line.
 */
export function loadHospitalConfig(raw: unknown): HospitalConfig {
  const input: unknown = raw === undefined ? {} : structuredClone(raw);
  const value: unknown = Value.Default(HospitalConfigSchema, input);
  const problems = [...Value.Errors(HospitalConfigSchema, value)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (problems.length === 0) {
    const cfg = value as Static<typeof HospitalConfigSchema>;
    for (const id of duplicates(cfg.gateways.map((g) => g.id))) problems.push(`/gateways: duplicate gateway id "${id}"`);
    for (const u of duplicates(cfg.users.map((x) => x.username))) problems.push(`/users: duplicate username "${u}"`);
    problems.push(...membershipProblems(cfg));
    // Issue 12 item 6: nothing off this machine talks to the hub in the clear unless the operator says so.
    if (cfg.tls === null && !cfg.allowInsecure && !isLoopbackHost(cfg.host)) {
      problems.push(`/host: ${HospitalErrorCode.INSECURE_BIND}: "${cfg.host}" is not loopback and tls is not configured; set tls (telemed pki hub) or allowInsecure: true`);
    }
  }
  if (problems.length > 0) {
    throw new HospitalError(HospitalErrorCode.CONFIG, `invalid hospital config (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
  }
  return deepFreeze(value as HospitalConfig);
}
