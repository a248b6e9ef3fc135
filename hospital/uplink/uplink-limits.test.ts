import { afterEach, describe, expect, it } from 'vitest';
import { startHospital, type RunningHospital } from '../main.js';
import { FakeGateway, memoryLogger, tempDir, testConfig, type TempDir } from '../test-support.js';

/**
 * Issue 12, item 12: what an unauthenticated peer can make the hub hold. On the old hub every
 * socket was admitted, every Hello queued its scrypt behind the others (40 made a good login wait
 * 0.8 s), and frames behind a Hello were buffered (see uplink-hostile.test.ts).
 */
describe('/uplink before authentication', () => {
  let dir: TempDir;
  let hub: RunningHospital;
  const open: FakeGateway[] = [];
  afterEach(async () => {
    for (const gw of open.splice(0)) gw.ws.terminate();
    await hub.close();
    dir.remove();
  });
  async function start(uplink: Record<string, unknown>): Promise<void> {
    dir = tempDir();
    hub = await startHospital(await testConfig(dir.path, { uplink }), { logger: memoryLogger().logger });
  }
  async function connect(): Promise<FakeGateway> {
    const gw = await FakeGateway.connect(hub.url);
    open.push(gw);
    return gw;
  }

  it('caps open sockets per address: the one past the cap is closed 1013 TM_ERR_TOO_MANY_CONNECTIONS, counted; a slot frees on close', async () => {
    await start({ maxConnectionsPerAddress: 3 });
    const held = [await connect(), await connect(), await connect()];
    const extra = await connect();
    expect(await extra.closed).toEqual({ code: 1013, reason: 'TM_ERR_TOO_MANY_CONNECTIONS' });
    expect(await hub.app.hospital.metrics.registry.getSingleMetricAsString('telemed_uplink_refused_total')).toContain('reason="TM_ERR_TOO_MANY_CONNECTIONS"} 1');
    held[0]?.ws.close();
    await held[0]?.closed;
    await new Promise((r) => setTimeout(r, 100));
    const good = await connect();
    good.hello();
    expect((await good.next('helloAck')).helloAck?.accepted).toBe(true);
  });

  it('runs at most maxConcurrentHelloChecks scrypt checks and refuses Hellos past the queue (1013 TM_ERR_BUSY); a good gateway still gets in fast', async () => {
    await start({ maxConnectionsPerAddress: 64, maxConcurrentHelloChecks: 1, maxQueuedHelloChecks: 4 });
    // Unknown ids cost the full-cost dummy scrypt (hub default N=16384), like a flood of guesses.
    const flood = await Promise.all(Array.from({ length: 40 }, () => connect()));
    let peak = 0;
    const probe = setInterval(() => {
      void hub.app.hospital.metrics.helloChecks.get().then((m) => { peak = Math.max(peak, m.values.find((v) => v.labels.state === 'running')?.value ?? 0); });
    }, 2);
    flood.forEach((gw, i) => gw.hello('guess', `ghost-${i}`));
    const closes = await Promise.all(flood.map((gw) => gw.closed));
    clearInterval(probe);
    const busy = closes.filter((c) => c.code === 1013 && c.reason === 'TM_ERR_BUSY').length;
    const refused = closes.filter((c) => c.code === 4401).length;
    expect(busy + refused).toBe(40);
    expect(refused).toBeLessThanOrEqual(1 + 4 + 2); // the running one, the queue, and any freed slots refilled while the flood arrived
    expect(busy).toBeGreaterThanOrEqual(33);
    expect(peak).toBeLessThanOrEqual(1);
    // With the flood turned away at once, the real gateway's check does not wait behind 40 scrypts.
    const good = await connect();
    const t0 = performance.now();
    good.hello();
    expect((await good.next('helloAck')).helloAck?.accepted).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
