// Attack suite, issue 12 item 6 (TLS everywhere off loopback): a real hub and real gateways as child
// processes over TLS with certificates made by `telemed pki`'s code at start, the gateway's link
// through the link emulator (a TCP relay: TLS passes through it unchanged). Each refusal is asserted
// with its stable code, counted, and logged without the credential that was tried.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadGatewayConfig } from '../../gateway/config.js';
import { hashSecret } from '../../hospital/auth/password.js';
import { loadHospitalConfig } from '../../hospital/config.js';
import { decodeEnvelope, encodeEnvelope, PROTOCOL_VERSION } from '../../protocols/index.js';
import { startLink, type LinkEmulator } from '../../simulators/link/index.js';
import { waitFor } from '../helpers/cli-process.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { HubProcess } from '../helpers/hub-process.js';
import { httpsGet, TlsFixture } from '../helpers/tls-fixture.js';

const FAST = { N: 1024, r: 8, p: 1 } as const;

interface Outcome { opened: boolean; code: number | null; reason: string; helloAck: { accepted: boolean; reasonCode: string } | null; error: string | null }

/** Dials /uplink, sends a Hello once open, and reports how the hub answered. */
function dial(url: string, opts: WebSocket.ClientOptions, hello?: { gatewayId: string; credential: string }): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { opened: false, code: null, reason: '', helloAck: null, error: null };
    const ws = new WebSocket(url, 'telemed.v1', { handshakeTimeout: 3000, ...opts });
    const timer = setTimeout(() => ws.terminate(), 5000);
    ws.on('open', () => {
      out.opened = true;
      if (hello !== undefined) ws.send(encodeEnvelope({ header: { gatewayId: hello.gatewayId }, hello: { protocolVersion: PROTOCOL_VERSION, ...hello } }));
    });
    ws.on('message', (d: Buffer) => {
      const env = decodeEnvelope(d);
      if (env.helloAck != null) out.helloAck = { accepted: env.helloAck.accepted === true, reasonCode: env.helloAck.reasonCode ?? '' };
    });
    ws.on('error', (err: NodeJS.ErrnoException) => { out.error = err.code ?? err.message; });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      out.code = code;
      out.reason = reason.toString();
      resolve(out);
    });
  });
}

/** `openssl s_client` to the hub, trusting only `caFile`, failing on a bad chain; stdin closed at once. */
function opensslClient(port: number, caFile: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-verify_return_error'], { stdio: ['pipe', 'ignore', 'pipe'], timeout: 5000 });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', (err) => resolve({ code: -1, stderr: `openssl not runnable (apt-get install openssl): ${err.message}` }));
    p.on('close', (code) => resolve({ code, stderr }));
    p.stdin.end();
  });
}

