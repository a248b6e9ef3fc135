// DICOM waveform (12-lead ECG, General ECG, Ambulatory ECG; PS3.3 C.10.9 Waveform module) →
// EcgRecord. The rhythm multiplex group (labelled RHYTHM, else the first ≥ 1 s long, else the first)
// becomes the record; its counts are kept exactly and the channel calibration becomes gain/baseline:
// physical = count × ChannelSensitivity × CorrectionFactor + ChannelBaseline (C.10.9.1.4.3), so
// gain = 1/(sensitivity × correction) counts per unit and baseline = −ChannelBaseline × gain counts.
import { ageAt, hl7TsToIso } from '../aecg/hl7-time.js';
import { leadOfNumber } from '../aecg/lead-codes.js';
import { normaliseMeasurement } from '../aecg/measurement-names.js';
import {
  type EcgChannel, type EcgMeasurement, type EcgRecord, type StandardLead,
  INVALID_SAMPLE, isEcgChannel, leadFromLabel, unknownDevice, unknownPatient,
} from '../record.js';
import { DicomError, DicomErrorCode } from './errors.js';
import { type DicomDataset, type DicomLimits, parseDicom } from './parse.js';
import { T } from './tags.js';
import { decimal, items, str, uint } from './values.js';

/** Bounds of the reader on top of the parser's. */
export interface DicomReadOptions extends DicomLimits {
  /** Maximum channels × samples of the imported group (default 200 000 000). */
  maxSamples?: number;
}

/** Lead from a channel source code: SCPECG "5.6.3-9-n", MDC "2:n", or the meaning/label text. */
export function leadOfChannelSource(value: string | null, scheme: string | null, meaning: string | null, label: string | null): StandardLead | null {
  const scp = value === null ? null : /^5\.6\.3-9-(\d{1,3})$/.exec(value);
  const byScp = scp !== null && (scheme === null || scheme.startsWith('SCPECG')) ? leadOfNumber(Number(scp[1])) : null;
  if (byScp !== null) return byScp;
  const mdc = value === null ? null : /^2:(\d{1,3})$/.exec(value);
  const byMdc = mdc !== null && (scheme === null || scheme === 'MDC') ? leadOfNumber(Number(mdc[1])) : null;
  if (byMdc !== null) return byMdc;
  // "Lead I (Einthoven)", "Lead aVR": the text without the parenthesised qualifier.
  for (const text of [label, meaning]) {
    if (text === null) continue;
    const lead = leadFromLabel(text.replace(/\(.*?\)/g, ''));
    if (lead !== null) return lead;
  }
  return null;
}

function tidy(x: number): number {
  const r = Math.round(x);
  // + 0 turns −0 (from −0/scale) into 0.
  return (Math.abs(x - r) < 1e-9 * Math.max(1, Math.abs(x)) ? r : x) + 0;
}

function pickRhythm(groups: DicomDataset[]): number {
  const labelled = groups.findIndex((g) => /RHYTHM/i.test(str(g, T.MultiplexGroupLabel) ?? ''));
  if (labelled >= 0) return labelled;
  const long = groups.findIndex((g) => {
    const fs = decimal(g, T.SamplingFrequency, 'SamplingFrequency') ?? 0;
    return fs > 0 && (uint(g, T.NumberOfWaveformSamples, 'NumberOfWaveformSamples') ?? 0) >= fs;
  });
  return long >= 0 ? long : 0;
}

function channelOf(def: DicomDataset | undefined, i: number, fs: number, bits: number): Omit<EcgChannel, 'samples'> {
  const label = str(def, T.ChannelLabel);
  const src = items(def, T.ChannelSourceSequence)[0];
  const meaning = str(src, T.CodeMeaning);
  const lead = leadOfChannelSource(str(src, T.CodeValue), str(src, T.CodingSchemeDesignator), meaning, label);
  const sens = decimal(def, T.ChannelSensitivity, `channel ${i} sensitivity`);
  const cf = decimal(def, T.ChannelSensitivityCorrectionFactor, `channel ${i} correction factor`) ?? 1;
  const base = decimal(def, T.ChannelBaseline, `channel ${i} baseline`) ?? 0;
  const units = str(items(def, T.ChannelSensitivityUnitsSequence)[0], T.CodeValue);
  const perCount = sens === null ? 1 : sens * cf;
  if (!(perCount > 0)) throw new DicomError(DicomErrorCode.WAVEFORM, `channel ${i}: sensitivity × correction factor must be positive`);
  return {
    lead, label: label ?? meaning ?? `channel ${i + 1}`, sampleRateHz: fs,
    gain: 1 / perCount, baseline: tidy(-base / perCount),
    // Uncalibrated channels (no sensitivity) are in counts: "NU" with gain 1.
    units: sens === null ? 'NU' : units ?? 'uV',
    adcResolution: uint(def, T.WaveformBitsStored, 'WaveformBitsStored') ?? bits, derived: false,
  };
}

