// Reads an ECG file on a thread of its own, so a large or hostile file (a 24 h aECG, an XML
// "element bomb", a DICOM with a million items) costs that thread's time and heap, never the
// gateway's event loop: the clinic page, the device sessions and the uplink keep running. One
// short-lived thread per import (imports are a few a day), a deadline and a heap cap; the
// reader's own TM_ERR_* code comes back unchanged.
import { Worker } from 'node:worker_threads';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import { TelemedError } from '../../protocols/index.js';
import { workerEntry } from '../../protocols/worker-pool.js';

/** What to read: bytes already in memory (the upload route) or a file by path (the watch folder, WFDB companions read there). */
export type ImportJob = { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly name: string } | { readonly kind: 'file'; readonly path: string };

export interface ImportThreadOptions {
  /** Longest a read may take, ms. Default 60 000 (a 24 h Holter aECG reads in ~10 s). */
  readonly timeoutMs?: number;
  /** V8 old-generation cap of the thread, MB. Default 1024 (24 h × 12 leads at 1 kHz as text). */
  readonly maxHeapMb?: number;
}

/** Code of a read that ran past its deadline or out of heap on the thread. */
export const IMPORT_THREAD_FAILED = 'TM_ERR_ECG_IMPORT_THREAD';

/** Reads one ECG file on a new thread. Rejects with the reader's TelemedError code, or TM_ERR_ECG_IMPORT_THREAD. */
export function readEcgOnThread(job: ImportJob, opts: ImportThreadOptions = {}): Promise<EcgRecord> {
  const e = workerEntry(new URL('./import-worker.js', import.meta.url));
  const worker = new Worker(e.source, { eval: e.eval, resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb ?? 1024 } });
  return new Promise<EcgRecord>((resolve, reject) => {
    let done = false;
    const finish = (f: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      f();
      void worker.terminate();
    };
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => finish(() => reject(new TelemedError(IMPORT_THREAD_FAILED, `ECG file read exceeded ${timeoutMs} ms`))), timeoutMs);
    worker.once('message', (m: { ok: boolean; record?: EcgRecord; code?: string; message?: string }) => finish(() => {
      if (m.ok && m.record !== undefined) resolve(m.record);
      else reject(new TelemedError(m.code ?? IMPORT_THREAD_FAILED, m.message ?? 'ECG file read failed'));
    }));
    worker.once('error', (err) => finish(() => reject(new TelemedError(IMPORT_THREAD_FAILED, `ECG file read thread failed: ${err.message}`))));
    worker.once('exit', () => finish(() => reject(new TelemedError(IMPORT_THREAD_FAILED, 'ECG file read thread exited'))));
    worker.postMessage(job);
  });
}