describe('security: TLS on the uplink and the console', () => {
  let dir: string;
  let pki: TlsFixture;
  let rogue: TlsFixture;
  let hub: HubProcess;
  let link: LinkEmulator;
  const gateways: GatewayProcess[] = [];
  const creds = { a: `a-secret-${Math.random().toString(36).slice(2)}`, b: `b-secret-${Math.random().toString(36).slice(2)}` };
  const uplink = (): string => `wss://127.0.0.1:${hub.port}/uplink`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telemed-tls-sec-'));
    pki = await TlsFixture.create(join(dir, 'pki'));
    rogue = await TlsFixture.create(join(dir, 'rogue'));
    hub = await HubProcess.create(dir, {
      dataDir: join(dir, 'hub'),
      gateways: [
        { id: 'clinic-a', secretHash: await hashSecret(creds.a, FAST) },
        { id: 'clinic-b', secretHash: await hashSecret(creds.b, FAST) },
      ],
    }, { tls: pki });
    await hub.start();
    link = await startLink({ targetHost: '127.0.0.1', targetPort: hub.port, profile: 'lan', seed: 3 });
  }, 60_000);

  afterAll(async () => {
    for (const g of gateways) await g.kill('SIGTERM');
    await link?.close();
    await hub?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('a gateway process enrolled with telemed pki streams to the hub over wss:// through the link emulator', async () => {
    const gwDir = join(dir, 'gw-a');
    await mkdir(gwDir, { recursive: true });
    const gw = await GatewayProcess.create(gwDir, {
      gatewayId: 'clinic-a', dataDir: gwDir, outbox: { kind: 'memory' },
      hub: { url: `wss://127.0.0.1:${link.port}/uplink`, credential: creds.a },
      devices: [{ kind: 'load', id: 'load-1', durableHz: 50 }],
    }, { tls: pki });
    gateways.push(gw);
    await gw.start();
    await waitFor('gateway connected over TLS', async () => JSON.parse((await httpsGet(`${hub.url}/healthz`, pki.ca)).body).gatewaysConnected === 1, 15_000);
    await waitFor('frames stored', async () => /telemed_frames_total\{class="vitals"\} [1-9]/.test((await httpsGet(`${hub.url}/metrics`, pki.ca)).body), 15_000);
  }, 60_000);

  it('refuses a gateway without a client certificate: 4401 TM_ERR_CLIENT_CERT_REQUIRED, counted', async () => {
    const r = await dial(uplink(), { ca: pki.ca }, { gatewayId: 'clinic-b', credential: creds.b });
    expect(r.opened).toBe(true);
    expect(r.code).toBe(4401);
    expect(r.reason).toBe('TM_ERR_CLIENT_CERT_REQUIRED');
    expect(r.helloAck?.accepted ?? false).toBe(false);
    await waitFor('refusal counted', async () => /telemed_uplink_refused_total\{reason="TM_ERR_CLIENT_CERT_REQUIRED"\} [1-9]/.test((await httpsGet(`${hub.url}/metrics`, pki.ca)).body));
    expect(hub.output).toMatch(/TM_ERR_CLIENT_CERT_REQUIRED/);
  });

  it('refuses a client certificate from another CA: TM_ERR_CLIENT_CERT_UNTRUSTED', async () => {
    const forged = await rogue.gatewayPems('clinic-b');
    const r = await dial(uplink(), { ca: pki.ca, cert: forged.cert, key: forged.key }, { gatewayId: 'clinic-b', credential: creds.b });
    expect(r.code).toBe(4401);
    expect(r.reason).toBe('TM_ERR_CLIENT_CERT_UNTRUSTED');
    expect(r.helloAck).toBeNull();
  });

  it('refuses gateway A\'s certificate with gateway B\'s id and credential: TM_ERR_CLIENT_CERT_MISMATCH, logged without the credential', async () => {
    const a = await pki.gatewayPems('clinic-a');
    const r = await dial(uplink(), { ca: pki.ca, cert: a.cert, key: a.key }, { gatewayId: 'clinic-b', credential: creds.b });
    expect(r.helloAck).toEqual({ accepted: false, reasonCode: 'TM_ERR_CLIENT_CERT_MISMATCH' });
    expect(r.code).toBe(4401);
    await waitFor('refusal logged', () => hub.output.includes('TM_ERR_CLIENT_CERT_MISMATCH'));
    const line = hub.output.split('\n').find((l) => l.includes('TM_ERR_CLIENT_CERT_MISMATCH')) ?? '';
    expect(line).toContain('"certGatewayId":"clinic-a"');
    expect(hub.output).not.toContain(creds.b);
    expect(hub.output).not.toContain(creds.a);
    expect((await httpsGet(`${hub.url}/metrics`, pki.ca)).body).toMatch(/telemed_uplink_refused_total\{reason="TM_ERR_CLIENT_CERT_MISMATCH"\} [1-9]/);
  });

  it('still checks the credential when the certificate matches (defence in depth): TM_ERR_AUTH_FAILED', async () => {
    const b = await pki.gatewayPems('clinic-b');
    const r = await dial(uplink(), { ca: pki.ca, cert: b.cert, key: b.key }, { gatewayId: 'clinic-b', credential: 'stolen-certificate-wrong-secret' });
    expect(r.helloAck).toEqual({ accepted: false, reasonCode: 'TM_ERR_AUTH_FAILED' });
    expect(hub.output).not.toContain('stolen-certificate-wrong-secret');
  });

  it('a plain ws:// connection to the TLS hub never opens', async () => {
    const r = await dial(`ws://127.0.0.1:${hub.port}/uplink`, {}, { gatewayId: 'clinic-b', credential: creds.b });
    expect(r.opened).toBe(false);
    expect(r.helloAck).toBeNull();
  });

  it('a client that does not pin the hub\'s CA cannot connect (the hub certificate is not publicly trusted)', async () => {
    const r = await dial(uplink(), {});
    expect(r.opened).toBe(false);
    expect(r.error).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
  });

  it('failed TLS handshakes are counted by bounded reason, and a storm of them is logged once per address per minute', async () => {
    const count = async (reason: string): Promise<number> =>
      Number(new RegExp(`telemed_tls_failures_total\\{reason="${reason}"\\} (\\d+)`).exec((await httpsGet(`${hub.url}/metrics`, pki.ca)).body)?.[1] ?? 0);
    const logLines = (): number => hub.output.split('\n').filter((l) => l.includes('TLS handshake failed')).length;
    const before = { plain: await count('plaintext'), refused: await count('hub-cert-refused'), untrusted: await count('client-cert-untrusted'), lines: logLines() };
    // A storm of plain-text clients (plain HTTP to the TLS port), as a scanner would send.
    await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${hub.port}/healthz`).then(() => 'answered', () => 'refused')))
      .then((r) => expect(r.every((x) => x === 'refused')).toBe(true));
    await waitFor('20 plaintext failures counted', async () => await count('plaintext') >= before.plain + 20);
    // A Node client that has not pinned the hub's CA checks the certificate after the handshake and
    // hangs up without an alert: the hub sees a reset.
    const resets = await count('reset');
    expect((await dial(uplink(), {})).opened).toBe(false);
    await waitFor('reset counted', async () => await count('reset') > resets);
    // OpenSSL's own client pinned to another CA sends the standard alert (unknown_ca, RFC 8446 §6.2).
    const ssl = await opensslClient(hub.port, rogue.caFile);
    expect(ssl.code).not.toBe(0);
    await waitFor('hub-cert-refused counted', async () => await count('hub-cert-refused') > before.refused);
    // A certificate from another CA completes the handshake (so /uplink can answer with a code) but is counted here too.
    const forged = await rogue.gatewayPems('clinic-a');
    expect((await dial(uplink(), { ca: pki.ca, cert: forged.cert, key: forged.key })).reason).toBe('TM_ERR_CLIENT_CERT_UNTRUSTED');
    await waitFor('client-cert-untrusted counted', async () => await count('client-cert-untrusted') > before.untrusted);
    // All from 127.0.0.1 within seconds: at most one new log line (none if an earlier case logged this minute).
    const fresh = hub.output.split('\n').filter((l) => l.includes('TLS handshake failed')).slice(before.lines);
    expect(fresh.length, fresh.join('\n')).toBeLessThanOrEqual(1);
    expect(logLines()).toBeGreaterThanOrEqual(1);
    const line = hub.output.split('\n').find((l) => l.includes('TLS handshake failed')) ?? '';
    expect(line).toContain('"code":"TM_ERR_TLS_HANDSHAKE"');
    expect(line).toContain('"address":"');
    const body = (await httpsGet(`${hub.url}/metrics`, pki.ca)).body;
    const reasons = [...body.matchAll(/telemed_tls_failures_total\{reason="([^"]+)"\}/g)].map((m) => m[1]);
    for (const r of reasons) expect(['plaintext', 'hub-cert-refused', 'client-cert-untrusted', 'protocol-version', 'no-shared-cipher', 'timeout', 'reset', 'other']).toContain(r);
  });

  it('console responses carry HSTS, CSP with frame-ancestors \'none\', nosniff, Referrer-Policy and X-Frame-Options', async () => {
    for (const path of ['/', '/healthz', '/api/me', '/no-such-page']) {
      const r = await httpsGet(`${hub.url}${path}`, pki.ca);
      expect(r.headers['strict-transport-security'], path).toBe('max-age=31536000');
      expect(r.headers['content-security-policy'], path).toMatch(/frame-ancestors 'none'/);
      expect(r.headers['content-security-policy'], path).toMatch(/script-src 'self'(;|$)/);
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
      expect(r.headers['referrer-policy'], path).toBe('no-referrer');
      expect(r.headers['x-frame-options'], path).toBe('DENY');
    }
  });

  it('the built console needs nothing the CSP forbids: no inline script or style in index.html', async () => {
    const r = await httpsGet(`${hub.url}/`, pki.ca);
    expect(r.status, 'the console is not built: run `npm run build`').toBe(200);
    const scripts = [...r.body.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    for (const attrs of scripts) expect(attrs).toMatch(/\bsrc="\.?\/?assets\//);
    expect(r.body).not.toMatch(/<style\b|\sstyle="|\son[a-z]+="/i);
  });

  it('a gateway refuses a hub certificate from a CA it has not pinned: TM_ERR_HUB_CERT_UNTRUSTED, counted per attempt, logged once', async () => {
    const gwDir = join(dir, 'gw-rogue');
    await mkdir(gwDir, { recursive: true });
    const gw = await GatewayProcess.create(gwDir, {
      gatewayId: 'clinic-b', dataDir: gwDir, outbox: { kind: 'memory' },
      hub: { url: uplink(), credential: creds.b },
      reconnect: { initialMs: 20, maxMs: 100, jitter: 0 },
    }, { tls: rogue });
    gateways.push(gw);
    await gw.start();
    await waitFor('several refused attempts', async () => {
      const m = /telemed_gateway_tls_errors_total\{code="TM_ERR_HUB_CERT_UNTRUSTED"\} (\d+)/.exec(await (await fetch(`${gw.url}/metrics`)).text());
      return Number(m?.[1] ?? 0) >= 4;
    }, 15_000);
    const warned = gw.output.split('\n').filter((l) => l.includes('TM_ERR_HUB_CERT_UNTRUSTED'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).not.toContain(creds.b);
    const status = await (await fetch(`${gw.url}/api/status`)).json() as { link: { state: string } };
    expect(status.link.state).not.toBe('ready');
    expect(JSON.parse((await httpsGet(`${hub.url}/healthz`, pki.ca)).body).gatewaysConnected).toBe(1);
  }, 30_000);

  it('a gateway whose certificate files are missing stops at start with TM_ERR_TLS_FILE', async () => {
    const gwDir = join(dir, 'gw-nofile');
    await mkdir(gwDir, { recursive: true });
    const gw = await GatewayProcess.create(gwDir, {
      gatewayId: 'clinic-b', dataDir: gwDir, outbox: { kind: 'memory' },
      hub: { url: uplink(), credential: creds.b, tls: { ca: pki.caFile, cert: join(dir, 'missing.pem'), key: join(dir, 'missing.key') } },
    });
    gateways.push(gw);
    await expect(gw.start(30_000)).rejects.toThrow(/TM_ERR_TLS_FILE[^\n]*hub\.tls\.cert/);
  }, 40_000);

  it('the hub refuses to listen off loopback without TLS (TM_ERR_INSECURE_BIND), unless allowInsecure', async () => {
    const d = join(dir, 'insecure');
    await mkdir(d, { recursive: true });
    const bad = await HubProcess.create(d, { host: '0.0.0.0', dataDir: d });
    await expect(bad.start(30_000)).rejects.toThrow(/TM_ERR_CONFIG[\s\S]*TM_ERR_INSECURE_BIND/);
    expect(() => loadHospitalConfig({ host: '0.0.0.0' })).toThrow(/TM_ERR_INSECURE_BIND/);
    expect(() => loadHospitalConfig({ host: '::' })).toThrow(/TM_ERR_INSECURE_BIND/);
    expect(loadHospitalConfig({ host: '0.0.0.0', allowInsecure: true }).allowInsecure).toBe(true);
    expect(loadHospitalConfig({ host: '0.0.0.0', tls: pki.hub }).tls?.requireClientCert).toBe(true);
  }, 40_000);

  it('the gateway refuses ws:// to a hub off loopback, and wss:// without a pinned CA', () => {
    const base = { gatewayId: 'g' };
    expect(() => loadGatewayConfig({ ...base, hub: { url: 'ws://hub.example:8080/uplink', credential: 'c' } })).toThrow(/TM_ERR_INSECURE_BIND/);
    expect(() => loadGatewayConfig({ ...base, hub: { url: 'wss://hub.example:8080/uplink', credential: 'c' } })).toThrow(/hub\.tls/);
    expect(loadGatewayConfig({ ...base, hub: { url: 'ws://hub.example/uplink', credential: 'c', allowInsecure: true } }).hub.allowInsecure).toBe(true);
    expect(loadGatewayConfig({ ...base, hub: { url: 'wss://hub.example/uplink', credential: 'c', tls: pki.hub } }).hub.tls?.ca).toBe(pki.hub.ca);
  });
});