function samplesOf(g: DicomDataset, nch: number, ns: number, bits: number, interp: string): Int32Array[] {
  const data = g.get(T.WaveformData)?.value;
  const bytes = bits / 8;
  if (data === undefined) throw new DicomError(DicomErrorCode.WAVEFORM, 'multiplex group has no WaveformData');
  if (data.length < nch * ns * bytes) throw new DicomError(DicomErrorCode.TRUNCATED, `WaveformData holds ${data.length} bytes, ${nch * ns * bytes} needed`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = bits === 8
    ? (interp === 'SB' ? (o: number) => dv.getInt8(o) : (o: number) => dv.getUint8(o))
    : (interp === 'SS' ? (o: number) => dv.getInt16(o, true) : (o: number) => dv.getUint16(o, true));
  const padEl = g.get(T.WaveformPaddingValue)?.value;
  // Padding is honoured only at an extreme of the sample range: some writers (ECGToolkit) declare
  // 0 as padding, which would turn every genuine zero into a missing sample.
  const padRaw = padEl !== undefined && padEl.length >= bytes ? decodePad(padEl, bits, interp) : null;
  const [lo, hi] = RANGE[`${bits}${interp}`] ?? [0, 0];
  const pad = padRaw === lo || padRaw === hi ? padRaw : null;
  const out = Array.from({ length: nch }, () => new Int32Array(ns));
  // Samples are interleaved, channel fastest (PS3.3 C.10.9.1.1).
  for (let s = 0, o = 0; s < ns; s++) {
    for (let ch = 0; ch < nch; ch++, o += bytes) {
      const v = read(o);
      (out[ch] as Int32Array)[s] = v === pad ? INVALID_SAMPLE : v;
    }
  }
  return out;
}

const RANGE: Readonly<Record<string, [number, number]>> = {
  '16SS': [-32768, 32767], '16US': [0, 65535], '8SB': [-128, 127], '8UB': [0, 255],
};

function decodePad(v: Uint8Array, bits: number, interp: string): number {
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  if (bits === 8) return interp === 'SB' ? dv.getInt8(0) : dv.getUint8(0);
  return interp === 'SS' ? dv.getInt16(0, true) : dv.getUint16(0, true);
}

function annotationsOf(ds: DicomDataset): { measurements: EcgMeasurement[]; statements: string[] } {
  const measurements: EcgMeasurement[] = [];
  const statements: string[] = [];
  for (const a of items(ds, T.WaveformAnnotationSequence).slice(0, 10_000)) {
    const text = str(a, T.UnformattedTextValue);
    if (text !== null) { statements.push(text); continue; }
    const value = a.has(T.NumericValue) ? decimalOrNull(a) : null;
    const concept = items(a, T.ConceptNameCodeSequence)[0];
    const name = str(concept, T.CodeMeaning) ?? str(concept, T.CodeValue);
    // Fiducials (P onset, QRS offset...) have positions but no numeric value: not measurements.
    if (value === null || name === null || measurements.some((m) => m.name === normaliseMeasurement(name, '').name)) continue;
    measurements.push({ ...normaliseMeasurement(name, str(items(a, T.MeasurementUnitsCodeSequence)[0], T.CodeValue) ?? ''), value, lead: null });
  }
  return { measurements, statements };
}

function decimalOrNull(a: DicomDataset): number | null {
  try { return decimal(a, T.NumericValue, 'NumericValue'); } catch { return null; }
}

function isoOrNull(dt: string | null): string | null {
  if (dt === null) return null;
  // DT (YYYYMMDDHHMMSS.FFFFFF&ZZXX) has the shape of an HL7 TS; a malformed one is dropped, not fatal.
  try { return hl7TsToIso(dt); } catch { return null; }
}

function patientOf(ds: DicomDataset, startTime: string | null): EcgRecord['patient'] {
  const p = unknownPatient();
  p.id = str(ds, T.PatientID);
  p.name = str(ds, T.PatientName);
  const sex = str(ds, T.PatientSex);
  if (sex === 'M' || sex === 'F') p.sex = sex;
  const age = /^(\d{3})([YMWD])$/.exec(str(ds, T.PatientAge) ?? '');
  if (age !== null) p.ageYears = age[2] === 'Y' ? Number(age[1]) : 0;
  else {
    const birth = str(ds, T.PatientBirthDate);
    if (birth !== null) p.ageYears = ageAt(birth, startTime);
  }
  return p;
}

/** Channels of one multiplex group; `budget` bounds channels × samples. */
function groupChannels(g: DicomDataset, gi: number, budget: number): EcgChannel[] {
  const nch = uint(g, T.NumberOfWaveformChannels, 'NumberOfWaveformChannels') ?? 0;
  const ns = uint(g, T.NumberOfWaveformSamples, 'NumberOfWaveformSamples') ?? 0;
  const fs = decimal(g, T.SamplingFrequency, 'SamplingFrequency') ?? 0;
  const bits = uint(g, T.WaveformBitsAllocated, 'WaveformBitsAllocated') ?? 0;
  const interp = str(g, T.WaveformSampleInterpretation) ?? '';
  if (nch < 1 || ns < 1 || !(fs > 0)) throw new DicomError(DicomErrorCode.WAVEFORM, `multiplex group ${gi}: ${nch} channels, ${ns} samples, ${fs} Hz`);
  if (nch * ns > budget) throw new DicomError(DicomErrorCode.LIMIT, `${nch} × ${ns} samples exceed the limit`);
  const okInterp = bits === 16 ? interp === 'SS' || interp === 'US' : bits === 8 ? interp === 'SB' || interp === 'UB' : false;
  if (!okInterp) throw new DicomError(DicomErrorCode.WAVEFORM, `${bits}-bit "${interp.slice(0, 8)}" samples are not read (16-bit SS/US, 8-bit SB/UB)`);
  const defs = items(g, T.ChannelDefinitionSequence);
  if (defs.length < nch) throw new DicomError(DicomErrorCode.WAVEFORM, `${defs.length} channel definitions for ${nch} channels`);
  const samples = samplesOf(g, nch, ns, bits, interp);
  return defs.slice(0, nch).map((d, i) => ({ ...channelOf(d, i, fs, bits), samples: samples[i] as Int32Array }));
}

/** Reads a DICOM ECG waveform object. Throws DicomError (TM_ERR_DICOM_*) on anything it cannot use. */
export function readDicomEcg(bytes: Uint8Array, id: string, opts: DicomReadOptions = {}): EcgRecord {
  const { dataset: ds } = parseDicom(bytes, opts);
  const groups = items(ds, T.WaveformSequence);
  if (groups.length === 0) throw new DicomError(DicomErrorCode.WAVEFORM, 'no WaveformSequence (5400,0100): not a waveform object');
  const gi = pickRhythm(groups);
  const primary = groups[gi] as DicomDataset;
  const fs = decimal(primary, T.SamplingFrequency, 'SamplingFrequency') ?? 0;
  const ns = uint(primary, T.NumberOfWaveformSamples, 'NumberOfWaveformSamples') ?? 0;
  const label = str(primary, T.MultiplexGroupLabel);
  // Leads split over several groups with the same label, rate and length (e.g. 12 + 6 of an
  // 18-lead cart) are one recording: read them all, in group order.
  const same = groups.map((g, i) => i).filter((i) => i === gi || (label !== null && str(groups[i], T.MultiplexGroupLabel) === label
    && decimal(groups[i], T.SamplingFrequency, 'SamplingFrequency') === fs && uint(groups[i], T.NumberOfWaveformSamples, 'NumberOfWaveformSamples') === ns));
  let budget = opts.maxSamples ?? 200_000_000;
  const channels: EcgChannel[] = [];
  for (const i of same) {
    const read = groupChannels(groups[i] as DicomDataset, i, budget);
    budget -= read.length * ns;
    for (const c of read) if (c.lead === null || !channels.some((o) => o.lead === c.lead)) channels.push(c);
  }
  const isLead = (c: EcgChannel): boolean => c.lead !== null || isEcgChannel(c.label, c.units);

  const startTime = isoOrNull(str(ds, T.AcquisitionDateTime))
    ?? isoOrNull(str(ds, T.ContentDate) === null ? null : `${str(ds, T.ContentDate) ?? ''}${str(ds, T.ContentTime) ?? ''}`);
  const notes = groups.flatMap((o, i) => same.includes(i) ? [] : [
    `multiplex group "${str(o, T.MultiplexGroupLabel) ?? i}" (${uint(o, T.NumberOfWaveformChannels, 'channels') ?? 0} channels × ${uint(o, T.NumberOfWaveformSamples, 'samples') ?? 0} samples) not imported`,
  ]);
  const device = unknownDevice();
  device.manufacturer = str(ds, T.Manufacturer);
  device.model = str(ds, T.ManufacturerModelName);
  device.serial = str(ds, T.DeviceSerialNumber);
  return {
    id, source: 'dicom', sampleRateHz: fs, frames: ns, startTime,
    leads: channels.filter(isLead), otherSignals: channels.filter((c) => !isLead(c)),
    patient: patientOf(ds, startTime), device, ...annotationsOf(ds), notes,
  };
}
