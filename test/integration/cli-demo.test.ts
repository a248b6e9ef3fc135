// The CLI as a user runs it: `telemed --help`, and `telemed demo` brought up, checked and stopped
// with Ctrl-C (SIGINT), all as real child processes.
import { spawn, execFile } from 'node:child_process';
import { request } from 'node:https';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../helpers/cli-process.js';
import { requireSocat } from '../helpers/socat.js';
import { httpsGet } from '../helpers/tls-fixture.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = [process.execPath, '--import', 'tsx', join(repo, 'bin', 'telemed.ts')] as const;

/** POST JSON over HTTPS trusting only `ca`: status and parsed body. */
function httpsPostJson(url: string, ca: Buffer, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json', ...headers }, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

interface WorklistRow { gatewayId: string; recordId: string; corruptCode: string | null; heartRateBpm: number | null; verdict: string | null; leads: string[]; durationS: number | null }

/** Pids of live socat processes whose command line mentions `text` (the demo's data dir: its ptys). */
async function socatsMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.split('\0')[0]?.endsWith('socat') === true && cmd.includes(text)) pids.push(Number(name));
  }
  return pids;
}

interface AmbulanceRow { id: string; connected: boolean; fix: { lat: number; lon: number; etaS: number | null } | null }
interface Recent { series: { code: string; label: string; points: [number, number][] }[]; alarms: { code: string; state: string; priority: string }[] }

