// The CLI as a user runs it: `telemed --help`, and `telemed demo` brought up, checked and stopped
// with Ctrl-C (SIGINT), all as real child processes.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../helpers/cli-process.js';
import { httpsGet } from '../helpers/tls-fixture.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = [process.execPath, '--import', 'tsx', join(repo, 'bin', 'telemed.ts')] as const;

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

  it('demo starts hub and both gateways, prints URLs and accounts, and stops cleanly on SIGINT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'telemed-demo-cli-'));
    const [port, clinicPort, ambulancePort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(cli[0], [...cli.slice(1), 'demo', '--port', String(port), '--clinic-port', String(clinicPort),
      '--ambulance-port', String(ambulancePort), '--data-dir', dir, '--clinic-profile', 'lan', '--ambulance-profile', 'lan'],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await waitFor('demo banner', () => out.includes('telemed demo is running'), 40_000, 100);
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
    } finally {
      child.kill('SIGINT');
      const code = await exited;
      await rm(dir, { recursive: true, force: true });
      expect(code, out).toBe(0);
    }
    expect(out).toContain('[demo] stopped');
  }, 90_000);
});
