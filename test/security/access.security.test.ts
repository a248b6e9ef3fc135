// Attack suite, issue 12 (access and abuse): a real hub and two real clinic gateways as child
// processes (`telemed hospital`, `telemed gateway`) with TLS on, as deployed: certificates made at
// start by `telemed pki`'s code (TlsFixture), the hub serving HTTPS and wss:// with mutual TLS, each
// gateway presenting its own client certificate. The attacker trusts the hub's CA (an insider on
// the network) and still gets nothing it should not. Every case asserts the refusal, its stable
// code, and a log line that names the code but neither the secret tried nor the patient. The
// clinic gateways' local API stays plain HTTP on loopback (the clinic PC's own browser).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { simulatedRecord } from '../../gateway/analysis/findings/sim-record.js';
import { hashSecret } from '../../hospital/auth/password.js';
import { exportEcg } from '../../protocols/ecg/export.js';
import { encodeEnvelope, PROTOCOL_VERSION } from '../../protocols/index.js';
import { CliProcess, freePort, waitFor } from '../helpers/cli-process.js';
import { HubProcess } from '../helpers/hub-process.js';
import { TlsFixture } from '../helpers/tls-fixture.js';

const FAST = { N: 1024, r: 8, p: 1 } as const;
const PATIENT = 'Sentinel-Patient-Zhou-4711';
const PW = { 'nurse.a': 'nurse-a-pass-1', 'dr.a': 'dr-a-pass-1', 'dr.b': 'dr-b-pass-1', admin: 'admin-pass-1' } as const;
type Who = keyof typeof PW;
const GW_TOKEN = 'gateway-a-install-token-0123456789';

/** What the cases read of an HTTPS answer (Node's fetch cannot trust a CA per call). */
interface Answer { status: number; headers: Record<string, string | string[] | undefined>; json(): Promise<unknown>; text(): Promise<string> }

/** An HTTPS request trusting only `ca`, shaped like fetch's answer for the cases below. */
function httpsFetch(url: string, ca: Buffer, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, method: init.method ?? 'GET', headers: init.headers ?? {}, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, headers: res.headers, text: () => Promise.resolve(body), json: () => Promise.resolve(JSON.parse(body) as unknown),
      }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(init.body);
  });
}

type Msg = { type: string; gatewayId?: string; record?: { gatewayId: string }; gateway?: { id: string } };

