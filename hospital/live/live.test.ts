import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHospital, type RunningHospital } from '../main.js';
import { FakeGateway, memoryLogger, PASSWORDS, tempDir, testConfig, type TempDir } from '../test-support.js';
import type { LiveMessage } from './messages.js';

/** A dashboard client that records every JSON message. */
class Dashboard {
  readonly messages: LiveMessage[] = [];
  readonly closed: Promise<number>;
  private waiters: { pred: (m: LiveMessage) => boolean; resolve: (m: LiveMessage) => void }[] = [];
  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as LiveMessage;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    });
  }
  next(pred: (m: LiveMessage) => boolean, timeoutMs = 3000): Promise<LiveMessage> {
    const seen = this.messages.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no matching live message')), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }
}

describe('/live', () => {
  let dir: TempDir;
  let hub: RunningHospital;
  const sockets: WebSocket[] = [];

  async function token(): Promise<string> {
    const res = await hub.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'nurse.wu', password: PASSWORDS['nurse.wu'] } });
    return res.json<{ token: string }>().token;
  }
  async function dashboard(): Promise<Dashboard> {
    const t = await token();
    const ticket = (await hub.app.inject({ method: 'POST', url: '/api/live-ticket', headers: { authorization: `Bearer ${t}` } })).json<{ ticket: string }>().ticket;
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/live?ticket=${ticket}`);
    sockets.push(ws);
    const d = new Dashboard(ws);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return d;
  }

  beforeEach(async () => {
    dir = tempDir();
    hub = await startHospital(await testConfig(dir.path, { live: { maxBufferedBytes: 64 * 1024 } }), { logger: memoryLogger().logger });
  });
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await hub.close();
    dir.remove();
  });

  it('refuses a socket without a valid ticket (401 before the upgrade)', async () => {
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/live?ticket=nope`);
    ws.on('error', () => { /* expected: the upgrade is refused */ });
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('sends a snapshot on connect, then gateway and vitals updates', async () => {
    const d = await dashboard();
    const snap = await d.next((m) => m.type === 'snapshot');
    expect(snap).toMatchObject({ type: 'snapshot', gateways: [{ id: 'clinic-1', connected: false }] });
    expect(await hub.app.hospital.metrics.liveClients.get()).toMatchObject({ values: [{ value: 1 }] });

    const gw = await FakeGateway.connect(hub.url);
    gw.hello();
    await gw.next('helloAck');
    const up = await d.next((m) => m.type === 'gateway' && m.gateway.connected);
    expect(up).toMatchObject({ gateway: { id: 'clinic-1', siteKind: 'clinic' } });

    gw.send(gw.vitals(1));
    const vitals = await d.next((m) => m.type === 'vitals');
    expect(vitals).toMatchObject({ gatewayId: 'clinic-1', streamId: 'vitals/monitor-1', numerics: [{ code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value: 97, unit: '%' }] });
    expect(JSON.stringify(d.messages)).not.toContain('PATIENT-4711');

    gw.send({ header: { gatewayId: 'clinic-1', streamId: 'alarm/monitor-1', seq: 1, trafficClass: 2, durable: true, captureTimeNs: Date.now() * 1e6 },
      alarm: { alarmId: 'a1', priority: 3, state: 1, kind: 1, code: 'TM_ALARM_SPO2_LOW', text: 'SpO2 low', value: 85, unit: '%' } });
    expect(await d.next((m) => m.type === 'alarm')).toMatchObject({ alarmId: 'a1', priority: 'high', state: 'active', kind: 'physiological', value: 85 });

    gw.ws.close();
    expect(await d.next((m) => m.type === 'gateway' && !m.gateway.connected)).toMatchObject({ gateway: { id: 'clinic-1' } });
  });

  it('drops a slow consumer (4429) and keeps serving the others', async () => {
    const slow = await dashboard();
    const fast = await dashboard();
    await slow.next((m) => m.type === 'snapshot');
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the hub's send buffer grows
    const big: LiveMessage = {
      type: 'vitals', gatewayId: 'clinic-1', streamId: 'x', captureTime: null,
      numerics: Array.from({ length: 400 }, (_, i) => ({ code: `MDC_${i}`, label: 'L', value: i, unit: '%' })),
    };
    const { live, metrics } = hub.app.hospital;
    let rounds = 0;
    while ((await metrics.liveDropped.get()).values[0]?.value !== 1) {
      expect(rounds++).toBeLessThan(5000);
      live.broadcast(big);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(live.size).toBe(1);
    slow.ws.resume();
    expect(await slow.closed).toBe(4429);
    // The fast one got everything so far and is still open.
    await fast.next((m) => m.type === 'vitals');
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
  });
});
