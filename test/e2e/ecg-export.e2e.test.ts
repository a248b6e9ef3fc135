// The console's "Download as DICOM / HL7 aECG" on a record page, in Chromium against the real hub:
// the record (the ECGToolkit 12-lead Example.scp, as the gateway's EcgDocument) is delivered to the
// hub as stored uplink frames; a specialist logs in, opens it from the worklist, downloads both
// files, and each passes its standard's validator (dciodvfy; xmllint with the HL7 aECG schema) and
// reads back to the source's samples.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../hospital/auth/password.js';
import { loadHospitalConfig } from '../../hospital/config.js';
import { startHospital, type RunningHospital } from '../../hospital/main.js';
import { decodeEnvelope, encodeEnvelope, TrafficClass } from '../../protocols/index.js';
import { ECG_DOCUMENT_CONTENT_TYPE, encodeEcgDocument } from '../../protocols/ecg/document/index.js';
import { readEcgBytes } from '../../protocols/ecg/import.js';
import { firstSampleDifference } from '../conformance/ecg-compare.js';
import { dciodvfy, xmllintSchema } from '../conformance/ecg-validators.js';
import { sharedDataPath } from '../helpers/shared-data.js';
import { makeTempDir } from '../helpers/socat.js';
import { artifactPath, assertDashboardsBuilt, DIST_DASHBOARDS, launchChromium } from './browser.js';

const FAST = { N: 1024, r: 8, p: 1 } as const;
const READER = { username: 'dr.export', password: 'export-pass-1' };
const STEP_MS = 20_000;

describe('console: download a worklist record as DICOM / HL7 aECG (Chromium, real hub)', () => {
  const tmp = makeTempDir('tm-ecg-export-e2e-');
  let hub: RunningHospital | null = null;
  let browser: Browser | null = null;
  const source = readEcgBytes(new Uint8Array(readFileSync(sharedDataPath('ecgtoolkit-examples', 'Example.scp'))), 'Example.scp');

  beforeAll(async () => {
    assertDashboardsBuilt();
    browser = await launchChromium();
    hub = await startHospital(loadHospitalConfig({
      host: '127.0.0.1', port: 0, dataDir: join(tmp.dir, 'hub'), dashboardsDir: join(DIST_DASHBOARDS, 'console'),
      gateways: [{ id: 'clinic-1', secretHash: await hashSecret('gw-secret-export-e2e', FAST) }],
      users: [{ username: READER.username, role: 'specialist', sites: ['clinic-1'], passwordHash: await hashSecret(READER.password, FAST) }],
    }), { logger: pino({ level: 'error' }) });
    // The record as the gateway sends it: one EcgDocument, chunked into durable BULK frames that the
    // hub stores and hands to its registry (what its uplink does for a connected gateway).
    const doc = encodeEcgDocument(source, null);
    const sha = createHash('sha256').update(doc).digest();
    const { store, registry } = hub.app.hospital;
    for (let o = 0, seq = 1; o < doc.length; o += 16_384, seq++) {
      const end = Math.min(doc.length, o + 16_384);
      const raw = encodeEnvelope({
        header: { gatewayId: 'clinic-1', streamId: 'cart-1/ecg-record', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: Date.now() * 1e6 },
        ecgChunk: { recordId: 'EXPORT-E2E-1', offset: o, totalSize: doc.length, data: doc.subarray(o, end), contentType: ECG_DOCUMENT_CONTENT_TYPE, patientRef: 'P-EXPORT', last: end === doc.length, ...(o === 0 ? { sha256: sha } : {}) },
      });
      await store.storeFrames([{ gatewayId: 'clinic-1', streamId: 'cart-1/ecg-record', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, captureTimeNs: 0, receivedAtNs: 0, payloadKind: 'ecgChunk', raw }]);
      registry.emitFrame('clinic-1', decodeEnvelope(raw));
    }
    // The hub describes a stored document on its decode threads before it joins the worklist; on a
    // loaded machine the first thread start can take seconds, which is not what this test is about.
    const deadline = Date.now() + 45_000;
    while (store.ecg.undescribed(1).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(store.ecg.undescribed(1)).toEqual([]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    tmp.remove();
  });

  it('both downloads pass their validators and hold the record\'s 12 leads sample for sample', async () => {
    if (browser === null || hub === null) throw new Error('setup failed');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 }, acceptDownloads: true });
    await page.goto(`${hub.url}/#/ecg`);
    await page.getByLabel('Username').fill(READER.username);
    await page.getByLabel('Password').fill(READER.password);
    await page.getByTestId('login-submit').click();
    const open = page.getByTestId('worklist-pending').getByRole('link', { name: 'EXPORT-E2E-1' });
    await open.waitFor({ timeout: STEP_MS });
    await open.click();
    await page.getByTestId('export-dicom').waitFor({ timeout: STEP_MS });
    await page.screenshot({ path: await artifactPath('ecg-export-record-page.png'), fullPage: true });

    const files: Record<string, string> = {};
    for (const format of ['dicom', 'aecg'] as const) {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: STEP_MS }), page.getByTestId(`export-${format}`).click()]);
      expect(download.suggestedFilename()).toMatch(format === 'dicom' ? /^ecg-\d+\.dcm$/ : /^ecg-\d+\.xml$/);
      const path = join(tmp.dir, download.suggestedFilename());
      await download.saveAs(path);
      files[format] = path;
    }
    expect(await page.getByTestId('export-error').count()).toBe(0);

    const d = await dciodvfy(files['dicom'] ?? '');
    expect(d.errors).toEqual([]);
    expect(d.unaccepted).toEqual([]);
    expect(d.iod).toBe('TwelveLeadECG');
    const x = await xmllintSchema(files['aecg'] ?? '');
    expect(x.valid, x.output).toBe(true);

    for (const path of Object.values(files)) {
      const back = readEcgBytes(new Uint8Array(readFileSync(path)), path);
      expect(back.leads.map((l) => l.lead)).toEqual(source.leads.map((l) => l.lead));
      source.leads.forEach((l, k) => expect(firstSampleDifference(back.leads[k] ?? l, l), `${path} ${l.label}`).toBe(-1));
    }
  });
});
