// EcgDocument (telemed.proto): the object an ECG record travels as, content type
// application/x-telemed-ecg+protobuf. Leads are compressed per lead (lead-codec.ts); decoding is
// bounded by the limits below and every rejection is an EcgDocumentError TM_ERR_ECG_DOCUMENT.
import { telemed } from '../../wire/proto.js';
import { analysisFromProto, analysisToProto, type EcgAnalysisSummary } from '../analysis-summary.js';
import {
  type EcgChannel, type EcgRecord, STANDARD_LEADS, type StandardLead, microvoltsPerCount,
} from '../record.js';
import { EcgDocumentError, EcgDocumentErrorCode, badDocument } from './errors.js';
import { type LeadCodecOptions, decodeLeadSamples, encodeLeadSamples } from './lead-codec.js';

/** Media type of an encoded EcgDocument. */
export const ECG_DOCUMENT_CONTENT_TYPE = 'application/x-telemed-ecg+protobuf';

/** Decoder bounds. A hostile document cannot make the decoder allocate beyond these. */
export interface EcgDocumentLimits {
  /** Largest accepted document, bytes. Default 64 MiB. */
  maxBytes: number;
  /** Leads plus other signals. Default 64. */
  maxChannels: number;
  /** Samples in one channel. Default 2^24 (9.3 h at 500 Hz). */
  maxSamplesPerChannel: number;
  /** Samples over all channels (4 bytes each once decoded). Default 2^25 (128 MiB). */
  maxTotalSamples: number;
  /** Statements, notes, measurements, findings each. Default 4096. */
  maxItems: number;
}

export const DEFAULT_ECG_DOCUMENT_LIMITS: EcgDocumentLimits = {
  maxBytes: 64 * 1024 * 1024, maxChannels: 64, maxSamplesPerChannel: 2 ** 24, maxTotalSamples: 2 ** 25, maxItems: 4096,
};

const STANDARD = new Set<string>(STANDARD_LEADS);
const DIFF_RICE = telemed.v1.EcgSampleEncoding.ECG_SAMPLE_ENCODING_DIFF_RICE;
const INT32LE = telemed.v1.EcgSampleEncoding.ECG_SAMPLE_ENCODING_INT32LE;

function channelToProto(ch: EcgChannel, codec: Partial<LeadCodecOptions>): telemed.v1.EcgLeadData.$Properties {
  if (!Number.isInteger(ch.baseline) || Math.abs(ch.baseline) > 2147483647) {
    throw new EcgDocumentError(EcgDocumentErrorCode.ENCODE, `channel ${ch.label}: baseline ${ch.baseline} is not an int32`);
  }
  const uv = microvoltsPerCount(ch);
  return {
    lead: ch.lead ?? '', label: ch.label, sampleRateHz: ch.sampleRateHz,
    // 0 marks a non-voltage channel (ABP in mmHg…): it has no µV scale.
    uvPerCount: Number.isFinite(uv) ? uv : 0,
    baseline: ch.baseline, derived: ch.derived, sampleCount: ch.samples.length, encoding: DIFF_RICE,
    data: encodeLeadSamples(ch.samples, { gain: ch.gain, units: ch.units, adcResolution: ch.adcResolution }, codec),
  };
}

/**
 * Encodes a record and (optionally) the gateway's analysis as EcgDocument bytes. Lossless:
 * `decodeEcgDocument(encodeEcgDocument(r, a))` gives back `r` and `a` exactly. Throws
 * TM_ERR_ECG_DOCUMENT_ENCODE for a record the format cannot hold (non-integer baseline).
 */
export function encodeEcgDocument(record: EcgRecord, analysis: EcgAnalysisSummary | null, codec: Partial<LeadCodecOptions> = {}): Uint8Array {
  const doc: telemed.v1.EcgDocument.$Properties = {
    recordId: record.id, source: record.source, sampleRateHz: record.sampleRateHz, frames: record.frames,
    startTime: record.startTime ?? '',
    leads: record.leads.map((ch) => channelToProto(ch, codec)),
    patient: {
      id: record.patient.id ?? '', name: record.patient.name ?? '', ageYears: record.patient.ageYears ?? 0, sex: record.patient.sex,
    },
    device: { model: record.device.model ?? '', serial: record.device.serial ?? '', manufacturer: record.device.manufacturer ?? '' },
    measurements: record.measurements.map((m) => ({ name: m.name, value: m.value, unit: m.unit, lead: m.lead ?? '' })),
    statements: [...record.statements],
    analysis: analysis === null ? null : analysisToProto(analysis),
    notes: [...record.notes],
    otherSignals: record.otherSignals.map((ch) => channelToProto(ch, codec)),
  };
  return telemed.v1.EcgDocument.encode(doc).finish();
}

function leadCode(code: string, what: string): StandardLead | null {
  if (code === '') return null;
  if (!STANDARD.has(code)) throw badDocument(`${what}: "${code.slice(0, 16)}" is not a standard lead code`);
  return code as StandardLead;
}

const orNull = (s: string | null | undefined): string | null => (s === undefined || s === null || s === '' ? null : s);

