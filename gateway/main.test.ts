import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { pino } from 'pino';
import { loadGatewayConfig } from './config.js';
import { startGateway, type RunningGateway } from './main.js';
import { FakeHub } from './uplink/fake-hub.js';

let hub: FakeHub | undefined;
let gw: RunningGateway | undefined;
afterEach(async () => {
  await gw?.close();
  await hub?.close();
  gw = hub = undefined;
});

describe('startGateway', () => {
  it('streams a device\'s readings to the hub, serves /api/status and /live, and closes with Goodbye', async () => {
    hub = await FakeHub.start({ credential: 's3cret' });
    const config = loadGatewayConfig({
      gatewayId: 'clinic-1', siteName: 'Village clinic', hub: { url: hub.url, credential: 's3cret' },
      port: 0, devices: [{ kind: 'load', id: 'sim-1', durableHz: 10 }], outbox: { kind: 'memory' },
    });
    gw = await startGateway(config, { logger: pino({ level: 'silent' }) });
    expect(gw.url).toBe(`http://127.0.0.1:${gw.port}`);

    const live = new WebSocket(`ws://127.0.0.1:${gw.port}/live`);
    const messages: { type: string; status: { link: { state: string } } }[] = [];
    live.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as (typeof messages)[number]));

    const vit = await hub.waitFor((e) => e.header.streamId === 'sim-1/load-0');
    expect(vit.header).toMatchObject({ gatewayId: 'clinic-1', seq: 1, durable: true, budgetMs: 1000 });
    expect(vit.header.sendTimeNs).toBeGreaterThanOrEqual(vit.header.captureTimeNs);

    const status = (await (await fetch(`${gw.url}/api/status`)).json()) as { link: { state: string }; classes: { vitals: { sent: number; acked: number } } };
    expect(status.link.state).toBe('ready');
    await vi.waitFor(() => expect(gw?.uplink.classCounters().vitals.acked).toBeGreaterThanOrEqual(1), { timeout: 3000, interval: 10 });
    await vi.waitFor(() => expect(messages.some((m) => m.type === 'status' && m.status.link.state === 'ready')).toBe(true), { timeout: 3000, interval: 10 });
    live.close();

    await gw.close();
    await hub.waitFor((e) => e.payload === 'goodbye');
    expect(gw.uplink.session.state).toBe('closed');
    await expect(fetch(`http://127.0.0.1:${gw.port}/healthz`)).rejects.toThrow();
  });
});
