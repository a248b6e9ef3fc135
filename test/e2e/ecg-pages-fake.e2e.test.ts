import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, assertDashboardsBuilt, launchChromium } from './browser.js';
import { FakeEcgWorld } from './fake-ecg.js';
import { FAKE_USER, startFakeGateway, startFakeHub, type FakeGateway, type FakeHub } from './fake-servers.js';

// Both pages through the whole ECG workflow against contract-exact fakes: the clinic reviews,
// retakes and sends; the specialist claims, measures, signs; the clinic sees and prints the report.

const status = {
  gatewayId: 'clinic-9', siteKind: 'clinic', siteName: 'Test clinic',
  link: { state: 'ready', connectedAt: null, reconnects: 0, rttMs: 12, clockOffsetMs: 1 },
  classes: {}, devices: [{ id: 'cart-1', kind: 'ecg-cart', state: 'running' }],
};
const LEADS_18 = 'I,aVR,V1,V4,II,aVL,V2,V5,III,aVF,V3,V6,V7,V8,V9,V3R,V4R,V5R,II';
const text = (page: Page, id: string) => () => page.getByTestId(id).first().textContent();

describe('ECG workflow pages against fake servers', () => {
  let browser: Browser;
  let hub: FakeHub;
  let gw: FakeGateway;
  const world = new FakeEcgWorld();

  beforeAll(async () => {
    assertDashboardsBuilt();
    browser = await launchChromium();
    gw = await startFakeGateway(status, world.gatewayRoutes);
    hub = await startFakeHub([{ id: 'clinic-9', connected: true, siteKind: 'clinic', siteName: 'Test clinic', latency: {} }], world.hubRoutes({ username: FAKE_USER.username, displayName: 'Dr Test' }));
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await gw?.close();
  });

  it('clinic: retake a poor record, send a good one, follow it; import shows the error code', async () => {
    const clinic = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    await clinic.goto(gw.url);
    await clinic.getByTestId('ecg-none').waitFor();
    await expect.poll(text(clinic, 'live-status')).toBe('live');

    world.addCartRecord({ recordId: 'C-1', verdict: 'poor' });
    await clinic.getByTestId('retake-prompt').waitFor();
    expect(await clinic.getByTestId('retake-prompt').textContent()).toContain('Quality poor — retake?');
    expect(await clinic.getByTestId('quality-verdict').textContent()).toBe('Poor');
    expect(await clinic.getByTestId('quality-V2').textContent()).toContain('muscle noise');
    await clinic.getByTestId('ecg-retake').click();
    await expect.poll(text(clinic, 'ecg-row-status-C-1')).toBe('Discarded');

    world.addCartRecord({ recordId: 'C-2', critical: true });
    await expect.poll(() => clinic.getByTestId('ecg-detail').getAttribute('data-record')).toBe('C-2');
    await expect.poll(() => clinic.getByTestId('ecg-preview-canvas').getAttribute('data-drawn-leads')).toBe(LEADS_18);
    expect(await clinic.getByTestId('ecg-critical-finding').isVisible()).toBe(true);
    await clinic.getByTestId('ecg-send').click();
    await expect.poll(text(clinic, 'ecg-status')).toBe('Queued');
    world.progress('C-2', 0.5);
    await expect.poll(text(clinic, 'ecg-status-detail')).toBe('50 % sent');
    expect(Number(await clinic.getByTestId('ecg-progress').getAttribute('value'))).toBeCloseTo(0.5, 3);
    world.deliver('C-2');
    await expect.poll(text(clinic, 'ecg-status')).toBe('Delivered');

    const input = clinic.getByTestId('ecg-import');
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await expect.poll(text(clinic, 'ecg-import-error')).toContain('TM_ERR_ECG_IMPORT_FORMAT');
    await input.setInputFiles({ name: 'rest.scp', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1234, 7) });
    await expect.poll(() => clinic.getByTestId('ecg-detail').getAttribute('data-record')).toBe('IMP-3');
    expect(world.requests).toEqual(['import x-filename=notes.txt bytes=5', 'import x-filename=rest.scp bytes=1234']);
    await clinic.close();
  });

  it('console: worklist, 409 shown as "being read by", viewer calipers, claim, sign; clinic shows and prints the report', async () => {
    const other = world.deliver(world.addCartRecord({ recordId: 'C-4' })['recordId'] as string);
    const con = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await con.goto(`${hub.url}/#/ecg`);
    await con.getByLabel('Username').fill(FAKE_USER.username);
    await con.getByLabel('Password').fill(FAKE_USER.password);
    await con.getByTestId('login-submit').click();
    await con.getByTestId('worklist-pending').waitFor();
    const c2 = [...world.hub.values()].find((r) => r['recordId'] === 'C-2');
    const id = String(c2?.['id']);
    expect(await con.getByTestId(`worklist-row-${id}`).getAttribute('data-critical')).toBe('true');
    // Critical first even though C-4 is not older: priority orders unread work.
    expect(await con.getByTestId('worklist-pending').locator('tbody tr').first().getAttribute('data-testid')).toBe(`worklist-row-${id}`);

    // A record delivered while the worklist is open appears through /live, without a reload.
    const pushed = world.deliver(world.addCartRecord({ recordId: 'C-5' })['recordId'] as string);
    await con.getByTestId('worklist-pending').getByTestId(`worklist-row-${pushed}`).waitFor({ timeout: 5000 });
    await expect.poll(text(con, 'unread-count')).toBe('(3 pending)');

    // Someone else claims C-4 after this page loaded it: the 409 reads as who is reading.
    await con.getByTestId(`open-${other}`).click();
    await con.getByTestId('claim').waitFor();
    world.claimAs(other, 'dr.other', true);
    await con.getByTestId('claim').click();
    await expect.poll(text(con, 'claim-error')).toBe('Being read by dr.other');
    expect(await con.getByTestId('diagnosis-form').count()).toBe(0);

    await con.goto(`${hub.url}/#/ecg/${id}`);
    const canvas = con.getByTestId('ecg-viewer-canvas');
    await expect.poll(() => canvas.getAttribute('data-drawn-leads')).toBe(LEADS_18);
    await con.screenshot({ path: await artifactPath('ecg-viewer-fake.png'), fullPage: true });
    // Keyboard calipers: 4 × 5 mm at 25 mm/s = 800 ms = 75 bpm.
    await canvas.focus();
    await con.keyboard.press('Enter');
    for (let i = 0; i < 4; i++) await con.keyboard.press('Shift+ArrowRight');
    await con.keyboard.press('Enter');
    await expect.poll(text(con, 'ecg-viewer-caliper')).toMatch(/^Interval 800 ms · 75 bpm \(lead I\)$/);
    // Mouse calipers: two clicks 20 mm apart (96 CSS px per inch at scale 1) read ≈ 800 ms.
    await con.keyboard.press('Escape');
    await canvas.click({ position: { x: 100, y: 60 } });
    await canvas.click({ position: { x: 100 + (20 * 96) / 25.4, y: 60 } });
    const reading = (await con.getByTestId('ecg-viewer-caliper').textContent()) ?? '';
    const ms = Number(/Interval (\d+) ms/.exec(reading)?.[1]);
    expect(Math.abs(ms - 800)).toBeLessThanOrEqual(12); // a click lands on a whole CSS pixel (40 ms ≈ 3.8 px)
    await con.getByTestId('ecg-viewer-speed').selectOption('50');
    await con.keyboard.press('Escape'); // focus moved to the select; Escape there is harmless
    const wide = await canvas.boundingBox();
    await con.getByTestId('ecg-viewer-speed').selectOption('25');
    expect(wide?.width).toBeGreaterThan(((await canvas.boundingBox())?.width ?? 0) * 1.8);
    await con.getByTestId('ecg-viewer-findings').getByRole('button').first().click();
    expect(await con.getByTestId('ecg-viewer-findings').getByRole('button').first().getAttribute('aria-pressed')).toBe('true');

    await con.getByTestId('claim').click();
    await con.getByTestId('diagnosis-form').waitFor();
    await con.getByLabel('Sinus rhythm').check();
    expect(await con.getByTestId('dx-critical').isChecked()).toBe(false);
    await con.getByLabel('Acute inferior STEMI').check();
    expect(await con.getByTestId('dx-critical').isChecked()).toBe(true);
    await con.getByLabel('Posterior involvement').check();
    await con.getByTestId('dx-text').fill('Call the clinic: transfer for PCI.');
    await con.getByTestId('dx-sign').click();
    await expect.poll(text(con, 'signed-reader')).toBe('Dr Test');
    expect(await con.getByTestId('signed-revision').textContent()).toBe('1');
    expect(await con.getByTestId('signed-statements').textContent()).toBe('Sinus rhythmAcute inferior STEMIPosterior involvement');
    await expect.poll(async () => (await con.getByTestId('audit-action').allTextContents()).join(',')).toBe('received,claim,diagnosis');
    expect(await con.getByTestId('amend').isVisible()).toBe(true);
    // The same reader amends: the form starts from the signed reading; the hub keeps both revisions.
    await con.getByTestId('amend').click();
    expect(await con.getByLabel('Posterior involvement').isChecked()).toBe(true);
    await con.getByLabel('Posterior involvement').uncheck();
    await con.getByTestId('dx-sign').click();
    await expect.poll(text(con, 'signed-revision')).toBe('2');
    expect(await con.getByTestId('signed-statements').textContent()).toBe('Sinus rhythmAcute inferior STEMI');
    await expect.poll(async () => (await con.getByTestId('audit-action').allTextContents()).join(',')).toBe('received,claim,diagnosis,amend');
    await con.getByTestId('nav-worklist').click();
    await expect.poll(async () => con.getByTestId('worklist-reported').getByTestId(`worklist-row-${id}`).count()).toBe(1);

    const clinic = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    await clinic.goto(gw.url);
    await clinic.getByTestId('ecg-open-C-2').click();
    await expect.poll(text(clinic, 'ecg-status')).toBe('Reported: CRITICAL');
    expect(await clinic.getByTestId('report-reader').textContent()).toBe('Dr Test');
    expect(await clinic.getByTestId('report-statements').textContent()).toBe('Sinus rhythmAcute inferior STEMI');
    expect(await clinic.getByTestId('report-revision').textContent()).toBe('2');
    expect(await clinic.getByTestId('report-text').textContent()).toBe('Call the clinic: transfer for PCI.');
    await clinic.emulateMedia({ media: 'print' });
    expect(await clinic.getByTestId('ecg-report').isVisible()).toBe(true);
    for (const chrome of ['link-panel', 'ecg-list', 'print-report', 'ecg-preview']) expect(await clinic.getByTestId(chrome).isVisible()).toBe(false);
    await clinic.screenshot({ path: await artifactPath('clinic-report-print-fake.png'), fullPage: true });
    await clinic.close();
    await con.close();
  });
});
