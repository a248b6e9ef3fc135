// Shared helpers for the hub's own tests (not used by the product).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import WebSocket from 'ws';
import { decodeEnvelope, encodeEnvelope, PROTOCOL_VERSION, type DecodedEnvelope, type EnvelopeInit, type PayloadKind } from '../protocols/index.js';
import { hashSecret } from './auth/password.js';
import { loadHospitalConfig, type HospitalConfig } from './config.js';
import type { FastifyInstance } from 'fastify';
import { buildHospital } from './app.js';
import type { SessionHandle, SiteKind } from './uplink/registry.js';

/** Cheap scrypt parameters: tests hash many secrets and need not resist brute force. */
export const FAST_SCRYPT = { N: 1024, r: 8, p: 1 } as const;
export const GATEWAY_SECRET = 'clinic-1-secret-do-not-log';
export const PASSWORDS = { 'dr.li': 'li-password-xyz', 'nurse.wu': 'wu-password-xyz', 'it.admin': 'admin-password-xyz' } as const;

export interface TempDir { readonly path: string; remove(): void }
export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'telemed-hospital-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A valid config with one gateway (clinic-1) and three users, on port 0 in `dataDir`. */
export async function testConfig(dataDir: string, extra: Record<string, unknown> = {}): Promise<HospitalConfig> {
  return loadHospitalConfig({
    host: '127.0.0.1', port: 0, dataDir, dashboardsDir: join(dataDir, 'no-dashboards'),
    gateways: [{ id: 'clinic-1', secretHash: await hashSecret(GATEWAY_SECRET, FAST_SCRYPT) }],
    users: [
      { username: 'dr.li', role: 'specialist', sites: ['clinic-1'], passwordHash: await hashSecret(PASSWORDS['dr.li'], FAST_SCRYPT) },
      { username: 'nurse.wu', role: 'clinician', sites: ['clinic-1'], passwordHash: await hashSecret(PASSWORDS['nurse.wu'], FAST_SCRYPT) },
      { username: 'it.admin', role: 'admin', passwordHash: await hashSecret(PASSWORDS['it.admin'], FAST_SCRYPT) },
    ],
    ...extra,
  });
}

/** A pino logger writing into memory, so tests can search the output. */
export function memoryLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { chunks.push(chunk.toString()); cb(); } });
  return { logger: pino({ level: 'debug' }, sink), text: () => chunks.join('') };
}

/** A minimal gateway for tests: speaks the uplink protocol and answers hub pings. */
export class FakeGateway {
  readonly received: DecodedEnvelope[] = [];
  /** Received but not yet taken by `next()`, oldest first. */
  private readonly unread: DecodedEnvelope[] = [];
  private waiters: { kind: PayloadKind; resolve: (e: DecodedEnvelope) => void }[] = [];
  closed: Promise<{ code: number; reason: string }>;
  /** Added to this gateway's clock, ns (to test offset estimation). */
  skewNs = 0;
  answerPings = true;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer) => {
      const env = decodeEnvelope(new Uint8Array(data));
      if (env.payload === 'ping' && this.answerPings) {
        const t = this.nowNs();
        this.send({ header: { gatewayId: 'clinic-1' }, pong: { id: env.ping?.id ?? 0, t1Ns: Number(env.ping?.t1Ns ?? 0), t2Ns: t, t3Ns: t } });
      }
      this.received.push(env);
      // Acks without streams are delivery feedback for pacing (SESSION.md §2): kept in `received`,
      // not handed to next('ack'), which tests use to wait for stream acks.
      if (env.payload === 'ack' && (env.ack?.streams?.length ?? 0) === 0) return;
      const i = this.waiters.findIndex((w) => w.kind === env.payload);
      if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(env);
      else this.unread.push(env);
    });
  }

  static async connect(baseUrl: string): Promise<FakeGateway> {
    const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/uplink`, 'telemed.v1');
    const gw = new FakeGateway(ws);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return gw;
  }

  nowNs(): number { return Date.now() * 1e6 + this.skewNs; }

  send(env: EnvelopeInit): void { this.ws.send(encodeEnvelope(env)); }

  hello(credential = GATEWAY_SECRET, gatewayId = 'clinic-1'): void {
    this.send({ header: { gatewayId }, hello: { protocolVersion: PROTOCOL_VERSION, gatewayId, credential, siteKind: 1, siteName: 'Test clinic' } });
  }

  /** Resolves with the oldest message of `kind` not yet taken, waiting for one if needed. */
  next(kind: PayloadKind, timeoutMs = 3000): Promise<DecodedEnvelope> {
    const i = this.unread.findIndex((e) => e.payload === kind);
    if (i >= 0) return Promise.resolve(this.unread.splice(i, 1)[0] as DecodedEnvelope);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${kind} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ kind, resolve: (e) => { clearTimeout(t); resolve(e); } });
    });
  }

  vitals(seq: number, opts: { durable?: boolean; streamId?: string; captureNs?: number } = {}): EnvelopeInit {
    return {
      header: { gatewayId: 'clinic-1', streamId: opts.streamId ?? 'vitals/monitor-1', seq, trafficClass: 3, durable: opts.durable ?? true, captureTimeNs: opts.captureNs ?? this.nowNs() },
      vitals: { deviceId: 'monitor-1', patientRef: 'PATIENT-4711', numerics: [{ code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value: 97, unit: '%' }] },
    };
  }

  close(): void { this.ws.close(); }
}

/**
 * A gateway session for registry.attach that records what the hub sends it, both ways a registry
 * hands frames over: encoded by the session, or stored durable frames.
 */
export function recordingSession(sent: EnvelopeInit[]): SessionHandle {
  return {
    sessionId: 's-1', close: () => undefined,
    sendDownlink: (env: EnvelopeInit) => { sent.push(env); return 'sent' as const; },
    sendStoredDownlink: (frame: { env: Uint8Array }) => { sent.push(decodeEnvelope(frame.env)); return true; },
  };
}

/**
 * A hub (buildHospital on testConfig) with these gateways enrolled and attached through a
 * recording session, as if connected with the given Hello site; frames are fed with
 * `app.hospital.registry.emitFrame`.
 */
export async function hubWithAttachedGateways(dataDir: string, gateways: Readonly<Record<string, SiteKind>>): Promise<FastifyInstance> {
  const secretHash = await hashSecret(GATEWAY_SECRET, FAST_SCRYPT);
  const app = await buildHospital(await testConfig(dataDir, { gateways: Object.keys(gateways).map((id) => ({ id, secretHash })) }), { logger: memoryLogger().logger });
  const sent: EnvelopeInit[] = [];
  for (const [id, siteKind] of Object.entries(gateways)) app.hospital.registry.attach(id, recordingSession(sent), { siteKind, siteName: id });
  return app;
}

/** Logs every user in through /api/login; their session tokens by username. */
export async function loginAll(app: { inject: (o: { method: 'POST'; url: string; payload: unknown }) => Promise<{ json: <T>() => T }> }, users: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const [username, password] of Object.entries(users)) {
    tokens[username] = (await app.inject({ method: 'POST', url: '/api/login', payload: { username, password } })).json<{ token: string }>().token;
  }
  return tokens;
}
