// A small pool of decode threads for stored ECG records (decode-task.ts): a hostile or simply
// large document costs a thread's time, never the hub's event loop, so /healthz, /uplink and
// /live keep being served while it decodes. The pool itself is protocols/worker-pool.ts (shared
// with the gateway's samples threads): a few threads, a short queue (refused with
// TM_ERR_ECG_DECODE_BUSY when full), a deadline per task and a heap cap per thread (a thread past
// either is terminated and replaced; the task fails with TM_ERR_ECG_DECODE_FAILED).
import { WorkerPool, type WorkerPoolOptions } from '../../protocols/worker-pool.js';
import type { DecodeResult, DecodeTask } from './decode-task.js';
import { EcgError, EcgErrorCode } from './errors.js';

/**
 * Bounds of the pool. Defaults: 2 threads, 8 queued, 10 000 ms per task (a 9 h Holter document
 * decodes in ~2 s), 256 MB old-generation heap per thread (sample buffers are outside it).
 */
export type DecodePoolOptions = WorkerPoolOptions;

export class EcgDecodePool extends WorkerPool<DecodeTask, DecodeResult> {
  constructor(opts: DecodePoolOptions = {}) {
    super(new URL('./decode-worker.js', import.meta.url), {
      busy: (pending) => new EcgError(EcgErrorCode.DECODE_BUSY, `${pending} ECG decodes in progress or queued; try again shortly`),
      failed: (message) => new EcgError(EcgErrorCode.DECODE_FAILED, `ECG decode: ${message}`),
      taskCode: EcgErrorCode.DECODE_FAILED,
    }, opts);
  }
}
