import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { TrafficClass, telemed } from '../../protocols/index.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { FakeHub } from '../../gateway/uplink/fake-hub.js';
import { ScriptedMonitor } from '../../gateway/vitals/scripted-monitor.js';
import { artifactPath, assertDashboardsBuilt, launchChromium } from './browser.js';

// The ambulance page served by a real gateway (its own /live, api guard and vitals pipeline) with a
// scripted monitor and GPS, against the FakeHub: numerics, live waveforms, an alarm from a
// desaturation, the hospital's acknowledgement coming down, and the page still live with the link cut.

const { AlarmState } = telemed.v1;
const SPO2 = 'MDC_PULS_OXIM_SAT_O2';

describe('ambulance page (Chromium, real gateway)', () => {
  let browser: Browser;
  let hub: FakeHub;
  let gw: RunningGateway;
  const monitor = new ScriptedMonitor('mon-1');
  const gps = new ScriptedMonitor('gps-1');
  let spo2 = 97;
  let timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    assertDashboardsBuilt();
    browser = await launchChromium();
    hub = await FakeHub.start({ credential: 'amb-secret' });
    const config = loadGatewayConfig({
      gatewayId: 'amb-42', siteKind: 'ambulance', siteName: 'Ambulance 42', hub: { url: hub.url, credential: 'amb-secret' }, port: 0,
      outbox: { kind: 'memory' }, devices: [{ kind: 'vitals-mqtt', id: 'mon-1' }, { kind: 'gps-nmea', id: 'gps-1', path: '/dev/null' }],
      reconnect: { initialMs: 50, maxMs: 200 },
      vitals: { alarms: { limits: [
        { code: SPO2, label: 'SpO2', unit: '%', low: 90, lowPriority: 'high', hysteresis: 2, delayMs: 1000 },
        { code: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min', low: 50, high: 120, hysteresis: 5 },
      ] } },
    });
    gw = await startGateway(config, { logger: pino({ level: 'silent' }), deviceFactory: (c) => (c.id === 'gps-1' ? gps : monitor) });
    timers = [
      setInterval(() => {
        monitor.numerics([
          { code: 'MDC_ECG_HEART_RATE', label: 'HR', value: 88, unit: '/min', valid: true },
          { code: SPO2, label: 'SpO2', value: spo2, unit: '%', valid: true },
        ]);
        gps.numerics([{ code: 'TM_ETA_S', label: 'ETA', value: 725, unit: 's', valid: true }], { latitudeDeg: 29.14, longitudeDeg: 121.03, speedMps: 15, headingDeg: 80, accuracyM: 4 });
      }, 250),
      // ECG II 500 Hz in 40 ms chunks (a crude beat every 0.75 s), pleth 125 Hz.
      setInterval(() => monitor.waveform('ecg-ii', 'ECG_II', 'MDC_ECG_LEAD_II', 500, 20, 0.001, 'mV', (i) => (i % 375 < 10 ? 1200 : 0) + 50 * Math.sin(i / 40)), 40),
      setInterval(() => monitor.waveform('pleth', 'PLETH', 'MDC_PULS_OXIM_PLETH', 125, 5, 1, '1', (i) => 100 * Math.sin((i / 94) * 2 * Math.PI)), 40),
    ];
  });
  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    await browser?.close();
    await gw?.close();
    await hub?.close();
  });

  /** Non-white pixels on a canvas (the trace). */
  const inkPixels = (page: Page, testId: string): Promise<number> => page.getByTestId(testId).evaluate((el) => {
    // Runs in the page; the Node tsconfig has no DOM types, so the canvas is typed by what is used.
    const c = el as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
    const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; d && i < d.length; i += 4) if ((d[i] ?? 255) < 200 || (d[i + 1] ?? 255) < 200 || (d[i + 2] ?? 255) < 200) n += 1;
    return n;
  });
  const text = (page: Page, id: string) => () => page.getByTestId(id).first().textContent();

  it('shows numerics, waveforms, an alarm, the hospital acknowledgement, and keeps going with the link down', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1300 } });
    await page.goto(gw.url);
    await expect.poll(text(page, 'site-kind')).toBe('Ambulance');
    await expect.poll(text(page, `tile-${SPO2}-value`)).toBe('97');
    expect(await page.getByTestId(`tile-${SPO2}-limits`).textContent()).toBe('≥ 90');
    expect(await page.getByTestId(`tile-${SPO2}`).getAttribute('data-tone')).toBe('ok');
    await expect.poll(text(page, 'eta')).toBe('12:05');
    // The canvases are being drawn (frames counted by the component).
    await expect.poll(async () => Number(await page.getByTestId('wave-MDC_ECG_LEAD_II').getAttribute('data-frames') ?? 0)).toBeGreaterThan(10);
    await expect.poll(async () => Number(await page.getByTestId('wave-MDC_PULS_OXIM_PLETH').getAttribute('data-frames') ?? 0)).toBeGreaterThan(10);
    // …and carry ink, not just a white box.
    for (const id of ['wave-MDC_ECG_LEAD_II', 'wave-MDC_PULS_OXIM_PLETH']) await expect.poll(() => inkPixels(page, id)).toBeGreaterThan(200);
    await page.screenshot({ path: await artifactPath('ambulance-page-stable.png'), fullPage: true });

    spo2 = 83;
    await expect.poll(async () => page.getByTestId(`tile-${SPO2}`).getAttribute('data-tone')).toBe('bad');
    const alarm = await hub.waitFor((e) => e.payload === 'alarm' && e.alarm?.state === AlarmState.ALARM_STATE_ACTIVE && e.alarm.code === `${SPO2}/MDC_EVT_LO`);
    const alarmId = alarm.alarm?.alarmId ?? '';
    const row = page.locator(`[data-code="${SPO2}/MDC_EVT_LO"]`);
    await expect.poll(() => row.getByTestId('alarm-text').textContent()).toContain('SpO2 low 83 %');
    await expect.poll(text(page, 'alarm-count')).toBe('(1 active)');
    await page.screenshot({ path: await artifactPath('ambulance-page-alarm.png'), fullPage: true });

    hub.send({
      header: { gatewayId: 'hub', streamId: 'hub/alarm-acks/amb-42', seq: 1, durable: true, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, captureTimeNs: Date.now() * 1e6 },
      alarm: { alarmId, state: AlarmState.ALARM_STATE_ACKNOWLEDGED, text: 'acknowledged by dr.zhou' },
    });
    await expect.poll(() => row.getByTestId('alarm-ack').textContent()).toMatch(/acknowledged by dr\.zhou at the hospital, \d\d:\d\d:\d\d/);
    await page.screenshot({ path: await artifactPath('ambulance-page-acknowledged.png'), fullPage: true });

    // The tunnel: the hub is gone; the page is the gateway's own and keeps showing the monitor.
    await hub.close();
    await expect.poll(text(page, 'link-state'), { timeout: 5000 }).not.toBe('ready');
    spo2 = 95;
    await expect.poll(text(page, `tile-${SPO2}-value`)).toBe('95');
    await expect.poll(() => row.getAttribute('class')).toContain('alarm-cleared');
    const framesBefore = Number(await page.getByTestId('wave-MDC_ECG_LEAD_II').getAttribute('data-frames'));
    await expect.poll(async () => Number(await page.getByTestId('wave-MDC_ECG_LEAD_II').getAttribute('data-frames'))).toBeGreaterThan(framesBefore + 10);
    await page.screenshot({ path: await artifactPath('ambulance-page-link-down.png'), fullPage: true });
    await page.close();
  });
});
