/**
 * Measures one full redraw of the ECG viewer (paper grid + 18 leads × 5000 samples + labels) in
 * headless Chromium (software rendering), per paper setting and devicePixelRatio; prints JSON.
 * A measurement, not a test (it lives here because bench/ belongs to another area):
 *   npm run build:web && npx tsx test/e2e/measure-ecg-draw.ts
 */
import { launchChromium } from './browser.js';
import { FakeEcgWorld } from './fake-ecg.js';
import { startFakeGateway } from './fake-servers.js';

const REPEATS = 5;
const SETTINGS = [['10', '25'], ['20', '25'], ['10', '50'], ['20', '50']] as const;

const world = new FakeEcgWorld();
const gw = await startFakeGateway(
  { gatewayId: 'm', siteKind: 'clinic', siteName: 'M', link: { state: 'ready', connectedAt: null, reconnects: 0, rttMs: 1, clockOffsetMs: 0 }, classes: {}, devices: [] },
  world.gatewayRoutes,
);
world.addCartRecord({ recordId: 'M-1' });
const browser = await launchChromium();
const results: { dpr: number; gainMmPerMv: number; speedMmPerS: number; medianMs: number; maxMs: number }[] = [];
try {
  for (const dpr of [1, 2]) {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 }, deviceScaleFactor: dpr });
    await page.goto(gw.url);
    const canvas = page.getByTestId('ecg-preview-canvas');
    await canvas.waitFor();
    for (const [gain, speed] of SETTINGS) {
      const times: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        // Toggle away and back so each repeat is one redraw at exactly this setting.
        await page.getByTestId('ecg-preview-gain').selectOption(gain === '10' ? '5' : '10');
        await page.getByTestId('ecg-preview-speed').selectOption(speed);
        await page.getByTestId('ecg-preview-gain').selectOption(gain);
        // Preact runs the drawing effect after paint: two frames later it has run.
        await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
        times.push(Number(await canvas.getAttribute('data-draw-ms')));
      }
      times.sort((a, b) => a - b);
      results.push({ dpr, gainMmPerMv: Number(gain), speedMmPerS: Number(speed), medianMs: times[Math.floor(REPEATS / 2)] ?? NaN, maxMs: times.at(-1) ?? NaN });
    }
    await page.close();
  }
} finally {
  await browser.close();
  await gw.close();
}
process.stdout.write(`${JSON.stringify({ what: 'ECG viewer full redraw, 18 leads x 10 s x 500 Hz, headless Chromium --disable-gpu', repeats: REPEATS, results }, null, 1)}\n`);
