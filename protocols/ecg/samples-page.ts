// One page of a stored ECG record's samples for a viewer, shared by the hub's decode threads
// (hospital/ecg/decode-task.ts) and the gateway's (gateway/ecg/samples-worker.ts): the record's
// most common lead rate, frames [from, from + count) of the chosen leads, at most `maxSamples`
// (frames × leads) per page, so no request makes a server build an unbounded answer. Pure and
// synchronous: callers run it on a worker thread (protocols/worker-pool.ts).
import { TelemedError } from '../errors.js';
import { type EcgDocumentLimits, decodeEcgDocument } from './document/index.js';
import { INVALID_SAMPLE, microvoltsPerCount } from './record.js';

/** Stable codes of a page request (the hub and the gateway answer 400 and 413 with them). */
export const SamplesErrorCode = {
  /** A page past the record, a lead it does not have, or more samples than a page holds. */
  RANGE: 'TM_ERR_ECG_SAMPLES_RANGE',
  /** `whole`: the record does not fit one page. */
  TOO_LARGE: 'TM_ERR_ECG_SAMPLES_TOO_LARGE',
} as const;

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

/** A decoded record's leads at one rate, whole, before paging. */
export interface RecordLeads { readonly rate: number; readonly leads: PageLead[] }

/** An EcgDocument's leads at its most common rate (a multi-rate source's other leads are left out). */
export function documentLeads(blob: Uint8Array, limits: Partial<EcgDocumentLimits>): RecordLeads {
  const { record } = decodeEcgDocument(blob, limits);
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

const range = (msg: string): TelemedError => new TelemedError(SamplesErrorCode.RANGE, msg);

/** Cuts the requested page out of a decoded record; refuses pages past the limit or the record. */
export function pageOf(rate: number, all: readonly PageLead[], req: SamplesRequest): SamplesPage {
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
      throw new TelemedError(SamplesErrorCode.TOO_LARGE, `${frames} frames × ${n} leads exceed one page of ${req.maxSamples} samples: use /samples?from=&count=`);
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

/** A page's lead in µV for JSON: three decimals (nothing a viewer can draw is lost), null for a gap. */
export function pageLeadMicrovolts(l: PageLead): (number | null)[] {
  const out = new Array<number | null>(l.counts.length);
  for (let i = 0; i < l.counts.length; i++) {
    const v = l.counts[i] ?? INVALID_SAMPLE;
    out[i] = v === INVALID_SAMPLE || !Number.isFinite(l.uvPerCount) ? null : Math.round((v - l.baseline) * l.uvPerCount * 1000) / 1000;
  }
  return out;
}

/** Sample buffers of a page, for a thread to transfer rather than copy. */
export const pageBuffers = (p: SamplesPage): ArrayBuffer[] => p.leads.map((l) => l.counts.buffer as ArrayBuffer);
