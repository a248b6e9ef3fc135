import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { TrafficClass, type Clock } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { GatewayMetrics } from '../metrics.js';
import { FakeHub } from './fake-hub.js';
import { Uplink } from './uplink.js';

const SECRET = 'latency-secret';
let hub: FakeHub | undefined;
let uplink: Uplink | undefined;
afterEach(async () => {
  await uplink?.close();
  await hub?.close();
  uplink = hub = undefined;
});

describe('downlink one-way latency at the gateway', () => {
  it('applies the clock offset from ping/pong and exports the histogram per class', async () => {
    hub = await FakeHub.start({ credential: SECRET });
    // This gateway's clock runs 5 s behind the hub's (Date.now): without the offset the latency would be ~5 s.
    const skewed: Clock = { nowNs: () => (Date.now() - 5000) * 1e6, monoMs: () => performance.now() };
    const metrics = new GatewayMetrics(() => 0);
    const config = loadGatewayConfig({ gatewayId: 'clinic-1', hub: { url: hub.url, credential: SECRET }, reconnect: { initialMs: 10, maxMs: 40, jitter: 0 } });
    uplink = new Uplink(config, { clock: skewed, logger: pino({ level: 'silent' }), hooks: metrics.hooks() });
    const seen: { className: string; ms: number }[] = [];
    uplink.session.on('latency', (l) => seen.push(l));
    uplink.start();
    await vi.waitFor(() => expect(uplink?.session.clockOffsetMs).not.toBeNull(), { timeout: 3000, interval: 5 });
    // Captured 40 ms ago on the hub's clock.
    hub.send({ header: { gatewayId: 'hub', streamId: 'arm', seq: 1, trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL, captureTimeNs: (Date.now() - 40) * 1e6 }, armCommand: { commandId: 1 } });
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 3000, interval: 5 });
    expect(seen[0]?.className).toBe('control');
    // 40 ms plus loopback and scheduling; the offset error is at most half the ping RTT.
    expect(seen[0]?.ms).toBeGreaterThanOrEqual(35);
    expect(seen[0]?.ms).toBeLessThan(40 + 60);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/telemed_gateway_downlink_latency_seconds_count\{class="control"\} 1/);
  });
});