describe('telemed CLI', () => {
  it('--help lists every command', async () => {
    const { stdout } = await promisify(execFile)(cli[0], [...cli.slice(1), '--help'], { cwd: repo });
    for (const c of ['demo', 'hospital', 'gateway', 'sim', 'pki', 'hash-secret']) expect(stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('pki makes a CA, hub and gateway certificates openssl verifies, and a signing key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'telemed-pki-cli-'));
    const run = (...args: string[]) => promisify(execFile)(cli[0], [...cli.slice(1), 'pki', ...args], { cwd: repo });
    try {
      expect((await run('ca', '--out', join(dir, 'ca'))).stdout).toContain(join(dir, 'ca', 'ca.key'));
      await run('hub', '--ca', join(dir, 'ca'), '--host', '127.0.0.1', '--host', 'hub.example', '--out', join(dir, 'hub'));
      await run('gateway', '--ca', join(dir, 'ca'), '--id', 'clinic-1', '--out', join(dir, 'gw'));
      await run('signing-key', '--out', join(dir, 'sign'));
      const verify = (cert: string) => promisify(execFile)('openssl', ['verify', '-CAfile', join(dir, 'ca', 'ca.pem'), cert]);
      expect((await verify(join(dir, 'hub', 'hub.pem'))).stdout).toMatch(/OK/);
      expect((await verify(join(dir, 'gw', 'gateway.pem'))).stdout).toMatch(/OK/);
      const text = (await promisify(execFile)('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'hub', 'hub.pem')])).stdout;
      expect(text).toMatch(/DNS:hub\.example/);
      expect((await readFile(join(dir, 'sign', 'hub-signing.pub'), 'utf8'))).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      // A second CA into the same folder is refused with its code, and exits 1.
      const again = await run('ca', '--out', join(dir, 'ca')).catch((e: unknown) => e) as { code: number; stderr: string };
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('TM_ERR_PKI_EXISTS');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('an unknown command exits 2 with the usage', async () => {
    const err = await promisify(execFile)(cli[0], [...cli.slice(1), 'frobnicate'], { cwd: repo }).catch((e: unknown) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain('unknown command "frobnicate"');
  });

  it('demo without socat on the PATH stops at once with TM_ERR_DEMO_SOCAT_MISSING and the install command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'telemed-demo-nosocat-'));
    try {
      // An empty folder as the PATH: no socat (the CLI is started by absolute path and needs nothing from it).
      const err = await promisify(execFile)(cli[0], [...cli.slice(1), 'demo', '--data-dir', dir, '--port', String(await freePort())],
        { cwd: repo, env: { ...process.env, PATH: dir } }).catch((e: unknown) => e) as { code: number; stderr: string };
      expect(err.code).toBe(1);
      expect(err.stderr).toContain('TM_ERR_DEMO_SOCAT_MISSING');
      expect(err.stderr).toContain('apt-get install -y socat');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('demo starts hub and both gateways, the clinic cart\'s first record reaches the worklist analysed, the ambulance shows heart rate, position and an SpO2 alarm at the hub, and stops cleanly on SIGINT (socat gone)', async () => {
    requireSocat(); // the demo's cart and GPS are on socat ptys (without socat it exits with TM_ERR_DEMO_SOCAT_MISSING)
    const dir = await mkdtemp(join(tmpdir(), 'telemed-demo-cli-'));
    const [port, clinicPort, ambulancePort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(cli[0], [...cli.slice(1), 'demo', '--port', String(port), '--clinic-port', String(clinicPort),
      '--ambulance-port', String(ambulancePort), '--data-dir', dir, '--clinic-profile', 'lan', '--ambulance-profile', 'lan',
      // hypoxia x10: SpO2 under 90 % about 14 s after the start (x2 by default: about 70 s).
      '--scenario', 'hypoxia', '--scenario-speed', '10'],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | string | null>((r) => child.on('exit', (code, signal) => r(code ?? signal)));
    let failure: Error | undefined;
    try {
      // Start-up makes a CA and certificates, starts the hub child process, two link emulators, two
      // gateways, two socat ptys and the simulators: ~10-25 s on a loaded 2-core CI box, so 90 s.
      await waitFor('demo banner', () => out.includes('telemed demo is running'), 90_000, 100);
      // Issue 12 item 6: the demo runs over TLS with a CA it made, and says where that CA is.
      expect(out).toContain(`https://127.0.0.1:${port}/`);
      const caFile = join(dir, 'pki', 'ca', 'ca.pem');
      expect(out).toContain(caFile);
      expect(out).toContain('specialist  / specialist-demo');
      const ca = await readFile(caFile);
      const health = await waitFor('both gateways at the hub', async () => {
        const h = JSON.parse((await httpsGet(`https://127.0.0.1:${port}/healthz`, ca)).body) as { gatewaysConnected: number };
        return h.gatewaysConnected === 2 ? h : undefined;
      }, 15_000, 100);
      expect(health.gatewaysConnected).toBe(2);
      const site = await (await fetch(`http://127.0.0.1:${clinicPort}/api/status`)).json() as { link: { state: string } };
      expect(site.link.state).toBe('ready');

      // Issue 10 item 7: the ambulance's simulated monitors and GPS, through the real drivers and the
      // uplink, are on the hub's ambulance board API.
      expect(out).toContain(`https://127.0.0.1:${port}/#/ambulances`);
      expect(out).toMatch(/GPS \(NMEA, pty\)/);
      expect(out).toMatch(/ECG cart \(pty\)/);
      expect(out).toMatch(/ultrasound arm/);
      // The demo's serial devices (cart, arm, GPS) are socat children, whose pty links sit in the data dir.
      expect((await socatsMentioning(dir)).length).toBe(3);
      const login = await httpsPostJson(`https://127.0.0.1:${port}/api/login`, ca, { username: 'admin', password: 'admin-demo' });
      expect(login.status).toBe(200);
      const auth = { authorization: `Bearer ${(login.body as { token: string }).token}` };
      const getJson = async <T>(path: string): Promise<T> => {
        const r = await httpsGet(`https://127.0.0.1:${port}${path}`, ca, auth);
        expect(r.status, r.body).toBe(200);
        return JSON.parse(r.body) as T;
      };
      // Issue 10 item 7: the clinic's cart simulator on a pty, read by the real cart driver; its first
      // 10 s record (pressed ~3 s after the stream starts) is analysed at the edge and sent up.
      const rec = await waitFor('the clinic cart\'s first record in the worklist, analysed', async () => {
        const { records } = await getJson<{ records: WorklistRow[] }>('/api/ecg/worklist');
        return records.find((r) => r.gatewayId === 'clinic-1' && r.heartRateBpm !== null);
      }, 45_000, 500);
      expect(rec.recordId).toBe('DEMO01-1');
      expect(rec.corruptCode).toBeNull();
      expect(rec.durationS).toBeCloseTo(10, 1);
      expect(rec.leads).toHaveLength(18);
      // The first patient is in sinus rhythm at 72/min (bin/commands/demo-clinic.ts).
      expect(rec.heartRateBpm).toBeGreaterThan(62);
      expect(rec.heartRateBpm).toBeLessThan(82);

      // Issue 11 item 7: the clinic's arm (simulator on a pty, the probe resting on the phantom) is
      // streaming at the clinic gateway, and the demo's specialist can take its lease.
      await waitFor('the clinic arm streaming with contact force', async () => {
        const r = await fetch(`http://127.0.0.1:${clinicPort}/api/arm/arm-1`);
        const arm = r.ok ? (await r.json() as { arm: { forceN: number | null } }).arm : null;
        return arm !== null && arm.forceN !== null && arm.forceN > 0;
      }, 20_000, 250);
      const spec = await httpsPostJson(`https://127.0.0.1:${port}/api/login`, ca, { username: 'specialist', password: 'specialist-demo' });
      const specAuth = { authorization: `Bearer ${(spec.body as { token: string }).token}` };
      const lease = await httpsPostJson(`https://127.0.0.1:${port}/api/teleop/sessions`, ca, { gatewayId: 'clinic-1', armId: 'arm-1' }, specAuth);
      expect(lease.status, JSON.stringify(lease.body)).toBe(201);
      await waitFor('the lease at the clinic arm', async () => {
        const { arm } = await (await fetch(`http://127.0.0.1:${clinicPort}/api/arm/arm-1`)).json() as { arm: { operatorId: string | null } };
        return arm.operatorId === 'specialist';
      }, 10_000, 250);

      const amb = await waitFor('the ambulance with a GPS fix on the board', async () => {
        const { ambulances } = await getJson<{ ambulances: AmbulanceRow[] }>('/api/ambulances');
        return ambulances.find((a) => a.id === 'amb-1' && a.fix !== null);
      }, 30_000, 500);
      expect(amb.connected).toBe(true);
      // The built-in route runs west of Tiantai towards the county hospital.
      expect(amb.fix?.lat).toBeGreaterThan(29.1);
      expect(amb.fix?.lat).toBeLessThan(29.2);
      expect(amb.fix?.lon).toBeGreaterThan(120.8);
      expect(amb.fix?.lon).toBeLessThan(121.1);
      expect(amb.fix?.etaS).toBeGreaterThan(0);
      const recent = await waitFor('heart rate and an SpO2 alarm from the ambulance', async () => {
        const r = await getJson<Recent>('/api/ambulances/amb-1/recent?minutes=15');
        const hr = r.series.find((x) => x.label === 'HR' || x.code === 'MDC_ECG_HEART_RATE');
        const spo2Alarm = r.alarms.find((a) => a.code.startsWith('MDC_PULS_OXIM_SAT_O2'));
        return hr !== undefined && hr.points.length > 0 && spo2Alarm !== undefined ? { hr, spo2Alarm } : undefined;
      }, 60_000, 1000);
      // hypoxia: HR 86 rising to 118.
      for (const [, v] of recent.hr.points) {
        expect(v).toBeGreaterThan(60);
        expect(v).toBeLessThan(140);
      }
      expect(recent.spo2Alarm.priority).toBe('high');
    } catch (err) {
      // The body's own failure is the one to report (with the demo's output), not the exit below.
      failure = new Error(`${err instanceof Error ? err.message : String(err)}\n--- demo output ---\n${out.slice(-4000)}`, { cause: err });
    } finally {
      child.kill('SIGINT');
      const code = await exited;
      await rm(dir, { recursive: true, force: true });
      if (failure === undefined) expect(code, out).toBe(0);
    }
    if (failure !== undefined) throw failure;
    expect(out).toContain('[demo] stopped');
    // Ctrl-C took socat (the cart's and the GPS's ptys) down with the demo.
    expect(await socatsMentioning(dir)).toEqual([]);
  }, 240_000);
});
