// The stack bench:teleop-cut drives, all real and in this one process: the hub (hospital, /teleop
// relay, lease book), the 5G link emulator between the gateway and the hub, the gateway
// (startGateway: uplink, clock sync, the `ultrasound-arm` device behind its SafetySupervisor), a
// socat pty pair as the serial line, and the arm simulator with a tap on its end of the line.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { GATEWAY_SECRET } from '../../hospital/test-support.js';
import { startTeleopHub, TeleopBrowser, type TeleopHub } from '../../hospital/teleop/test-support.js';
import { getProfile, startLink, type LinkEmulator, type LinkProfile } from '../../simulators/link/index.js';
import { ArmSimulator } from '../../simulators/ultrasound-arm/arm-simulator.js';
import { openSerialWire } from '../../simulators/ultrasound-arm/wires.js';
import { makeTempDir, startPtyPair, type PtyPair } from '../../test/helpers/socat.js';
import { IpcChild } from '../ipc-child.js';
import { ArmTap } from './arm-tap.js';
import { auditClock } from './audit-times.js';
import type { FromGatewayChild, ToGatewayChild } from './gateway-child.js';
import { until } from '../../test/helpers/arm-rig.js';

const GATEWAY_CHILD = fileURLToPath(new URL('./gateway-child.ts', import.meta.url));

export interface RigOptions {
  readonly profile: string;
  readonly seed: number;
  /** The exam's force cap the specialist asks for, N. */
  readonly forceCapN: number;
  readonly telemetryHz: number;
  /** Run the gateway in this process instead of its own (its timers then share the hub's, the emulator's and the simulator's event loop). */
  readonly gatewayInProcess: boolean;
}

export interface Rig {
  readonly hub: TeleopHub;
  readonly link: LinkEmulator;
  readonly profile: LinkProfile;
  readonly sim: ArmSimulator;
  readonly tap: ArmTap;
  /** 'process' (its own, default) or 'in-process'. */
  readonly gatewayMode: 'process' | 'in-process';
  /** The gateway's audit time (Unix ns, its clock) → this process's performance.now(). */
  readonly auditToLocalMs: (atNs: number) => number;
  readonly browser: TeleopBrowser;
  readonly leaseId: string;
  readonly auditFile: string;
  close(): Promise<void>;
}

/** Polls a condition with a bound (the arm pty tests' helper). */
export { until };

/**
 * The profile without its timed events: urban-5g's own random 40-150 ms stalls every 20-40 s would
 * be unplanned cuts in the middle of a trial; the bench makes the cuts itself (setOutage).
 */
export function withoutEvents(p: LinkProfile): LinkProfile {
  return { ...p, name: `${p.name} (no timed events)`, events: {} };
}

export async function startRig(o: RigOptions): Promise<Rig> {
  const tmp = makeTempDir('tm-teleop-cut-');
  const closers: (() => Promise<void> | void)[] = [() => tmp.remove()];
  const close = async (): Promise<void> => { for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined); };
  try {
    const hub = await startTeleopHub();
    closers.push(() => hub.close());
    const hubPort = Number(new URL(hub.hub.url).port);
    const profile = withoutEvents(getProfile(o.profile));
    const link = await startLink({ targetHost: '127.0.0.1', targetPort: hubPort, profile, seed: o.seed });
    closers.push(() => link.close());
    const pair: PtyPair = await startPtyPair(join(tmp.dir, 'arm'), join(tmp.dir, 'host'));
    closers.push(() => pair.kill());
    // If this process dies without closing (a crash), socat must not outlive it.
    process.once('exit', () => { if (pair.proc.exitCode === null) pair.proc.kill('SIGKILL'); });
    const wire = await openSerialWire(pair.a);
    closers.push(() => wire.close());
    const tap = new ArmTap();
    const sim = new ArmSimulator({ wire: tap.wrap(wire), telemetryHz: o.telemetryHz, now: tap.now });
    sim.start();
    closers.push(() => sim.stop());
    const dataDir = join(tmp.dir, 'gw');
    // As test/integration/teleop-arm.test.ts: telemetry timeout widened to 200 ms (shared 2-core machine).
    const rawConfig = {
      gatewayId: 'clinic-1', dataDir, host: '127.0.0.1', port: 0, dashboardsDir: '/nonexistent/telemed-site',
      hub: { url: `ws://127.0.0.1:${link.port}/uplink`, credential: GATEWAY_SECRET },
      devices: [{ kind: 'ultrasound-arm', id: 'arm-1', arm: { url: pair.b, uplinkHz: 25, telemetryTimeoutMs: 200, workspace: { min: { x: -300, y: -200, z: 60 }, max: { x: 300, y: 200, z: 350 } } } }],
    };
    let auditToLocalMs: (atNs: number) => number;
    if (o.gatewayInProcess) {
      const gw = await startGateway(loadGatewayConfig(rawConfig), { logger: pino({ level: 'silent' }) });
      closers.push(() => gw.close());
      await until(() => gw.uplink.session.clockOffsetMs != null, 15_000, "the gateway's clock offset");
      auditToLocalMs = auditClock(null);
    } else {
      const child = new IpcChild<FromGatewayChild, ToGatewayChild>('gateway', GATEWAY_CHILD, [JSON.stringify(rawConfig)], ['--import', 'tsx'], 10_000);
      closers.push(() => child.close());
      auditToLocalMs = auditClock((await child.wait('ready', 30_000)).wallMinusOriginMs);
    }
    // Closed before the gateway: a command still in flight must not reach a gateway whose arm device
    // has stopped (that crashes it today: ArmDevice.onDownlink → closed audit log → TM_ERR_AUDIT_IO thrown
    // out of the uplink's downlink event; README "Known problem").
    closers.push(() => link.close());
    await until(() => hub.hub.app.hospital.registry.view('clinic-1')?.clockOffsetMs != null, 15_000, 'the gateway to connect through the link and clock-sync');
    const res = await hub.hub.app.inject({
      method: 'POST', url: '/api/teleop/sessions', headers: { authorization: `Bearer ${hub.tokens['dr.li']}` },
      payload: { gatewayId: 'clinic-1', armId: 'arm-1', maxForceN: o.forceCapN },
    });
    if (res.statusCode !== 201) throw new Error(`lease refused: HTTP ${res.statusCode} ${res.body}`);
    const leaseId = res.json<{ lease: { id: string } }>().lease.id;
    const browser = await TeleopBrowser.open(hub.hub, hub.tokens['dr.li']);
    closers.push(() => { browser.ws.terminate(); });
    // The gateway's supervisor took the grant: its telemetry names the lease.
    await browser.next((m) => m.type === 'telemetry' && m['leaseId'] === leaseId, 10_000);
    return {
      hub, link, profile, sim, tap, gatewayMode: o.gatewayInProcess ? 'in-process' : 'process', auditToLocalMs,
      browser, leaseId, auditFile: join(dataDir, 'arm-audit-arm-1.jsonl'), close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
