import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../helpers/demo-stack.js';
import { artifactPath, assertDashboardsBuilt, launchChromium } from './browser.js';

// The real hub and two real gateways with the demo's simulated devices (ECG cart on a pty at the
// clinic; MQTT/HL7 monitors and GPS in the ambulance), driven through the built pages.

describe('console and site pages on the real stack', () => {
  let stack: DemoStack | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    assertDashboardsBuilt();
    browser = await launchChromium();
    stack = await startDemoStack();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('logs in, shows both gateways connected, and latency figures move', async () => {
    if (stack === undefined || browser === undefined) throw new Error('setup failed');
    // The stack's hub certificate is from a CA made at start, which Chromium does not know.
    expect(stack.hubUrl).toMatch(/^https:/);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: true });
    // Issue 12 item 6: the console works under its Content-Security-Policy (a violation is a console error).
    const cspViolations: string[] = [];
    page.on('console', (m) => { if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text()); });
    await page.goto(stack.hubUrl);
    await page.getByLabel('Username').fill(stack.user.username);
    await page.getByLabel('Password').fill(stack.user.password);
    await page.getByTestId('login-submit').click();

    for (const g of stack.gateways) {
      await expect.poll(() => page.getByTestId(`gateway-status-${g.id}`).textContent(), { timeout: 15_000 }).toBe('connected');
      expect(await page.getByTestId(`gateway-site-${g.id}`).textContent()).toBe(g.siteName);
    }
    // The gateway cards come from REST; the live socket opens after its ticket round trip.
    await expect.poll(() => page.getByTestId('live-status').textContent(), { timeout: 10_000 }).toBe('live');

    // Vitals flow from the ambulance's monitors; their one-way latency must show up and then change.
    const row = (): Promise<string[]> =>
      Promise.all(['p50', 'p99', 'last', 'count'].map(async (f) => (await page.getByTestId(`latency-amb-1-vitals-${f}`).textContent()) ?? ''));
    await expect.poll(async () => (await row())[2], { timeout: 15_000 }).not.toBe('—');
    const first = await row();
    expect(Number(first[2])).toBeGreaterThanOrEqual(0);
    await expect.poll(async () => (await row()).join('|'), { timeout: 15_000 }).not.toBe(first.join('|'));

    expect(cspViolations).toEqual([]);
    // ...and the browser enforces it: an injected inline script is refused (and would be seen above).
    await page.evaluate("(() => { const el = document.createElement('script'); el.textContent = 'window.injected = 1'; document.body.append(el); })()");
    await expect.poll(() => cspViolations.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(await page.evaluate('typeof window.injected')).toBe('undefined');
    await page.screenshot({ path: await artifactPath('console.png'), fullPage: true });
    await page.close();
  });

  it('shows link state ready on a gateway site page', async () => {
    if (stack === undefined || browser === undefined) throw new Error('setup failed');
    const gw = stack.gateways.find((g) => g.siteKind === 'ambulance') ?? stack.gateways[0];
    if (gw === undefined) throw new Error('no gateway');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(gw.url);
    await expect.poll(() => page.getByTestId('link-state').textContent(), { timeout: 15_000 }).toBe('ready');
    expect(await page.getByTestId('gateway-id').textContent()).toBe(gw.id);
    expect(await page.getByTestId('live-status').textContent()).toBe('live');
    await expect.poll(() => page.getByTestId('class-vitals-sent').textContent(), { timeout: 10_000 }).not.toBe('—');
    await page.screenshot({ path: await artifactPath('site.png'), fullPage: true });
    await page.close();
  });
});