function channelFromProto(p: telemed.v1.EcgLeadData.$Properties, index: number): EcgChannel {
  const count = p.sampleCount ?? 0;
  const rate = p.sampleRateHz ?? 0;
  if (!(rate > 0 && rate <= 1e6)) throw badDocument(`channel ${index}: sample rate ${rate} out of range`);
  const data = p.data ?? new Uint8Array(0);
  let samples: Int32Array;
  let gain: number, units: string, adcResolution: number;
  if (p.encoding === DIFF_RICE) {
    ({ samples, calibration: { gain, units, adcResolution } } = decodeLeadSamples(data, count));
  } else if (p.encoding === INT32LE) {
    if (data.length !== count * 4) throw badDocument(`channel ${index}: int32 data of ${data.length} bytes for ${count} samples`);
    const view = new DataView(data.buffer, data.byteOffset, data.length);
    samples = new Int32Array(count);
    for (let i = 0; i < count; i++) samples[i] = view.getInt32(i * 4, true);
    // A raw channel carries no calibration of its own: express it in µV per count.
    const uv = p.uvPerCount ?? 0;
    gain = uv > 0 ? 1 / uv : 1; units = uv > 0 ? 'uV' : 'NU'; adcResolution = 0;
  } else {
    throw badDocument(`channel ${index}: sample encoding ${String(p.encoding)} unknown`);
  }
  return {
    lead: leadCode(p.lead ?? '', `channel ${index}`), label: p.label ?? '', samples, sampleRateHz: rate,
    gain, baseline: p.baseline ?? 0, units, adcResolution, derived: p.derived ?? false,
  };
}

function checkChannels(doc: telemed.v1.EcgDocument, limits: EcgDocumentLimits): void {
  const all = [...doc.leads, ...doc.otherSignals];
  if (all.length > limits.maxChannels) throw badDocument(`${all.length} channels, more than ${limits.maxChannels}`);
  let total = 0;
  for (const ch of all) {
    const n = ch.sampleCount ?? 0;
    if (n > limits.maxSamplesPerChannel) throw badDocument(`channel of ${n} samples, more than ${limits.maxSamplesPerChannel}`);
    total += n;
  }
  if (total > limits.maxTotalSamples) throw badDocument(`${total} samples in all, more than ${limits.maxTotalSamples}`);
  for (const [name, n] of [['statements', doc.statements.length], ['notes', doc.notes.length], ['measurements', doc.measurements.length],
    ['findings', doc.analysis?.findings?.length ?? 0], ['beats', doc.analysis?.beats?.length ?? 0]] as const) {
    if (n > (name === 'beats' ? limits.maxSamplesPerChannel : limits.maxItems)) throw badDocument(`too many ${name}: ${n}`);
  }
}

/** Decodes EcgDocument bytes; throws EcgDocumentError TM_ERR_ECG_DOCUMENT on anything malformed or over a limit. */
export function decodeEcgDocument(bytes: Uint8Array, limits: Partial<EcgDocumentLimits> = {}): { record: EcgRecord; analysis: EcgAnalysisSummary | null } {
  const lim = { ...DEFAULT_ECG_DOCUMENT_LIMITS, ...limits };
  if (bytes.length > lim.maxBytes) throw badDocument(`document of ${bytes.length} bytes exceeds ${lim.maxBytes}`);
  let doc: telemed.v1.EcgDocument;
  try {
    doc = telemed.v1.EcgDocument.decode(bytes);
  } catch (err) {
    throw badDocument('not an EcgDocument protobuf', err);
  }
  checkChannels(doc, lim);
  const rate = doc.sampleRateHz;
  if (!(rate > 0 && rate <= 1e6)) throw badDocument(`record sample rate ${rate} out of range`);
  const sex = doc.patient?.sex ?? 'U';
  if (sex !== 'M' && sex !== 'F' && sex !== 'U') throw badDocument('patient sex is not M, F or U');
  const record: EcgRecord = {
    id: doc.recordId, source: doc.source, sampleRateHz: rate, frames: doc.frames, startTime: orNull(doc.startTime),
    leads: doc.leads.map((p, i) => channelFromProto(p, i)),
    otherSignals: doc.otherSignals.map((p, i) => channelFromProto(p, doc.leads.length + i)),
    patient: {
      id: orNull(doc.patient?.id), name: orNull(doc.patient?.name),
      ageYears: (doc.patient?.ageYears ?? 0) === 0 ? null : (doc.patient?.ageYears ?? null), sex,
    },
    device: { model: orNull(doc.device?.model), serial: orNull(doc.device?.serial), manufacturer: orNull(doc.device?.manufacturer) },
    measurements: doc.measurements.map((m, i) => ({
      name: m.name ?? '', value: m.value ?? 0, unit: m.unit ?? '', lead: leadCode(m.lead ?? '', `measurement ${i}`),
    })),
    statements: [...doc.statements],
    notes: [...doc.notes],
  };
  const analysis = doc.analysis === null || doc.analysis === undefined ? null : analysisFromProto(doc.analysis);
  return { record, analysis };
}