describe('security: access and abuse against a real hub and gateways', () => {
  let dir: string;
  let pki: TlsFixture;
  let hub: HubProcess;
  let gwA: CliProcess;
  let gwB: CliProcess;
  const creds = { a: `a-secret-${Math.random().toString(36).slice(2)}`, b: `b-secret-${Math.random().toString(36).slice(2)}` };
  const tokens = {} as Record<Who, string>;
  const sockets: WebSocket[] = [];
  let recordId = 0;

  type Init = { method?: string; body?: string; headers?: Record<string, string> };
  const api = (path: string, who?: Who, init: Init = {}) => httpsFetch(`${hub.url}${path}`, pki.ca, {
    ...init, headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
  });
  const login = (username: string, password: string) => api('/api/login', undefined, { method: 'POST', body: JSON.stringify({ username, password }) });
  async function live(who: Who): Promise<{ ws: WebSocket; msgs: Msg[]; closed: Promise<{ code: number; reason: string }> }> {
    const { ticket } = await (await api('/api/live-ticket', who, { method: 'POST' })).json() as { ticket: string };
    const ws = new WebSocket(`${hub.url.replace('https', 'wss')}/live?ticket=${ticket}`, { ca: pki.ca });
    sockets.push(ws);
    const msgs: Msg[] = [];
    ws.on('message', (d: Buffer) => msgs.push(JSON.parse(d.toString()) as Msg));
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return { ws, msgs, closed };
  }
  const hubLog = () => hub.output;

  async function writeHubConfig(users: readonly { username: Who; role: string; sites?: string[] }[]): Promise<void> {
    await writeFile(join(dir, 'hospital.json'), JSON.stringify({
      host: '127.0.0.1', port: hub.port, tls: { ...pki.hub, requireClientCert: true }, dataDir: join(dir, 'hub'), dashboardsDir: join(dir, 'none'),
      gateways: [
        { id: 'clinic-a', site: 'village-a', secretHash: await hashSecret(creds.a, FAST) },
        { id: 'clinic-b', site: 'village-b', secretHash: await hashSecret(creds.b, FAST) },
      ],
      users: await Promise.all(users.map(async (u) => ({ ...u, passwordHash: await hashSecret(PW[u.username], FAST) }))),
      uplink: { maxConnectionsPerAddress: 16, maxConcurrentHelloChecks: 2, maxQueuedHelloChecks: 4 },
    }));
  }
  const USERS = [
    { username: 'nurse.a' as const, role: 'clinician', sites: ['village-a'] },
    { username: 'dr.a' as const, role: 'specialist', sites: ['village-a'] },
    { username: 'dr.b' as const, role: 'specialist', sites: ['village-b'] },
    { username: 'admin' as const, role: 'admin' },
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telemed-security-'));
    pki = await TlsFixture.create(join(dir, 'pki'));
    hub = await HubProcess.create(dir, {}, { tls: pki });
    await writeHubConfig(USERS);
    await hub.start();
    const gateway = async (id: string, credential: string, extra: Record<string, unknown>) => {
      const port = await freePort();
      const file = join(dir, `${id}.json`);
      await writeFile(file, JSON.stringify({
        gatewayId: id, siteKind: 'clinic', siteName: id, host: '127.0.0.1', port, dataDir: join(dir, id), dashboardsDir: join(dir, 'none'),
        hub: { url: hub.uplinkUrl, credential, tls: await pki.gateway(id) }, devices: [{ kind: 'load', id: 'mon-1', durableHz: 2 }], ...extra,
      }));
      const p = new CliProcess('gateway', file, port, 'info');
      await p.start();
      return p;
    };
    await mkdir(join(dir, 'inbox-a'), { recursive: true });
    gwA = await gateway('clinic-a', creds.a, { api: { token: GW_TOKEN }, ecg: { send: 'auto', watchDir: join(dir, 'inbox-a'), watchIntervalMs: 200 } });
    gwB = await gateway('clinic-b', creds.b, {});
    for (const u of USERS) tokens[u.username] = ((await (await login(u.username, PW[u.username])).json()) as { token: string }).token;
    // One diagnostic ECG of clinic A's patient, through A's watch folder.
    const rec = simulatedRecord({ seed: 5, durationS: 2 });
    await writeFile(join(dir, 'inbox-a', 'ecg-1.xml'), exportEcg({ ...rec, patient: { ...rec.patient, id: PATIENT, name: PATIENT } }, 'aecg'));
    recordId = await waitFor('clinic A record in the admin worklist', async () =>
      ((await (await api('/api/ecg/worklist', 'admin')).json()) as { records: { id: number; gatewayId: string }[] }).records.find((r) => r.gatewayId === 'clinic-a')?.id, 30_000);
  }, 90_000);

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await gwA?.kill('SIGTERM');
    await gwB?.kill('SIGTERM');
    await hub?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('cross-clinic: /live carries only the viewer\'s sites (vitals, gateways, ECG); /api/gateways likewise', async () => {
    const nurse = await live('nurse.a');
    const admin = await live('admin');
    await waitFor('vitals of both clinics at the admin', () => new Set(admin.msgs.filter((m) => m.type === 'vitals').map((m) => m.gatewayId)).size === 2 || undefined, 15_000);
    await waitFor('vitals of clinic A at the nurse', () => nurse.msgs.some((m) => m.type === 'vitals') || undefined, 5000);
    const seen = new Set(nurse.msgs.map((m) => m.gatewayId ?? m.record?.gatewayId ?? m.gateway?.id).filter((g) => g !== undefined));
    expect([...seen]).toEqual(['clinic-a']);
    const snapshot = nurse.msgs.find((m) => m.type === 'snapshot') as unknown as { gateways: { id: string }[] };
    expect(snapshot.gateways.map((g) => g.id)).toEqual(['clinic-a']);
    const gws = (await (await api('/api/gateways', 'dr.b')).json()) as { id: string }[];
    expect(gws.map((g) => g.id)).toEqual(['clinic-b']);
    expect(JSON.stringify(nurse.msgs)).not.toContain(PATIENT);
  });

  it('cross-clinic: every record route refuses another site\'s specialist (404 TM_ERR_ECG_NOT_FOUND), logged TM_ERR_SITE_FORBIDDEN', async () => {
    const wl = (await (await api('/api/ecg/worklist', 'dr.b')).json()) as { records: unknown[] };
    expect(wl.records).toEqual([]);
    const routes: [string, Init][] = [
      [`/api/ecg/records/${recordId}`, {}], [`/api/ecg/records/${recordId}?samples=1`, {}], [`/api/ecg/records/${recordId}/audit`, {}],
      [`/api/ecg/records/${recordId}/samples?from=0&count=10`, {}],
      [`/api/ecg/records/${recordId}/claim`, { method: 'POST' }], [`/api/ecg/records/${recordId}/release`, { method: 'POST' }],
      [`/api/ecg/records/${recordId}/diagnosis`, { method: 'POST', body: JSON.stringify({ statements: ['x'], text: 'y' }) }],
    ];
    for (const [path, init] of routes) {
      const res = await api(path, 'dr.b', init);
      expect([path, res.status, ((await res.json()) as { code: string }).code]).toEqual([path, 404, 'TM_ERR_ECG_NOT_FOUND']);
    }
    expect((await api(`/api/ecg/records/${recordId}`, 'dr.a')).status).toBe(200);
    await waitFor('refusals logged', () => (hubLog().match(/TM_ERR_SITE_FORBIDDEN/g)?.length ?? 0) >= routes.length || undefined);
    expect(hubLog()).not.toContain(PATIENT);
  });

  it('TLS only: plain http and ws to the hub\'s port are refused; answers carry HSTS; the session is a bearer token, never a cookie', async () => {
    expect(hub.url).toMatch(/^https:/);
    await expect(fetch(`http://127.0.0.1:${hub.port}/api/login`, { method: 'POST', body: JSON.stringify({ username: 'dr.a', password: PW['dr.a'] }) })).rejects.toThrow();
    const plainWs = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${hub.port}/live`);
      ws.on('error', () => resolve('error'));
      ws.once('open', () => { ws.terminate(); resolve('open'); });
    });
    expect(plainWs).toBe('error');
    // No ambient credential for a cross-site request to ride on: the token is in the body only.
    const res = await login('admin', PW.admin);
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    const refused = await api('/api/ecg/worklist', 'nurse.a');
    expect(refused.headers['strict-transport-security']).toBe('max-age=31536000');
    // A /live socket is wss:// only, and needs the hub's CA.
    const untrusted = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${hub.url.replace('https', 'wss')}/live`);
      ws.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      ws.once('open', () => { ws.terminate(); resolve('open'); });
    });
    expect(untrusted).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
  });

  it('brute force: 30 wrong passwords at once are throttled (429 TM_ERR_LOGIN_THROTTLED) and the right one is held back too', async () => {
    const codes = await Promise.all(Array.from({ length: 30 }, (_, i) => login('dr.a', `guess-${i}`).then((r) => r.status)));
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(23);
    const right = await login('dr.a', PW['dr.a']);
    expect(right.status).toBe(429);
    expect(((await right.json()) as { code: string }).code).toBe('TM_ERR_LOGIN_THROTTLED');
    expect(hubLog()).toContain('TM_ERR_LOGIN_THROTTLED');
    expect(hubLog()).not.toMatch(/guess-\d/);
    expect(hubLog()).not.toContain(PW['dr.a']);
  });

  it('unauthenticated /uplink flood: sockets past the per-address cap and Hellos past the check queue are refused; the gateways stay connected', async () => {
    // The attacker holds clinic B's certificate (a stolen gateway): it gets past the TLS layer and the
    // certificate check, so the flood reaches the connection cap and the credential check queue.
    const stolen = await pki.gatewayPems('clinic-b');
    const flood = await Promise.all(Array.from({ length: 40 }, () => new Promise<WebSocket>((resolve) => {
      const ws = new WebSocket(hub.uplinkUrl, 'telemed.v1', { ca: stolen.ca, cert: stolen.cert, key: stolen.key });
      sockets.push(ws);
      ws.on('error', () => undefined);
      ws.once('open', () => resolve(ws));
      ws.once('close', () => resolve(ws));
    })));
    const closes = flood.map((ws) => new Promise<{ code: number; reason: string }>((r) => {
      if (ws.readyState === WebSocket.CLOSED) r({ code: 1013, reason: 'TM_ERR_TOO_MANY_CONNECTIONS' });
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() }));
    }));
    for (const [i, ws] of flood.entries()) {
      if (ws.readyState === WebSocket.OPEN) ws.send(encodeEnvelope({ header: { gatewayId: 'clinic-b' }, hello: { protocolVersion: PROTOCOL_VERSION, gatewayId: 'clinic-b', credential: `stolen-${i}` } }));
    }
    const got = await Promise.all(closes);
    const reasons = new Set(got.map((c) => c.reason));
    expect(got.filter((c) => c.reason === 'TM_ERR_TOO_MANY_CONNECTIONS').length).toBeGreaterThanOrEqual(40 - 14); // two slots held by the gateways
    expect(reasons.has('TM_ERR_BUSY') || reasons.has('TM_ERR_AUTH_FAILED')).toBe(true);
    const health = (await (await api('/healthz')).json()) as { gatewaysConnected: number };
    expect(health.gatewaysConnected).toBe(2);
    expect(hubLog()).toContain('TM_ERR_TOO_MANY_CONNECTIONS');
    expect(hubLog()).not.toMatch(/stolen-\d/);
  });

  it('gateway local API: CSRF POST, token-less POST, cross-origin /live and a rebinding Host are refused with codes and logged', async () => {
    const post = (headers: Record<string, string>) => fetch(`${gwA.url}/api/ecg/records/x/discard`, { method: 'POST', headers });
    const csrf = await post({ origin: 'https://evil.example', 'x-telemed-token': GW_TOKEN });
    expect([csrf.status, ((await csrf.json()) as { code: string }).code]).toEqual([403, 'TM_ERR_ORIGIN_NOT_ALLOWED']);
    const bare = await post({});
    expect([bare.status, ((await bare.json()) as { code: string }).code]).toEqual([403, 'TM_ERR_API_TOKEN_REQUIRED']);
    const wsStatus = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${gwA.url.replace('http', 'ws')}/live`, { origin: 'https://evil.example' });
      ws.on('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => { ws.terminate(); resolve(101); });
    });
    expect(wsStatus).toBe(403);
    // fetch() will not set Host; a rebinding page's browser sends the attacker's name, as here.
    const rebind = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      request({ host: '127.0.0.1', port: gwA.port, path: '/api/ecg/records', headers: { host: `rebind.evil.example:${gwA.port}` } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject).end();
    });
    expect([rebind.status, (JSON.parse(rebind.body) as { code: string }).code]).toEqual([403, 'TM_ERR_HOST_NOT_ALLOWED']);
    // The page's own way still works: the token from same-origin /api/token.
    const t = (await (await fetch(`${gwA.url}/api/token`)).json()) as { token: string };
    expect(t.token).toBe(GW_TOKEN);
    // The child's log reaches us through a pipe, after the response: wait for it (bounded).
    const codes = ['TM_ERR_ORIGIN_NOT_ALLOWED', 'TM_ERR_API_TOKEN_REQUIRED', 'TM_ERR_HOST_NOT_ALLOWED'];
    await waitFor(`the gateway to log ${codes.join(', ')}`, () => codes.every((code) => gwA.output.includes(code)), 5000).catch(() => undefined);
    for (const code of codes) expect(gwA.output).toContain(code);
    const refusalLines = gwA.output.split('\n').filter((l) => l.includes('local API request refused'));
    expect(refusalLines.join('\n')).not.toContain(GW_TOKEN);
  });

  it('revoked sessions: logout closes /live (4403); after a restart without the user, the old token and the password are refused', async () => {
    const s = await live('nurse.a');
    expect((await api('/api/logout', 'nurse.a', { method: 'POST' })).status).toBe(204);
    expect(await s.closed).toEqual({ code: 4403, reason: 'TM_ERR_SESSION_ENDED' });
    expect((await api('/api/me', 'nurse.a')).status).toBe(401);
    // dr.b is removed from the config and dr.a demoted to clinician; the hub restarts.
    const drA = tokens['dr.a'];
    await hub.kill('SIGTERM');
    await writeHubConfig(USERS.filter((u) => u.username !== 'dr.b').map((u) => (u.username === 'dr.a' ? { ...u, role: 'clinician' } : u)));
    await hub.start();
    const me = await api('/api/me', 'dr.b');
    expect([me.status, ((await me.json()) as { code: string }).code]).toEqual([401, 'TM_ERR_UNAUTHENTICATED']);
    expect((await login('dr.b', PW['dr.b'])).status).toBe(401);
    expect((await httpsFetch(`${hub.url}/api/ecg/worklist`, pki.ca, { headers: { authorization: `Bearer ${drA}` } })).status).toBe(401);
    expect(hubLog()).not.toContain(PW['dr.b']);
  });
});
