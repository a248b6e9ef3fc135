// The record blob the cart driver produces (devices/ecg-cart/record-assembler.ts recordToMicrovolts):
//
//   content type: application/x-telemed-ecg-int16le;leads=N;rate=R
//   body:         N leads × L samples, lead-major (all of lead 0, then lead 1, ...), each sample a
//                 little-endian int16 in µV (clamped to ±32767 µV), so byte size = N × L × 2.
//
// Lead order is the cart's 18-lead order (protocols/ecg-cart/leads.ts CART_LEADS) when N = 18;
// other counts are named L1..LN because the blob does not carry names.
//
// Newer gateways send the EcgDocument (application/x-telemed-ecg+protobuf, protocols/ecg/document):
// compressed counts with calibration, metadata and the gateway's analysis. Both kinds are read here.
import { CART_LEADS } from '../../protocols/ecg-cart/index.js';
import type { EcgAnalysisSummary } from '../../protocols/ecg/analysis-summary.js';
import { ECG_DOCUMENT_CONTENT_TYPE, type EcgDocumentLimits, decodeEcgDocument } from '../../protocols/ecg/document/index.js';
import { EcgError, EcgErrorCode } from './errors.js';

export const CART_BLOB_TYPE = 'application/x-telemed-ecg-int16le';

/** A decoded record: one µV array per lead. */
export interface EcgSamples {
  /** Samples per second. */
  readonly sampleRateHz: number;
  readonly leads: readonly { readonly name: string; readonly uv: number[] }[];
}

/** Parses `leads` and `rate` out of the content type; throws TM_ERR_ECG_FORMAT for anything else. */
export function parseBlobType(contentType: string): { leads: number; rate: number } {
  const [type, ...params] = contentType.split(';').map((p) => p.trim());
  if (type !== CART_BLOB_TYPE) throw new EcgError(EcgErrorCode.FORMAT, `unknown ECG content type ${type ?? ''}`);
  const kv = new Map(params.map((p) => p.split('=') as [string, string | undefined]));
  const leads = Number(kv.get('leads'));
  const rate = Number(kv.get('rate'));
  if (!Number.isInteger(leads) || leads < 1 || leads > 64 || !(rate > 0)) throw new EcgError(EcgErrorCode.FORMAT, `bad ECG content type parameters: ${contentType}`);
  return { leads, rate };
}

/** Decodes a cart blob into µV arrays. */
export function decodeCartBlob(contentType: string, blob: Uint8Array): EcgSamples {
  const { leads, rate } = parseBlobType(contentType);
  if (blob.byteLength % (leads * 2) !== 0) throw new EcgError(EcgErrorCode.FORMAT, `blob of ${blob.byteLength} bytes is not ${leads} int16 leads`);
  const length = blob.byteLength / (leads * 2);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const names: readonly string[] = leads === CART_LEADS.length ? CART_LEADS : Array.from({ length: leads }, (_, i) => `L${i + 1}`);
  return {
    sampleRateHz: rate,
    leads: names.map((name, l) => {
      const uv = new Array<number>(length);
      for (let i = 0; i < length; i++) uv[i] = view.getInt16((l * length + i) * 2, true);
      return { name, uv };
    }),
  };
}

/** Media type of the EcgDocument (protocols/ecg/document), optionally with parameters. */
export function isDocumentType(contentType: string): boolean {
  return contentType.split(';')[0]?.trim() === ECG_DOCUMENT_CONTENT_TYPE;
}

/** What the worklist shows of a record without decoding its samples again. */
export interface EcgRecordMeta {
  readonly sampleRateHz: number | null;
  readonly durationS: number | null;
  readonly leads: readonly string[];
  readonly statements: readonly string[];
}

/**
 * Metadata and the gateway's analysis of a stored blob of either kind. Throws EcgDocumentError
 * TM_ERR_ECG_DOCUMENT for a document that does not decode, EcgError TM_ERR_ECG_FORMAT for an
 * unknown content type.
 */
export function describeBlob(
  contentType: string, blob: Uint8Array, limits: Partial<EcgDocumentLimits> = {},
): { meta: EcgRecordMeta; analysis: EcgAnalysisSummary | null } {
  if (isDocumentType(contentType)) {
    const { record, analysis } = decodeEcgDocument(blob, limits);
    return {
      meta: {
        sampleRateHz: record.sampleRateHz, durationS: record.sampleRateHz > 0 ? record.frames / record.sampleRateHz : null,
        leads: record.leads.map((l) => l.lead ?? l.label), statements: record.statements,
      },
      analysis,
    };
  }
  const { leads, rate } = parseBlobType(contentType);
  const names: readonly string[] = leads === CART_LEADS.length ? CART_LEADS : Array.from({ length: leads }, (_, i) => `L${i + 1}`);
  return { meta: { sampleRateHz: rate, durationS: blob.byteLength / (2 * leads) / rate, leads: names, statements: [] }, analysis: null };
}
