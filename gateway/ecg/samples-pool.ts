// The clinic page's ECG samples, decoded on a small pool of threads (protocols/worker-pool.ts, the
// same pool the hub decodes on) and cut into bounded pages (protocols/ecg/samples-page.ts): a large
// imported record (a Holter aECG) costs a thread's time, never the gateway's event loop, so the
// page, the device sessions and the uplink keep running while it decodes.
import type { EcgDocumentLimits } from '../../protocols/ecg/document/index.js';
import { type SamplesPage, type SamplesRequest, documentLeads, pageOf } from '../../protocols/ecg/samples-page.js';
import { WorkerPool, type WorkerPoolOptions } from '../../protocols/worker-pool.js';
import { GatewayEcgError, GatewayEcgErrorCode } from './errors.js';

/** One page of a stored EcgDocument (record-store.ts `document`). */
export interface SamplesTask { readonly document: Uint8Array; readonly request: SamplesRequest }

/** The gateway's bound on a stored document, checked from its header before any lead is inflated (as the hub's). */
export const GATEWAY_DOCUMENT_LIMITS: Partial<EcgDocumentLimits> = { maxTotalSamples: 2 ** 24 };

/** Most samples (frames × leads) in one page or `?samples=1` answer: 18 leads × 10 000 (any 10 s cart record). */
export const MAX_PAGE_SAMPLES = 180_000;

/** What a samples thread runs (samples-worker.ts); tests call it directly. Throws the page's TM_ERR_ECG_SAMPLES_* or the decoder's code. */
export function runSamplesTask(task: SamplesTask): SamplesPage {
  const { rate, leads } = documentLeads(task.document, GATEWAY_DOCUMENT_LIMITS);
  return pageOf(rate, leads, task.request);
}

/** Defaults: 1 thread (a clinic PC shows one record at a time), 4 queued, 10 s per task, 256 MB heap. */
export class GatewaySamplesPool extends WorkerPool<SamplesTask, SamplesPage> {
  constructor(opts: WorkerPoolOptions = {}) {
    super(new URL('./samples-worker.js', import.meta.url), {
      busy: (pending) => new GatewayEcgError(GatewayEcgErrorCode.DECODE_BUSY, `${pending} ECG decodes in progress or queued; try again shortly`),
      failed: (message) => new GatewayEcgError(GatewayEcgErrorCode.DECODE_FAILED, `ECG decode: ${message}`),
      taskCode: GatewayEcgErrorCode.DECODE_FAILED,
    }, { threads: 1, maxQueued: 4, ...opts });
  }
}
