import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hashSecret } from '../../hospital/auth/password.js';
import { SIGNING_PUBLIC_KEY_FILE } from '../../hospital/ecg/diagnosis-signature.js';
import { ensurePki } from '../../hospital/pki/files.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { startLink, type LinkEmulator } from '../../simulators/link/index.js';
import { processLogger, untilSignal } from './common.js';
import { ambulanceEquipment, type AmbulanceEquipment } from './demo-ambulance.js';
import { clinicEquipment, type ClinicEquipment } from './demo-clinic.js';
import { requireSocat } from './demo-pty.js';
import { HubSupervisor } from './hub-supervisor.js';

const HELP = `usage: telemed demo [options]

Runs the whole system on this machine with embedded defaults: the hospital hub (as a child
process, restarted if it dies), a clinic gateway and an ambulance gateway with simulated devices,
each talking to the hub through its own 5G link emulator. The clinic's 18-lead ECG cart simulator
sits on a pty read by the gateway's real cart driver and takes a 10 s record about every minute
(the first ~13 s after start), analysed at the edge and sent to the hub's worklist. The ambulance
carries a patient monitor on its embedded MQTT broker, the same patient's monitor sending HL7
PCD-01 over MLLP, and a GPS on a pty driving to the county hospital. The ptys are made by socat
(apt-get install -y socat): without it the demo stops at once with TM_ERR_DEMO_SOCAT_MISSING. Everything runs over TLS: a CA, a hub
certificate and one client certificate per gateway are made in <data-dir>/pki on first start
(telemed pki's code) and kept; trust <data-dir>/pki/ca/ca.pem in your browser, or accept the warning.

options:
  --port N               hospital console port (default 8080)
  --clinic-port N        clinic gateway page port (default 8091)
  --ambulance-port N     ambulance gateway page port (default 8092)
  --clinic-profile P     link profile for the clinic (default rural-5g)
  --ambulance-profile P  link profile for the ambulance (default urban-5g)
  --seed N               link emulator and patient scenario seed (default 1)
  --scenario S           the ambulance patient: stable|sepsis|hypoxia|vt-arrest|probe-off|monitor-reboot
                         (default hypoxia: SpO2 falls under 90 % about 70 s after the start)
  --scenario-speed X     scenario time compression, waveform rates kept (default 2)
  --cart-every S         seconds between the clinic cart's records (default 60, at least 15)
  --data-dir DIR         where databases and logs go (default ./.data/demo)
  --no-restart           do not restart the hub when it exits`;

export const DEMO_USERS = [
  // Clinic isolation (hospital/auth/access.ts): the clinician works at the village clinic only; the
  // specialist reads for every site; the admin sees everything.
  { username: 'clinician', password: 'clinician-demo', role: 'clinician', sites: ['clinic-1'] },
  { username: 'specialist', password: 'specialist-demo', role: 'specialist', sites: ['*'] },
  { username: 'admin', password: 'admin-demo', role: 'admin', sites: ['*'] },
] as const;

