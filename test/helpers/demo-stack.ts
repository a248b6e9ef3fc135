import { mkdtemp, rm } from 'node:fs/promises';
import { SIGNING_PUBLIC_KEY_FILE } from '../../hospital/ecg/diagnosis-signature.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { hashSecret } from '../../hospital/auth/password.js';
import { loadHospitalConfig } from '../../hospital/config.js';
import { ensurePki } from '../../hospital/pki/files.js';
import { startHospital } from '../../hospital/main.js';
import { ambulanceEquipment } from '../../bin/commands/demo-ambulance.js';
import { clinicEquipment } from '../../bin/commands/demo-clinic.js';
import { requireSocat } from '../../bin/commands/demo-pty.js';

/** One gateway of the demo stack. */
export interface DemoGateway {
  id: string;
  siteKind: 'clinic' | 'ambulance';
  siteName: string;
  /** http://127.0.0.1:PORT of the gateway's local API and site page. */
  url: string;
}

/** A running hub with two gateways, all on loopback port 0 with temporary data directories. */
export interface DemoStack {
  /** https://127.0.0.1:PORT of the hub (console at `/`); http:// with `tls: false`. */
  hubUrl: string;
  /** The CA of the hub's certificate (made at start), null with `tls: false`. */
  caFile: string | null;
  /** A specialist who can sign in to the console. */
  user: { username: string; password: string; role: 'specialist' };
  gateways: readonly DemoGateway[];
  /** Stops gateways, then the hub, then removes the data directories. Safe to call twice. */
  close(): Promise<void>;
}

export interface DemoStackOptions {
  /** Logger for all three processes; default a pino at `warn` so test output stays readable. */
  logger?: Logger;
  /** Built dashboards; default <repo>/dist/dashboards. */
  dashboardsDir?: string;
  /** HTTPS console and wss:// uplinks with mutual TLS, certificates made at start (default true). */
  tls?: boolean;
  /** The ambulance patient (simulators/vitals scenario, default `stable`) and its speed (default 1). */
  scenario?: string;
  scenarioSpeed?: number;
}

const DEFAULT_DASHBOARDS = fileURLToPath(new URL('../../dist/dashboards/', import.meta.url));

const SITES = [
  { id: 'clinic-1', siteKind: 'clinic', siteName: 'Xiaozhuang village clinic' },
  { id: 'amb-1', siteKind: 'ambulance', siteName: 'County ambulance 1' },
] as const;

/**
 * Starts hub + `clinic-1` + `amb-1` with the demo's equipment (bin/commands/demo-clinic.ts and
 * demo-ambulance.ts: the ECG cart on a socat pty, a record ~13 s after start then every minute; the
 * MQTT and HL7 monitors and the GPS) and returns their URLs and credentials. Needs socat.
 */
export async function startDemoStack(opts: DemoStackOptions = {}): Promise<DemoStack> {
  const logger = opts.logger ?? pino({ level: 'warn' });
  const dashboards = opts.dashboardsDir ?? DEFAULT_DASHBOARDS;
  const root = await mkdtemp(join(tmpdir(), 'telemed-demo-'));
  const closers: (() => Promise<void>)[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    // Reverse start order: gateways before the hub they talk to, files last.
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        logger.error({ err }, 'demo stack: close failed');
      }
    }
    await rm(root, { recursive: true, force: true });
  };

  try {
    requireSocat();
    const user = { username: 'dr.demo', password: 'demo-password-1', role: 'specialist' as const };
    const secrets = new Map(SITES.map((s) => [s.id, `secret-${s.id}-${Math.random().toString(36).slice(2)}`]));
    const pki = opts.tls === false ? null : await ensurePki(join(root, 'pki'), ['127.0.0.1', 'localhost'], SITES.map((s) => s.id));
    const hubConfig = loadHospitalConfig({
      host: '127.0.0.1',
      port: 0,
      ...(pki === null ? {} : { tls: { ...pki.hub, requireClientCert: true } }),
      dataDir: join(root, 'hospital'),
      gateways: await Promise.all(SITES.map(async (s) => ({ id: s.id, secretHash: await hashSecret(secrets.get(s.id) ?? '') }))),
      users: [{ username: user.username, role: user.role, sites: ['*'], passwordHash: await hashSecret(user.password) }],
      dashboardsDir: join(dashboards, 'console'),
    });
    const hub = await startHospital(hubConfig, { logger: logger.child({ proc: 'hub' }) });
    closers.push(() => hub.close());
    const hubWs = `${hub.url.replace(/^http/, 'ws').replace(/\/$/, '')}/uplink`;

    const clinic = await clinicEquipment({ dir: join(root, 'clinic-pty'), seed: 1, logger: logger.child({ sim: 'clinic-1' }) });
    closers.push(() => clinic.close());
    const ambulance = await ambulanceEquipment({
      host: '127.0.0.1', dir: join(root, 'amb-pty'), scenario: opts.scenario ?? 'stable', speed: opts.scenarioSpeed ?? 1, seed: 1, logger: logger.child({ sim: 'amb-1' }),
    });
    closers.push(() => ambulance.close());
    const gateways: DemoGateway[] = [];
    for (const s of SITES) {
      const cfg = loadGatewayConfig({
        gatewayId: s.id,
        siteKind: s.siteKind,
        siteName: s.siteName,
        hub: {
          url: hubWs, credential: secrets.get(s.id) ?? '', ...(pki === null ? {} : { tls: pki.gateways.get(s.id) }),
          signingPublicKey: join(root, 'hospital', SIGNING_PUBLIC_KEY_FILE),
        },
        host: '127.0.0.1',
        port: 0,
        dataDir: join(root, s.id),
        devices: s.siteKind === 'clinic' ? clinic.devices : ambulance.devices,
        ...(s.siteKind === 'clinic' ? { ecg: { send: 'auto' } } : {}),
        dashboardsDir: join(dashboards, 'site'),
      });
      const gw = await startGateway(cfg, { logger: logger.child({ proc: s.id }) });
      closers.push(() => gw.close());
      gateways.push({ ...s, url: gw.url.replace(/\/$/, '') });
    }
    await clinic.start();
    await ambulance.start();
    return { hubUrl: hub.url.replace(/\/$/, ''), caFile: pki?.caCert ?? null, user, gateways, close };
  } catch (err) {
    await close();
    throw err;
  }
}
