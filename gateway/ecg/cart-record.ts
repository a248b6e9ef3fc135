// The cart's assembled record (devices/ecg-cart) as the internal EcgRecord every other part reads:
// counts stay exact (Int16 → Int32), the cart's µV per count becomes gain in counts per µV.
import type { CartRecord } from '../../devices/ecg-cart/record-assembler.js';
import { DERIVED_LEADS, type LeadInfo } from '../../protocols/ecg-cart/index.js';
import { type EcgChannel, type EcgRecord, leadFromLabel, unknownDevice } from '../../protocols/ecg/record.js';

/** What the cart record itself does not carry. */
export interface CartRecordMeta {
  /** Acquisition start, ISO 8601 (the gateway's clock at RecordStart). Default null. */
  startTime?: string | null;
  /** From the cart's DeviceInfo, when the driver has seen it. */
  device?: { model: string; serial: string; firmware?: string } | null;
  /** The DeviceInfo lead list: its per-lead `derived` flags win over the standard set (III, aVR, aVL, aVF). */
  leadInfo?: readonly LeadInfo[] | null;
  /** ADC resolution in bits; 16 (the wire's int16) by default. */
  adcResolution?: number;
  /** Cart statements and notes, if the cart sent any. */
  statements?: readonly string[];
  notes?: readonly string[];
}

/** Converts a CartRecord to an EcgRecord (source "cart"); the patient id is carried, never logged. */
export function cartRecordToEcgRecord(r: CartRecord, meta: CartRecordMeta = {}): EcgRecord {
  const derivedByName = new Map((meta.leadInfo ?? []).map((l) => [l.name, l.derived] as const));
  const leads: EcgChannel[] = r.leads.map((label, i) => ({
    lead: leadFromLabel(label),
    label,
    samples: Int32Array.from(r.samples[i] ?? new Int16Array(r.length)),
    sampleRateHz: r.sampleRateHz,
    // Physical value = count / gain in µV, so gain = 1 / (µV per count).
    gain: 1 / r.uvPerCount,
    baseline: 0,
    units: 'uV',
    adcResolution: meta.adcResolution ?? 16,
    derived: derivedByName.get(label) ?? DERIVED_LEADS.has(label),
  }));
  const notes = [...(meta.notes ?? [])];
  if (!r.complete) notes.push(r.aborted ? 'record aborted on the cart' : `${r.missingSamples} samples missing (lost blocks)`);
  return {
    id: r.recordId,
    source: 'cart',
    sampleRateHz: r.sampleRateHz,
    frames: r.length,
    startTime: meta.startTime ?? null,
    leads,
    otherSignals: [],
    patient: { id: r.patientId === '' ? null : r.patientId, name: null, ageYears: null, sex: 'U' },
    device: meta.device === undefined || meta.device === null
      ? unknownDevice()
      : { model: meta.device.model, serial: meta.device.serial, manufacturer: null },
    measurements: [],
    statements: [...(meta.statements ?? [])],
    notes,
  };
}
