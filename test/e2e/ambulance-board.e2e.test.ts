// The ambulance board in Chromium against a real hub: a clinician sees the simulated ambulance's
// live heart rate, its ETA, a waveform drawn on canvas and an alarm; acknowledges it; the
// acknowledgement goes down to the ambulance's gateway on the durable downlink. A clinician of
// another site sees none of it. Screenshots in test-artifacts/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHospital, type RunningHospital } from '../../hospital/main.js';
import { FakeGateway, memoryLogger, tempDir, type TempDir } from '../../hospital/test-support.js';
import { alarmFrame, AMB_A, gpsFrame, PATIENT_A, twoSiteConfig, USERS, vitalsFrame } from '../../hospital/vitals/test-fixture.js';
import { artifactPath, assertDashboardsBuilt, DIST_DASHBOARDS, launchChromium } from './browser.js';

describe('ambulance board in Chromium', () => {
  let dir: TempDir;
  let hub: RunningHospital;
  let browser: Browser;
  let amb: FakeGateway;
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  let sample = 0;

  beforeAll(async () => {
    assertDashboardsBuilt();
    dir = tempDir();
    hub = await startHospital(await twoSiteConfig(dir.path, { dashboardsDir: `${DIST_DASHBOARDS}console` }), { logger: memoryLogger().logger });
    browser = await launchChromium();
    amb = await FakeGateway.connect(hub.url);
    amb.send({ header: { gatewayId: AMB_A }, hello: { protocolVersion: 1, gatewayId: AMB_A, credential: 'clinic-1-secret-do-not-log', siteKind: 2, siteName: 'Ambulance 12' } });
    await amb.next('helloAck');
    // 1 Hz numerics and GPS; ECG II at 500 Hz in 40 ms chunks on the live (WAVEFORM) path.
    let tick = 0;
    timer = setInterval(() => {
      const now = Date.now();
      const chunk = Array.from({ length: 20 }, (_, i) => Math.round(300 * Math.sin((sample + i) / 12)));
      amb.send({
        header: { gatewayId: AMB_A, streamId: 'mon-1/ecg-ii', seq: 0, trafficClass: 4, durable: false, captureTimeNs: now * 1e6 },
        waveform: { deviceId: 'mon-1', channel: 'ECG_II', code: 'MDC_ECG_LEAD_II', sampleRateHz: 500, firstSampleIndex: sample, samples: chunk, scale: 0.005, unit: 'mV', patientRef: PATIENT_A },
      });
      sample += chunk.length;
      if (tick++ % 25 === 0) {
        seq += 1;
        amb.send(vitalsFrame(AMB_A, PATIENT_A, seq, now));
        amb.send(gpsFrame(AMB_A, PATIENT_A, seq, now, 600 - seq));
      }
    }, 40);
  });
  afterAll(async () => {
    if (timer !== undefined) clearInterval(timer);
    amb.close();
    await browser.close();
    await hub.close();
    dir.remove();
  });

  const cspViolations: string[] = [];
  async function login(user: keyof typeof USERS): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The board (SVG, canvas) must work under the console's Content-Security-Policy.
    page.on('console', (m) => { if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text()); });
    await page.goto(`${hub.url}/#/ambulances`);
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(USERS[user]);
    await page.getByTestId('login-submit').click();
    return page;
  }

  it('shows live numerics, ETA and a waveform; a clinician acknowledges an alarm and it goes down to the ambulance', async () => {
    const page = await login('nurse.wu');
    await page.getByTestId(`ambulance-${AMB_A}`).click();
    // HR = 80 + seq in the fixture: the tile follows the live frames.
    await expect.poll(async () => Number(await page.getByTestId('tile-MDC_ECG_HEART_RATE-value').textContent()), { timeout: 15_000 }).toBeGreaterThan(80);
    const hr1 = Number(await page.getByTestId('tile-MDC_ECG_HEART_RATE-value').textContent());
    await expect.poll(async () => Number(await page.getByTestId('tile-MDC_ECG_HEART_RATE-value').textContent()), { timeout: 5000 }).toBeGreaterThan(hr1);
    expect(await page.getByTestId(`eta-${AMB_A}`).textContent()).toMatch(/ETA (9|10) min/);
    await expect.poll(async () => Number(await page.getByTestId('trend-MDC_ECG_HEART_RATE').getAttribute('data-points')), { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    // The canvas sweeps: pixels drawn keep growing.
    await expect.poll(async () => Number(await page.getByTestId('wave-ECG_II').getAttribute('data-drawn')), { timeout: 10_000 }).toBeGreaterThan(100);
    await expect.poll(() => page.getByTestId(`map-${AMB_A}`).count()).toBe(1);

    // A deterioration alarm arrives and is shown in the banner.
    amb.send(alarmFrame(AMB_A, PATIENT_A, 1, Date.now(), 'spo2-low-1'));
    await expect.poll(() => page.getByTestId('alarm-spo2-low-1').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('alarm-spo2-low-1').textContent()).toContain('SpO2 low');
    await page.screenshot({ path: await artifactPath('ambulance-board-alarm.png'), fullPage: true });

    await page.getByTestId('ack-spo2-low-1').click();
    const down = await amb.next('alarm', 10_000);
    expect(down.alarm).toMatchObject({ alarmId: 'spo2-low-1', state: 3, text: 'acknowledged by nurse.wu' });
    await expect.poll(() => page.getByTestId('alarm-spo2-low-1').count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId('acked-alarms').textContent()).toContain('acknowledged by nurse.wu');
    await page.screenshot({ path: await artifactPath('ambulance-board-acknowledged.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
    await page.close();
  });

  it('shows nothing of site A to a clinician of site B', async () => {
    const page = await login('nurse.b');
    await expect.poll(() => page.getByTestId('no-ambulances').count(), { timeout: 10_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 1500)); // live frames keep flowing meanwhile
    expect(await page.getByTestId(`ambulance-${AMB_A}`).count()).toBe(0);
    expect(await page.getByTestId('wave-ECG_II').count()).toBe(0);
    await page.screenshot({ path: await artifactPath('ambulance-board-other-site.png'), fullPage: true });
    await page.close();
  });
});
