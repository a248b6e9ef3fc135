import WebSocket from 'ws';
import { parseImageMessage } from '../../hospital/teleop/messages.js';
import { TELEOP_PASSWORDS } from '../../hospital/teleop/test-support.js';
import { sleep, wallMs } from '../uplink/clock.js';
import type { ReceivedImage, SentCommand } from './analyse.js';
import { ARM_ID, GATEWAY_ID, type Peer } from './ipc.js';

/** The console's jog period (dashboards/console/src/teleop: a jog every 40 ms while driving). */
export const COMMAND_PERIOD_MS = 40;
/** Each 3 s: 2 s of jogging (x velocity 20 mm/s × a sine), one hold, then heartbeats for the rest. */
const CYCLE_MS = 3000;
const JOG_MS = 2000;

/**
 * The specialist's side: one WebSocket to the hub, what it sent (with wall-clock send times) and
 * the images it received. telemed: signs in as a specialist, takes the arm's lease over REST and
 * opens /teleop with a ticket, as the console does; fifo: the baseline's plain /operator socket.
 */
export class Operator {
  readonly sent: SentCommand[] = [];
  readonly images: ReceivedImage[] = [];
  readonly errors: Record<string, number> = {};
  /** telemed: the hub's `rtt` echoes (its command id beside our seq): checks that command id = seq. */
  readonly idChecks = { echoed: 0, mismatched: 0 };
  private seq = 0;

  private constructor(private readonly ws: WebSocket, private readonly leaseId: string | null) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const recvMs = wallMs();
      if (isBinary) {
        const { header } = parseImageMessage(data);
        this.images.push({ frameId: header.frameId, captureMs: header.captureTimeMs, recvMs });
        return;
      }
      const m = JSON.parse(data.toString('utf8')) as { type?: string; code?: string; commandId?: number; seq?: number | null };
      if (m.type === 'error') this.errors[m.code ?? '?'] = (this.errors[m.code ?? '?'] ?? 0) + 1;
      if (m.type === 'rtt' && typeof m.seq === 'number') {
        this.idChecks.echoed++;
        if (m.commandId !== m.seq) this.idChecks.mismatched++;
      }
    });
    ws.on('error', () => undefined);
  }

  static async open(peer: Peer, hubPort: number): Promise<Operator> {
    const http = `http://127.0.0.1:${hubPort}`;
    if (peer === 'fifo') return new Operator(await openWs(`ws://127.0.0.1:${hubPort}/operator`), null);
    const login = await postJson(http, '/api/login', null, { username: 'dr.li', password: TELEOP_PASSWORDS['dr.li'] });
    const token = (login.body as { token: string }).token;
    const ticket = (await postJson(http, '/api/live-ticket', token, {})).body as { ticket: string };
    const ws = await openWs(`ws://127.0.0.1:${hubPort}/teleop?ticket=${encodeURIComponent(ticket.ticket)}`);
    // The hub learns of the arm from the gateway's telemetry: ask until it grants (bounded).
    for (let i = 0; ; i++) {
      const r = await postJson(http, '/api/teleop/sessions', token, { gatewayId: GATEWAY_ID, armId: ARM_ID });
      if (r.status === 201) return new Operator(ws, (r.body as { lease: { id: string } }).lease.id);
      if (i >= 50) throw new Error(`lease refused: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      await sleep(200);
    }
  }

  /** Sends the console's command pattern every COMMAND_PERIOD_MS (absolute times) until `untilMs`. */
  async drive(untilMs: number): Promise<void> {
    const start = wallMs();
    let wasJogging = false;
    for (let n = 0; ; n++) {
      const due = start + n * COMMAND_PERIOD_MS;
      if (due >= untilMs) return;
      await sleep(due - wallMs());
      const phase = (due - start) % CYCLE_MS;
      const jogging = phase < JOG_MS;
      if (jogging) this.send('jog', { twist: { vx: Math.round(20 * Math.sin((2 * Math.PI * phase) / JOG_MS) * 100) / 100, vy: 0, vz: 0 } });
      else this.send(wasJogging ? 'hold' : 'heartbeat', {});
      wasJogging = jogging;
    }
  }

  private send(kind: string, extra: Record<string, unknown>): void {
    const seq = ++this.seq;
    const sentMs = wallMs();
    const msg = { type: kind, ...(this.leaseId !== null ? { leaseId: this.leaseId } : {}), seq, sentAtMs: Math.round(sentMs), ...extra };
    this.sent.push({ seq, kind, sentMs });
    this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A plain `ws` client socket, open. */
export function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => { ws.removeListener('error', reject); resolve(ws); });
    ws.once('error', reject);
  });
}

async function postJson(base: string, path: string, token: string | null, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(base + path, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token !== null ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}
