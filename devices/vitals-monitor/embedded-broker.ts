import { randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { MqttPacketGuard } from './packet-guard.js';
import { MAX_PAYLOAD_BYTES } from './schema.js';
import { TOPIC_ROOT } from './topics.js';

/** Largest MQTT packet the embedded broker reads: a payload at the driver's cap plus topic and header. */
export const MAX_PACKET_BYTES = MAX_PAYLOAD_BYTES + 4096;

// The ambulance's broker when no Mosquitto is configured: aedes in the gateway process, on
// loopback. Shared by every vitals-mqtt device configured with the same port (reference counted).
//
// Who may do what (checked on every CONNECT, PUBLISH and SUBSCRIBE):
// - the gateway's own client (user GATEWAY_USER, a random secret per process): subscribe, no publish;
// - a monitor: user = its monitor id and the configured password; it may publish only under
//   telemed/v1/monitors/<its id>/ (its will included), and subscribe to nothing, so one monitor
//   can neither read nor spoof another's vitals;
// - anonymous clients only when no monitor on this broker has a password: publish under
//   telemed/v1/monitors/ only (the demo default; loopback only).

export const GATEWAY_USER = 'telemed-gateway';

type Role = { kind: 'gateway' } | { kind: 'monitor'; monitorId: string } | { kind: 'anonymous' };

export interface EmbeddedBroker {
  readonly host: string;
  readonly port: number;
  /** Credentials of the gateway's own MQTT client. */
  readonly gatewayPassword: string;
  /** Registers a monitor's password (null: none). Returns the unregister function. */
  registerMonitor(monitorId: string, password: string | null): () => void;
  /** Drops this lease; the broker closes when the last one is released. */
  release(): Promise<void>;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface Shared {
  refs: number;
  readonly aedes: Aedes;
  readonly server: net.Server;
  readonly port: number;
  readonly secret: string;
  readonly monitors: Map<string, string | null>;
}

const brokers = new Map<string, Promise<Shared>>();

async function startShared(host: string, port: number, log: Logger): Promise<Shared> {
  const secret = randomBytes(24).toString('base64url');
  const monitors = new Map<string, string | null>();
  const roles = new WeakMap<Client, Role>();
  const aedes = await Aedes.createBroker({
    // [MQTT-3.1.2-*]: returnCode 4 = bad user name or password, 5 = not authorized.
    authenticate: (client, username, password, done) => {
      const pass = password?.toString('utf8') ?? '';
      if (username === GATEWAY_USER && sameSecret(pass, secret)) {
        roles.set(client, { kind: 'gateway' });
        return done(null, true);
      }
      if (username !== undefined && monitors.has(username)) {
        const want = monitors.get(username) ?? null;
        if (want === null || sameSecret(pass, want)) {
          roles.set(client, { kind: 'monitor', monitorId: username });
          return done(null, true);
        }
      } else if (username === undefined && ![...monitors.values()].some((p) => p !== null)) {
        roles.set(client, { kind: 'anonymous' });
        return done(null, true);
      }
      log.info({ code: 'TM_ERR_VITALS_BROKER_AUTH', clientId: client.id.slice(0, 64) }, 'embedded broker refused a client');
      const err = Object.assign(new Error('bad user name or password'), { returnCode: 4 });
      return done(err, false);
    },
    authorizePublish: (client, packet, done) => {
      const role = client === null ? undefined : roles.get(client);
      const topic = packet.topic;
      const ok = role?.kind === 'monitor' ? topic.startsWith(`${TOPIC_ROOT}/${role.monitorId}/`)
        : role?.kind === 'anonymous' ? topic.startsWith(`${TOPIC_ROOT}/`) : false;
      done(ok ? null : new Error('publish not authorized'));
    },
    authorizeSubscribe: (client, sub, done) => {
      const role = client === null ? undefined : roles.get(client);
      done(null, role?.kind === 'gateway' && sub.topic.startsWith(`${TOPIC_ROOT}/`) ? sub : null);
    },
  });
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const guard = new MqttPacketGuard(MAX_PACKET_BYTES);
    guard.on('error', (err) => {
      log.info({ code: 'TM_ERR_VITALS_BROKER_PACKET', detail: err.message }, 'embedded broker dropped a connection');
      socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    const conn = Duplex.from({ readable: socket.pipe(guard), writable: socket });
    socket.on('close', () => conn.destroy());
    aedes.handle(conn);
  });
  server.listen(port, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => { throw err as Error; })]);
  const bound = (server.address() as net.AddressInfo).port;
  log.info({ host, port: bound }, 'embedded MQTT broker (aedes) listening');
  return { refs: 0, aedes, server, port: bound, secret, monitors };
}

/**
 * The embedded broker on host:port, started on first use. Port 0 picks a free port once; every
 * device configured with port 0 then shares that broker.
 */
export async function acquireEmbeddedBroker(host: string, port: number, log: Logger): Promise<EmbeddedBroker> {
  const key = `${host}:${port}`;
  let p = brokers.get(key);
  if (p === undefined) {
    p = startShared(host, port, log);
    brokers.set(key, p);
    p.catch(() => brokers.delete(key));
  }
  const shared = await p;
  shared.refs += 1;
  let released = false;
  return {
    host,
    port: shared.port,
    gatewayPassword: shared.secret,
    registerMonitor: (monitorId, password) => {
      shared.monitors.set(monitorId, password);
      return () => { shared.monitors.delete(monitorId); };
    },
    release: async () => {
      if (released) return;
      released = true;
      shared.refs -= 1;
      if (shared.refs > 0) return;
      brokers.delete(key);
      await new Promise<void>((resolve) => shared.aedes.close(() => resolve()));
      await new Promise<void>((resolve) => shared.server.close(() => resolve()));
    },
  };
}