export async function demoCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8080' },
      'clinic-port': { type: 'string', default: '8091' },
      'ambulance-port': { type: 'string', default: '8092' },
      'clinic-profile': { type: 'string', default: 'rural-5g' },
      'ambulance-profile': { type: 'string', default: 'urban-5g' },
      seed: { type: 'string', default: '1' },
      scenario: { type: 'string', default: 'hypoxia' },
      'scenario-speed': { type: 'string', default: '2' },
      'cart-every': { type: 'string', default: '60' },
      'data-dir': { type: 'string', default: '.data/demo' },
      'no-restart': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) { process.stdout.write(HELP + '\n'); return; }
  const host = '127.0.0.1';
  const dataDir = resolve(values['data-dir']);
  const logDir = join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const hubPort = Number(values.port);
  const seed = Number(values.seed);
  const speed = Number(values['scenario-speed']);
  if (!(speed > 0 && speed <= 100)) throw new Error('--scenario-speed must be in (0, 100]');
  const cartEveryS = Number(values['cart-every']);
  // A record lasts 10 s; the next one needs the cart free again.
  if (!(cartEveryS >= 15 && cartEveryS <= 3600)) throw new Error('--cart-every must be in [15, 3600] seconds');
  // Before anything starts: the cart and the GPS are serial devices on socat ptys.
  requireSocat();

  const sites = [
    { id: 'clinic-1', kind: 'clinic', name: 'Xiaozhuang village clinic', port: Number(values['clinic-port']), profile: values['clinic-profile'] },
    { id: 'amb-1', kind: 'ambulance', name: 'Ambulance 120-07', port: Number(values['ambulance-port']), profile: values['ambulance-profile'] },
  ] as const;
  // Fresh per-run gateway secrets: only their hashes go into the hub's config file.
  const secrets = new Map(sites.map((s) => [s.id, randomBytes(24).toString('base64url')]));

  // Issue 12 item 6: the demo runs as production should, with TLS and a client certificate per gateway.
  const pki = await ensurePki(join(dataDir, 'pki'), [host, 'localhost'], sites.map((s) => s.id));
  const hubConfig = {
    host, port: hubPort, dataDir: join(dataDir, 'hospital'),
    tls: { ...pki.hub, requireClientCert: true },
    gateways: await Promise.all(sites.map(async (s) => ({ id: s.id, secretHash: await hashSecret(secrets.get(s.id) ?? '') }))),
    users: await Promise.all(DEMO_USERS.map(async (u) => ({ username: u.username, role: u.role, sites: [...u.sites], passwordHash: await hashSecret(u.password) }))),
  };
  const hubConfigFile = join(dataDir, 'hospital.json');
  await writeFile(hubConfigFile, JSON.stringify(hubConfig, null, 2), { mode: 0o600 });

  const log = processLogger('demo', join(logDir, 'demo.log'));
  const hub = new HubSupervisor({
    configFile: hubConfigFile, url: `https://${host}:${hubPort}`, logFile: join(logDir, 'hospital.log'), ca: await readFile(pki.caCert),
    restart: values['no-restart'] !== true,
    onEvent: (line) => process.stdout.write(`[demo] ${line}\n`),
  });
  // Ctrl-C from here on stops what has started (socat, simulators, the hub child) instead of
  // killing this process and leaving them behind; during start-up it takes effect once start-up ends.
  const stopRequested = untilSignal();
  await hub.start();

  const links: LinkEmulator[] = [];
  const gateways: { close(): Promise<void> }[] = [];
  let ambulance: AmbulanceEquipment | null = null;
  let clinic: ClinicEquipment | null = null;
  const shutdown = async (): Promise<void> => {
    await ambulance?.close().catch(() => undefined);
    await clinic?.close().catch(() => undefined);
    for (const g of gateways) await g.close().catch(() => undefined);
    for (const l of links) await l.close().catch(() => undefined);
    await hub.stop();
  };
  try {
    ambulance = await ambulanceEquipment({ host, dir: join(dataDir, 'amb-1', 'pty'), scenario: values.scenario, speed, seed, logger: log.child({ sim: 'amb-1' }) });
    clinic = await clinicEquipment({ dir: join(dataDir, 'clinic-1', 'pty'), seed, logger: log.child({ sim: 'clinic-1' }), recordEveryMs: cartEveryS * 1000 });
    for (const [i, s] of sites.entries()) {
      const link = await startLink({ targetHost: host, targetPort: hubPort, profile: s.profile, seed: seed + i, logger: log.child({ link: s.id }) });
      links.push(link);
      const config = loadGatewayConfig({
        gatewayId: s.id, siteKind: s.kind, siteName: s.name,
        // The link emulator relays TCP: TLS passes through it, end to end between gateway and hub.
        hub: {
          url: `wss://${host}:${link.port}/uplink`, credential: secrets.get(s.id), tls: pki.gateways.get(s.id),
          // Issue 12 item 11: enrolled with the hub's Ed25519 diagnosis key (made by the hub at its first start).
          signingPublicKey: join(dataDir, 'hospital', SIGNING_PUBLIC_KEY_FILE),
        },
        host, port: s.port, dataDir: join(dataDir, s.id),
        // Issue 10 item 7: the ambulance runs its simulated monitors and GPS, the clinic its ECG
        // cart, through the real drivers.
        devices: s.kind === 'ambulance' ? ambulance.devices : clinic.devices,
        // The cart's records go up once analysed (no doctor pressing Send), so the worklist fills.
        ...(s.kind === 'clinic' ? { ecg: { send: 'auto' } } : {}),
      });
      gateways.push(await startGateway(config, { logger: processLogger(s.id, join(logDir, `${s.id}.log`)) }));
    }
    await ambulance.start();
    await clinic.start();
  } catch (err) {
    await shutdown();
    throw err;
  }

  const out = [
    '',
    'telemed demo is running',
    '',
    `  hospital console   https://${host}:${hubPort}/`,
    `  TLS CA             ${pki.caCert}   (self-signed: trust it in the browser, or accept the warning)`,
    ...sites.map((s, i) => `  ${s.kind.padEnd(17)}  http://${host}:${s.port}/   (${s.id}, link ${s.profile} via 127.0.0.1:${links[i]?.port ?? '?'})`),
    `  hub metrics        https://${host}:${hubPort}/metrics`,
    '',
    '  clinic clinic-1:',
    ...clinic.lines,
    `  look at            https://${host}:${hubPort}/#/ecg  (the ECG worklist) and http://${host}:${sites[0].port}/  (the clinic's page: preview, findings)`,
    '',
    '  ambulance amb-1:',
    ...ambulance.lines,
    `  look at            https://${host}:${hubPort}/#/ambulances  (sign in as specialist: heart rate, SpO2, position, ETA)`,
    `                     http://${host}:${sites[1].port}/  (the crew's page: numerics, waveforms and alarms from the gateway itself)`,
    values.scenario === 'hypoxia' && speed >= 2
      ? `                     an SpO2 alarm reaches the board within two minutes (hypoxia x${speed}); acknowledge it there`
      : `                     alarms (the monitor's and the edge's) appear in the board's banner; acknowledge them there`,
    '',
    '  demo accounts (username / password):',
    ...DEMO_USERS.map((u) => `    ${u.username.padEnd(11)} / ${u.password.padEnd(16)} (${u.role})`),
    '',
    `  logs in ${logDir}`,
    `  hub pid ${hub.pid ?? '?'}: kill it and watch the gateways reconnect when it is restarted`,
    '  Ctrl-C stops everything',
    '',
  ];
  process.stdout.write(out.join('\n') + '\n');
  await stopRequested;
  process.stdout.write('[demo] stopping...\n');
  await shutdown();
  log.flush();
  process.stdout.write('[demo] stopped\n');
}
