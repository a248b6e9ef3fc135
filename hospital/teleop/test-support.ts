// Shared helpers for the teleop tests (hospital/teleop and test/security); not used by the product.
import WebSocket from 'ws';
import { hashSecret } from '../auth/password.js';
import type { HospitalConfig } from '../config.js';
import { startHospital, type RunningHospital } from '../main.js';
import { parseImageMessage } from './messages.js';
import { FAST_SCRYPT, GATEWAY_SECRET, memoryLogger, tempDir, testConfig, type TempDir } from '../test-support.js';

export const TELEOP_PASSWORDS = {
  'dr.li': 'li-password-xyz', 'dr.ma': 'ma-password-xyz', 'dr.far': 'far-password-xyz', 'nurse.wu': 'wu-password-xyz', 'it.admin': 'admin-password-xyz',
} as const;
export type TeleopUser = keyof typeof TELEOP_PASSWORDS;

/**
 * Two clinics (clinic-1, clinic-2, each its own site); specialists dr.li and dr.ma read for
 * clinic-1, dr.far only for clinic-2; nurse.wu is a clinician of clinic-1; it.admin.
 */
export async function teleopConfig(dir: string, extra: Record<string, unknown> = {}): Promise<HospitalConfig> {
  const h = (u: TeleopUser) => hashSecret(TELEOP_PASSWORDS[u], FAST_SCRYPT);
  return testConfig(dir, {
    gateways: [
      { id: 'clinic-1', secretHash: await hashSecret(GATEWAY_SECRET, FAST_SCRYPT) },
      { id: 'clinic-2', secretHash: await hashSecret('clinic-2-secret', FAST_SCRYPT) },
    ],
    users: [
      { username: 'dr.li', role: 'specialist', sites: ['clinic-1'], passwordHash: await h('dr.li') },
      { username: 'dr.ma', role: 'specialist', sites: ['clinic-1'], passwordHash: await h('dr.ma') },
      { username: 'dr.far', role: 'specialist', sites: ['clinic-2'], passwordHash: await h('dr.far') },
      { username: 'nurse.wu', role: 'clinician', sites: ['clinic-1'], passwordHash: await h('nurse.wu') },
      { username: 'it.admin', role: 'admin', passwordHash: await h('it.admin') },
    ],
    ...extra,
  });
}

export interface TeleopHub {
  readonly hub: RunningHospital;
  readonly dir: TempDir;
  readonly logs: ReturnType<typeof memoryLogger>;
  readonly tokens: Record<TeleopUser, string>;
  close(): Promise<void>;
}

/** A real hub on a loopback port with every teleop user logged in. */
export async function startTeleopHub(extra: Record<string, unknown> = {}): Promise<TeleopHub> {
  const dir = tempDir();
  const logs = memoryLogger();
  const hub = await startHospital(await teleopConfig(dir.path, extra), { logger: logs.logger });
  const tokens = {} as Record<TeleopUser, string>;
  for (const [username, password] of Object.entries(TELEOP_PASSWORDS)) {
    const res = await hub.app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
    tokens[username as TeleopUser] = res.json<{ token: string }>().token;
  }
  return { hub, dir, logs, tokens, close: async () => { await hub.close(); dir.remove(); } };
}

/** A value of one counter line of /metrics (0 when absent). */
export async function metricValue(hub: RunningHospital, line: string): Promise<number> {
  const text = await hub.app.hospital.metrics.registry.metrics();
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

export type TeleopServerMessage = { type: string; [k: string]: unknown };

/** A browser's /teleop socket that records every JSON message. */
export class TeleopBrowser {
  readonly messages: TeleopServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { pred: (m: TeleopServerMessage) => boolean; resolve: (m: TeleopServerMessage) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      // Binary messages are ultrasound images: recorded as { type: 'image', ...header, jpeg }.
      let m: TeleopServerMessage;
      if (isBinary) {
        const { header, jpeg } = parseImageMessage(data);
        m = { ...header, jpeg };
      } else {
        m = JSON.parse(data.toString()) as TeleopServerMessage;
      }
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    });
  }

  /** Asks a ticket with `token` and opens /teleop with it; rejects with the HTTP status when refused. */
  static async open(hub: RunningHospital, token: string): Promise<TeleopBrowser> {
    const res = await hub.app.inject({ method: 'POST', url: '/api/live-ticket', headers: { authorization: `Bearer ${token}` } });
    return TeleopBrowser.openWithTicket(hub, res.json<{ ticket: string }>().ticket);
  }

  static openWithTicket(hub: RunningHospital, ticket: string): Promise<TeleopBrowser> {
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/teleop?ticket=${encodeURIComponent(ticket)}`);
    const b = new TeleopBrowser(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(b));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString(); });
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode ?? 0}`), { status: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  next(pred: (m: TeleopServerMessage) => boolean, timeoutMs = 3000): Promise<TeleopServerMessage> {
    const seen = this.messages.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching /teleop message within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }

  /** The first error with `seq` (commands carry their own seq). */
  errorFor(seq: number): Promise<TeleopServerMessage> {
    return this.next((m) => m.type === 'error' && m['seq'] === seq);
  }
}
