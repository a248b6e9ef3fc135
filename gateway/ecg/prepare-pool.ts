// A cart's record is analysed and encoded on a thread (protocols/worker-pool.ts), not on the
// gateway's event loop: analysis plus encoding takes 30-200 ms of CPU per 10 s 18-lead record, and
// five carts stopping together held the loop for ~230 ms, so the uplink's pump stopped (CONTROL,
// alarms and live leads waited) and its pacer, finding its own loop late, held back the very
// records it had to send.
import type { EcgRecord } from '../../protocols/ecg/record.js';
import { WorkerPool, type WorkerPoolOptions } from '../../protocols/worker-pool.js';
import { GatewayEcgError, GatewayEcgErrorCode } from './errors.js';
import type { PreparedEcg } from './prepare.js';

/**
 * Defaults: 1 thread (records are prepared in arrival order), 64 queued (a busy pool is not a
 * reason to lose a record: the caller prepares it on its own loop instead), 30 s per record, 512 MB.
 */
export class GatewayPreparePool extends WorkerPool<EcgRecord, PreparedEcg> {
  constructor(opts: WorkerPoolOptions = {}) {
    super(new URL('./prepare-worker.js', import.meta.url), {
      busy: (pending) => new GatewayEcgError(GatewayEcgErrorCode.PREPARE_BUSY, `${pending} ECG records being analysed or queued`),
      failed: (message) => new GatewayEcgError(GatewayEcgErrorCode.PREPARE_FAILED, `ECG analysis: ${message}`),
      taskCode: GatewayEcgErrorCode.PREPARE_FAILED,
    }, { threads: 1, maxQueued: 64, timeoutMs: 30_000, maxHeapMb: 512, ...opts });
  }
}
