// What a decode thread does (decode-worker.ts runs it; tests call it directly): a stored record's
// metadata and analysis at arrival, and one page of its samples for the viewer. Pure and
// synchronous; the pool (decode-pool.ts) keeps it off the hub's event loop. Paging is
// protocols/ecg/samples-page.ts, shared with the gateway.
import { CART_LEADS } from '../../protocols/ecg-cart/index.js';
import type { EcgAnalysisSummary } from '../../protocols/ecg/analysis-summary.js';
import type { EcgDocumentLimits } from '../../protocols/ecg/document/index.js';
import { type RecordLeads, type SamplesPage, type SamplesRequest, documentLeads, pageOf } from '../../protocols/ecg/samples-page.js';
import { type EcgRecordMeta, describeBlob, isDocumentType, parseBlobType } from './blob-format.js';
import { EcgError, EcgErrorCode } from './errors.js';

// The page types and helpers the hub's routes and tests use, from their shared home.
export { type PageLead, type SamplesPage, type SamplesRequest, pageLeadMicrovolts, pageOf } from '../../protocols/ecg/samples-page.js';

export type DecodeTask =
  | { readonly op: 'describe'; readonly contentType: string; readonly blob: Uint8Array }
  | { readonly op: 'samples'; readonly contentType: string; readonly blob: Uint8Array; readonly request: SamplesRequest };

export type DecodeResult =
  | { readonly op: 'describe'; readonly meta: EcgRecordMeta; readonly analysis: EcgAnalysisSummary | null }
  | { readonly op: 'samples'; readonly page: SamplesPage };

/**
 * The hub's bounds on a stored document, checked from its header before any lead is decoded:
 * 2^24 samples in all (64 MiB of counts; 18 leads × 15 min at 1 kHz) instead of the format's 2^25.
 * The reassembler's 8 MiB record cap lets a flat 1-bit-per-sample document declare ~64 M.
 */
export const HUB_DOCUMENT_LIMITS: Partial<EcgDocumentLimits> = { maxTotalSamples: 2 ** 24 };

function cartLeads(contentType: string, blob: Uint8Array): RecordLeads {
  const { leads, rate } = parseBlobType(contentType);
  if (blob.byteLength % (leads * 2) !== 0) throw new EcgError(EcgErrorCode.FORMAT, `blob of ${blob.byteLength} bytes is not ${leads} int16 leads`);
  const length = blob.byteLength / (leads * 2);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const names: readonly string[] = leads === CART_LEADS.length ? CART_LEADS : Array.from({ length: leads }, (_, i) => `L${i + 1}`);
  return {
    rate,
    leads: names.map((name, l) => {
      const counts = new Int32Array(length);
      for (let i = 0; i < length; i++) counts[i] = view.getInt16((l * length + i) * 2, true);
      return { name, uvPerCount: 1, baseline: 0, counts };
    }),
  };
}

/** Runs one task. Throws TelemedError codes: TM_ERR_ECG_DOCUMENT, _FORMAT, _SAMPLES_RANGE, _SAMPLES_TOO_LARGE. */
export function runDecodeTask(task: DecodeTask): DecodeResult {
  if (task.op === 'describe') return { op: 'describe', ...describeBlob(task.contentType, task.blob, HUB_DOCUMENT_LIMITS) };
  const { rate, leads } = isDocumentType(task.contentType) ? documentLeads(task.blob, HUB_DOCUMENT_LIMITS) : cartLeads(task.contentType, task.blob);
  return { op: 'samples', page: pageOf(rate, leads, task.request) };
}
