// What a decode thread does (decode-worker.ts runs it; tests call it directly): a stored record's
// metadata and analysis at arrival, and one page of its samples for the viewer. Pure and
// synchronous; the pool (decode-pool.ts) keeps it off the hub's event loop.
import { CART_LEADS } from '../../protocols/ecg-cart/index.js';
import type { EcgAnalysisSummary } from '../../protocols/ecg/analysis-summary.js';
import { type EcgDocumentLimits, decodeEcgDocument } from '../../protocols/ecg/document/index.js';
import { INVALID_SAMPLE, microvoltsPerCount } from '../../protocols/ecg/record.js';
import { type EcgRecordMeta, describeBlob, isDocumentType, parseBlobType } from './blob-format.js';
import { EcgError, EcgErrorCode } from './errors.js';

/** Which samples a page holds: frames [from, from + count) of the named leads (null: all). */
export interface SamplesRequest {
  readonly from: number;
  /** Frames wanted; null: as many as the page limit allows. */
  readonly count: number | null;
  readonly leads: readonly string[] | null;
  /** Most samples (frames × leads) one page may hold. */
  readonly maxSamples: number;
  /** `?samples=1`: the whole record or TM_ERR_ECG_SAMPLES_TOO_LARGE, never a cut page. */
  readonly whole?: boolean;
}

export type DecodeTask =
  | { readonly op: 'describe'; readonly contentType: string; readonly blob: Uint8Array }
  | { readonly op: 'samples'; readonly contentType: string; readonly blob: Uint8Array; readonly request: SamplesRequest };

/** One lead of a page: counts as stored; µV = (count − baseline) × uvPerCount; INVALID_SAMPLE marks a gap. */
export interface PageLead {
  readonly name: string;
  readonly uvPerCount: number;
  readonly baseline: number;
  readonly counts: Int32Array;
}

/** A page of samples, at the record's most common lead rate. */
export interface SamplesPage {
  readonly sampleRateHz: number;
  /** Frames of the whole record at that rate. */
  readonly frames: number;
  readonly from: number;
  readonly count: number;
  readonly leads: readonly PageLead[];
}

export type DecodeResult =
  | { readonly op: 'describe'; readonly meta: EcgRecordMeta; readonly analysis: EcgAnalysisSummary | null }
  | { readonly op: 'samples'; readonly page: SamplesPage };

/**
 * The hub's bounds on a stored document, checked from its header before any lead is decoded:
 * 2^24 samples in all (64 MiB of counts; 18 leads × 15 min at 1 kHz) instead of the format's 2^25.
 * The reassembler's 8 MiB record cap lets a flat 1-bit-per-sample document declare ~64 M.
 */
export const HUB_DOCUMENT_LIMITS: Partial<EcgDocumentLimits> = { maxTotalSamples: 2 ** 24 };

interface WholeLead { name: string; uvPerCount: number; baseline: number; counts: Int32Array }

function documentLeads(blob: Uint8Array): { rate: number; leads: WholeLead[] } {
  const { record } = decodeEcgDocument(blob, HUB_DOCUMENT_LIMITS);
  const rates = new Map<number, number>();
  for (const l of record.leads) rates.set(l.sampleRateHz, (rates.get(l.sampleRateHz) ?? 0) + 1);
  let rate = record.sampleRateHz, best = 0;
  for (const [r, n] of rates) if (n > best) { best = n; rate = r; }
  return {
    rate,
    leads: record.leads.filter((l) => l.sampleRateHz === rate)
      .map((l) => ({ name: l.lead ?? l.label, uvPerCount: microvoltsPerCount(l), baseline: l.baseline, counts: l.samples })),
  };
}

function cartLeads(contentType: string, blob: Uint8Array): { rate: number; leads: WholeLead[] } {
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

const range = (msg: string): EcgError => new EcgError(EcgErrorCode.SAMPLES_RANGE, msg);

/** Cuts the requested page out of a decoded record; refuses pages past the limit or the record. */
export function pageOf(rate: number, all: readonly WholeLead[], req: SamplesRequest): SamplesPage {
  const frames = all.reduce((m, l) => Math.max(m, l.counts.length), 0);
  let leads = all;
  if (req.leads !== null) {
    const byName = new Map(all.map((l) => [l.name, l]));
    leads = req.leads.map((n) => {
      const l = byName.get(n);
      if (l === undefined) throw range(`no lead "${n.slice(0, 16)}" in this record`);
      return l;
    });
  }
  const n = Math.max(1, leads.length);
  if (req.whole === true) {
    if (frames * n > req.maxSamples) {
      throw new EcgError(EcgErrorCode.SAMPLES_TOO_LARGE, `${frames} frames × ${n} leads exceed one page of ${req.maxSamples} samples: use /samples?from=&count=`);
    }
  } else if (req.count !== null && req.count * n > req.maxSamples) {
    throw range(`${req.count} frames × ${n} leads exceed the page limit of ${req.maxSamples} samples`);
  }
  if (req.from > frames) throw range(`from ${req.from} is past the record's ${frames} frames`);
  const count = Math.min(req.count ?? Math.floor(req.maxSamples / n), frames - req.from);
  return {
    sampleRateHz: rate, frames, from: req.from, count,
    leads: leads.map((l) => {
      // Leads shorter than the record (a multi-rate source) read as gaps past their end.
      const counts = new Int32Array(count).fill(INVALID_SAMPLE);
      counts.set(l.counts.subarray(Math.min(req.from, l.counts.length), Math.min(req.from + count, l.counts.length)));
      return { name: l.name, uvPerCount: l.uvPerCount, baseline: l.baseline, counts };
    }),
  };
}

/** Runs one task. Throws TelemedError codes: TM_ERR_ECG_DOCUMENT, _FORMAT, _SAMPLES_RANGE, _SAMPLES_TOO_LARGE. */
export function runDecodeTask(task: DecodeTask): DecodeResult {
  if (task.op === 'describe') return { op: 'describe', ...describeBlob(task.contentType, task.blob, HUB_DOCUMENT_LIMITS) };
  const { rate, leads } = isDocumentType(task.contentType) ? documentLeads(task.blob) : cartLeads(task.contentType, task.blob);
  return { op: 'samples', page: pageOf(rate, leads, task.request) };
}

/** A page's lead in µV for JSON: three decimals (nothing a viewer can draw is lost), null for a gap. */
export function pageLeadMicrovolts(l: PageLead): (number | null)[] {
  const out = new Array<number | null>(l.counts.length);
  for (let i = 0; i < l.counts.length; i++) {
    const v = l.counts[i] ?? INVALID_SAMPLE;
    out[i] = v === INVALID_SAMPLE || !Number.isFinite(l.uvPerCount) ? null : Math.round((v - l.baseline) * l.uvPerCount * 1000) / 1000;
  }
  return out;
}
