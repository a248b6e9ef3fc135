// The thread of import-thread.ts: reads one ECG file and answers with the record (sample
// buffers transferred) or the reader's stable code.
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { readEcgBytes, readEcgFile } from '../../protocols/ecg/import.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import { isTelemedError } from '../../protocols/index.js';
import type { ImportJob } from './import-thread.js';
import { loadWfdbRecord } from './wfdb-files.js';

async function read(job: ImportJob): Promise<EcgRecord> {
  if (job.kind === 'bytes') return readEcgBytes(job.bytes, job.name);
  return readEcgFile(job.path, { readFile: (p) => readFile(p), loadWfdb: async (p) => (await loadWfdbRecord(p)).record });
}

parentPort?.once('message', (job: ImportJob) => {
  read(job).then((record) => {
    const buffers = [...record.leads, ...record.otherSignals].map((c) => c.samples.buffer as ArrayBuffer);
    parentPort?.postMessage({ ok: true, record }, [...new Set(buffers)]);
  }, (err: unknown) => {
    parentPort?.postMessage({ ok: false, code: isTelemedError(err) ? err.code : undefined, message: err instanceof Error ? err.message : String(err) });
  });
});
