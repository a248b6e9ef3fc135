// ECG files read on a thread (import-thread.ts): the same record as the in-process reader, the
// reader's own codes, and the gateway's event loop free while a hostile file is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { readEcgBytes } from '../../protocols/ecg/import.js';
import { readEcgOnThread } from './import-thread.js';

describe('readEcgOnThread', () => {
  it('reads a real aECG file (bytes) and a WFDB record (file with its data file) as the in-process reader does', async () => {
    const xml = readFileSync(join(sharedDataPath('ecgtoolkit-examples'), 'Example.xml'));
    const onThread = await readEcgOnThread({ kind: 'bytes', bytes: new Uint8Array(xml), name: 'Example.xml' });
    expect(onThread).toEqual(readEcgBytes(new Uint8Array(xml), 'Example.xml'));
    const wfdb = await readEcgOnThread({ kind: 'file', path: join(sharedDataPath('ecg-kit-recordings'), '208.hea') });
    expect(wfdb.source).toBe('wfdb');
    expect(wfdb.leads.length).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a 15 MiB element bomb with TM_ERR_AECG_XML_LIMIT while the event loop keeps ticking', async () => {
    const bomb = new TextEncoder().encode(`<AnnotatedECG xmlns="urn:hl7-org:v3">${'<a/>'.repeat((15 * 1024 * 1024) / 4)}</AnnotatedECG>`);
    let worst = 0;
    let last = performance.now();
    const tick = setInterval(() => { const now = performance.now(); worst = Math.max(worst, now - last - 5); last = now; }, 5);
    try {
      await expect(readEcgOnThread({ kind: 'bytes', bytes: bomb, name: 'bomb.xml' })).rejects.toMatchObject({ code: 'TM_ERR_AECG_XML_LIMIT' });
    } finally {
      clearInterval(tick);
    }
    expect(worst, `timer late by ${worst.toFixed(0)} ms`).toBeLessThan(150);
  }, 60_000);

  it('gives up on a read past its deadline with TM_ERR_ECG_IMPORT_THREAD', async () => {
    const xml = readFileSync(join(sharedDataPath('ecgtoolkit-examples'), 'Example.xml'));
    await expect(readEcgOnThread({ kind: 'bytes', bytes: new Uint8Array(xml), name: 'Example.xml' }, { timeoutMs: 1 })).rejects.toMatchObject({ code: 'TM_ERR_ECG_IMPORT_THREAD' });
  }, 60_000);
});
