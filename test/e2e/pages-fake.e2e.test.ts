import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDashboardsBuilt, launchChromium } from './browser.js';
import { FAKE_USER, startFakeGateway, startFakeHub, type FakeGateway, type FakeHub, type FakeGatewayView } from './fake-servers.js';

// The pages against contract-exact stand-ins: the behaviours the real stack cannot be made to show
// on cue (a dropped /live socket, a refused token, a link going to backoff).

function view(id: string, connected: boolean, p50: number): FakeGatewayView {
  return {
    id,
    siteKind: id.startsWith('amb') ? 'ambulance' : 'clinic',
    siteName: `${id} site`,
    connected,
    connectedAt: connected ? new Date().toISOString() : null,
    lastSeenAt: null,
    rttMs: 42.5,
    clockOffsetMs: -3.25,
    framesReceived: 10,
    latency: { vitals: { count: 5, p50Ms: p50, p99Ms: 1500, lastMs: 20 } },
  };
}

const status = (state: string): Record<string, unknown> => ({
  gatewayId: 'clinic-9',
  siteKind: 'clinic',
  siteName: 'Test clinic',
  link: { state, connectedAt: null, reconnects: 3, rttMs: 12, clockOffsetMs: 1 },
  classes: { vitals: { sent: 100, dropped: 0, queued: 2, acked: 98 }, video: { sent: 5, dropped: 4, queued: 0, acked: 0 } },
  devices: [{ id: 'cart-1', kind: 'ecg-cart', state: 'connected' }],
});

const text = (page: Page, id: string) => () => page.getByTestId(id).textContent();

describe('dashboards against fake servers', () => {
  let browser: Browser;
  let hub: FakeHub;
  let gw: FakeGateway;

  beforeAll(async () => {
    assertDashboardsBuilt();
    browser = await launchChromium();
    hub = await startFakeHub([view('clinic-1', true, 11), view('amb-1', false, 0)]);
    gw = await startFakeGateway(status('ready'));
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await gw?.close();
  });

  it('console: login, live updates, lost connection, logout, refused token', async () => {
    const page = await browser.newPage();
    await page.goto(hub.url);

    await page.getByLabel('Username').fill(FAKE_USER.username);
    await page.getByLabel('Password').fill('wrong');
    await page.getByTestId('login-submit').click();
    await expect.poll(text(page, 'login-error')).toContain('Wrong username or password');

    await page.getByLabel('Password').fill(FAKE_USER.password);
    await page.getByTestId('login-submit').click();
    await expect.poll(text(page, 'gateway-status-clinic-1')).toBe('connected');
    expect(await page.getByTestId('gateway-status-amb-1').textContent()).toBe('disconnected');
    expect(await page.getByTestId('gateway-kind-amb-1').textContent()).toBe('Ambulance');
    expect(await page.getByTestId('rtt-clinic-1').textContent()).toBe('42.5');
    expect(await page.getByTestId('clock-offset-clinic-1').textContent()).toBe('−3.3');
    expect(await page.getByTestId('latency-clinic-1-vitals-p50').textContent()).toBe('11.0');
    await expect.poll(text(page, 'live-status')).toBe('live');

    hub.broadcast({ type: 'gateway', gateway: view('clinic-1', true, 27) });
    await expect.poll(text(page, 'latency-clinic-1-vitals-p50')).toBe('27.0');
    // p99 1500 ms is over the 1000 ms vitals budget: flagged in words for screen readers too.
    expect(await page.getByTestId('latency-clinic-1-vitals-p99').textContent()).toContain('over budget');

    hub.broadcast({ type: 'vitals', gatewayId: 'clinic-1', streamId: 'v', captureTime: 1, numerics: [{ code: 'HR', label: 'HR', value: 72, unit: 'bpm' }] });
    await expect.poll(text(page, 'vital-clinic-1-HR-value')).toBe('72');
    hub.broadcast('not json at all'); // ignored, page keeps working
    hub.broadcast({ type: 'gateway', gateway: view('amb-1', true, 5) });
    await expect.poll(text(page, 'gateway-status-amb-1')).toBe('connected');

    hub.dropLive(true);
    await page.getByTestId('live-lost').waitFor({ timeout: 5000 });
    expect(await page.getByTestId('live-status').textContent()).toBe('live connection lost');
    hub.dropLive(false);
    await page.getByTestId('live-lost').waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => hub.liveCount()).toBe(1);

    // A hub restart forgets the session: the failed reconnect is traced to the token, not retried forever.
    hub.expireSessions();
    await page.getByTestId('login-form').waitFor({ timeout: 5000 });
    await page.getByLabel('Username').fill(FAKE_USER.username);
    await page.getByLabel('Password').fill(FAKE_USER.password);
    await page.getByTestId('login-submit').click();
    await expect.poll(text(page, 'live-status')).toBe('live');

    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    expect(hub.loggedOut).toEqual(['Bearer fake-token-1']);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    // A token the hub no longer accepts sends the user back to the form, not into a retry loop.
    const stale = JSON.stringify({ token: 'stale', user: { username: 'x', role: '' } });
    await page.evaluate(`sessionStorage.setItem('telemed.console.session', ${JSON.stringify(stale)})`);
    await page.reload();
    await page.getByTestId('login-form').waitFor({ timeout: 5000 });
    await page.close();
  });

  it('site: link state in words, counters, devices, live change to backoff', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
    await page.goto(gw.url);
    await expect.poll(text(page, 'link-state')).toBe('ready');
    expect(await page.getByTestId('link-state').getAttribute('data-tone')).toBe('ok');
    expect(await page.getByTestId('gateway-id').textContent()).toBe('clinic-9');
    expect(await page.getByTestId('reconnects').textContent()).toBe('3');
    expect(await page.getByTestId('class-vitals-queued').textContent()).toBe('2');
    expect(await page.getByTestId('class-video-dropped').textContent()).toBe('4');
    expect(await page.getByTestId('device-state-cart-1').textContent()).toBe('connected');

    gw.status = status('backoff');
    gw.push();
    await expect.poll(text(page, 'link-state')).toBe('backoff');
    expect(await page.getByTestId('link-state').getAttribute('data-tone')).toBe('bad');
    expect(await page.getByTestId('link-meaning').textContent()).toContain('Hospital unreachable');
    await page.close();
  });
});
