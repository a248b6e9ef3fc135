// The clinic page's arm panel in Chromium, served by a real gateway whose `ultrasound-arm` device
// drives the real arm simulator over a socat pty; the lease and jogs come from a fake hub over the
// real downlink. The page shows who drives and the force against the cap; its E-STOP stops the arm,
// the hub's next command is refused, and only the page's clear lets a fresh command move it again.
// Screenshots in test-artifacts/. One test (~10 s: Chromium start).
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { TrafficClass, telemed } from '../../protocols/index.js';
import { startSimulatedArm, TEST_ARM_WORKSPACE } from '../../test/helpers/arm-rig.js';
import { artifactPath, assertDashboardsBuilt, launchChromium } from '../../test/e2e/browser.js';
import { loadGatewayConfig } from '../config.js';
import { startGateway } from '../main.js';
import { FakeHub } from '../uplink/fake-hub.js';

const v1 = telemed.v1;
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

it('clinic page: who drives, force and cap, E-STOP stops the arm, the hub cannot resume, the local clear can', async () => {
  assertDashboardsBuilt();
  const browser: Browser = await launchChromium();
  cleanup.push(() => browser.close());
  const arm = await startSimulatedArm({ prefix: 'tm-arm-page-' });
  cleanup.push(() => arm.close());
  const { sim } = arm;
  const hub = await FakeHub.start({ credential: 's3cret' });
  cleanup.push(() => hub.close());
  const gw = await startGateway(loadGatewayConfig({
    gatewayId: 'clinic-1', siteName: 'Village clinic', hub: { url: hub.url, credential: 's3cret' }, port: 0, dataDir: arm.dir,
    outbox: { kind: 'memory' }, uplink: { pingIntervalMs: 100 },
    // 1 s telemetry timeout: Chromium and the gateway share two loaded cores (see arm-gateway.pty.test.ts).
    devices: [{ kind: 'ultrasound-arm', id: 'arm-1', arm: { url: arm.hostPath, telemetryTimeoutMs: 1000, workspace: TEST_ARM_WORKSPACE } }],
  }), { logger: pino({ level: 'silent' }) });
  cleanup.push(() => gw.close());

  let seq = 0;
  let commandId = 0;
  const header = (stream = 'cmd'): telemed.v1.IHeader => ({ gatewayId: 'clinic-1', streamId: `arm-1/${stream}`, seq: ++seq, captureTimeNs: Date.now() * 1e6, trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL, durable: false, budgetMs: 100 });
  const jog = (): void => hub.send({ header: header(), armCommand: { commandId: ++commandId, leaseId: 'L1', operatorId: 'dr.chen', kind: v1.ArmCommandKind.ARM_COMMAND_KIND_JOG, issuedAtNs: Date.now() * 1e6, twist: { vxMmS: 20 } } });

  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  await page.goto(gw.url);
  const text = (id: string) => () => page.getByTestId(id).first().textContent();
  await expect.poll(text('arm-state'), { timeout: 10_000 }).toBe('idle');
  await expect.poll(() => gw.uplink.session.clockOffsetMs !== null, { timeout: 10_000 }).toBe(true);
  expect(await page.getByTestId('arm-operator').textContent()).toBe('nobody');

  hub.send({ header: header('lease'), armLease: { leaseId: 'L1', operatorId: 'dr.chen', armId: 'arm-1', action: v1.ArmLeaseAction.ARM_LEASE_ACTION_GRANT, expiresAtNs: (Date.now() + 600_000) * 1e6, maxForceN: 12, issuedAtNs: Date.now() * 1e6 } });
  await expect.poll(text('arm-operator'), { timeout: 5000 }).toBe('dr.chen');
  await expect.poll(text('arm-cap')).toBe('12.0');
  const keyHeld = setInterval(jog, 20);
  cleanup.push(() => clearInterval(keyHeld));
  await expect.poll(text('arm-state'), { timeout: 5000 }).toBe('active');
  await page.screenshot({ path: await artifactPath('arm-panel-driving.png'), fullPage: true });

  await page.getByTestId('arm-estop').click();
  await expect.poll(text('arm-state'), { timeout: 5000 }).toBe('estopped');
  await expect.poll(() => sim.kin.moving, { timeout: 2000 }).toBe(false);
  // The hub keeps sending: refused (the state stays, the arm stays still).
  await new Promise((r) => setTimeout(r, 200));
  expect(sim.kin.moving).toBe(false);
  await expect.poll(text('arm-last')).toContain('TM_ERR_ARM_ESTOPPED');
  await page.screenshot({ path: await artifactPath('arm-panel-estopped.png'), fullPage: true });

  await page.getByTestId('arm-estop-clear').click();
  // Fresh commands (issued after the clear) move it again.
  await expect.poll(text('arm-state'), { timeout: 5000 }).toBe('active');
  await expect.poll(() => sim.kin.moving, { timeout: 2000 }).toBe(true);
  clearInterval(keyHeld);
  await expect.poll(text('arm-state'), { timeout: 5000 }).toBe('holding');
}, 60_000);
