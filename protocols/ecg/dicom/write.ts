// EcgRecord → DICOM Part 10 file, explicit VR little endian, checked with dciodvfy (dicom3tools).
// SOP class rule (PS3.3 A.34 waveform IOD constraints): 12-lead ECG when the leads are exactly the 12
// standard leads (each once) at 200–1000 Hz for at most 16 s; General ECG for up to 24 channels at
// 200–1000 Hz; Ambulatory ECG for up to 12 channels at 50–200 Hz; anything else is refused
// (TM_ERR_DICOM_EXPORT) rather than written into an IOD that forbids it. One multiplex group
// "RHYTHM", 16-bit SS. Counts are written less the lead's baseline (ChannelBaseline 0) when that is
// exact and fits, since readers differ on how a non-zero baseline applies (pydicom 2.x adds it to
// the counts before scaling); calibration in µV per count for voltage leads (ChannelSensitivity,
// ≥ 11 significant digits: `ds`). INVALID_SAMPLE is the padding value −32768. Content Date/Time and
// Acquisition DateTime (type 1) are the record's start; without one, the time of export (the rule
// is in README.md). Other signals are not written.
import { randomUUID } from 'node:crypto';
import { isoToHl7Ts } from '../aecg/hl7-time.js';
import { leadNumber } from '../aecg/lead-codes.js';
import { type EcgChannel, type EcgRecord, INVALID_SAMPLE, microvoltsPerCount } from '../record.js';
import { type Encoded, concat, dataset, ds, element, sequence, text, ul, us } from './encode.js';
import { DicomError, DicomErrorCode } from './errors.js';
import { SOP, T, TS, tag } from './tags.js';

/** Our implementation class UID (PS3.7 UUID-derived root 2.25). */
export const IMPLEMENTATION_CLASS_UID = '2.25.312981649286759108505331548389890941542';
const PAD = -32768;
const TWELVE = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
const UNIT_MEANING: Readonly<Record<string, string>> = { uV: 'microvolt', mV: 'millivolt', V: 'volt', nV: 'nanovolt' };

/** A new UID under 2.25 from a random UUID (PS3.5 §B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** The SOP class the writer picks for a record (see the rule above); null when no ECG IOD can hold it. */
export function sopClassFor(r: EcgRecord): string {
  const sop = sopClassOrNull(r);
  if (sop === null) {
    const fs = r.leads[0]?.sampleRateHz ?? 0;
    throw new DicomError(DicomErrorCode.EXPORT, `${r.leads.length} leads at ${fs} Hz fit no DICOM ECG IOD (12-lead/General: 200-1000 Hz, ≤ 24 channels; Ambulatory: 50-1000 Hz, ≤ 12 channels)`);
  }
  return sop;
}

function sopClassOrNull(r: EcgRecord): string | null {
  const leads = r.leads.map((l) => l.lead);
  const isTwelve = leads.length === 12 && TWELVE.every((t) => leads.includes(t as never));
  const fs = r.leads[0]?.sampleRateHz ?? 0;
  const seconds = (r.leads[0]?.samples.length ?? 0) / (fs || 1);
  const n = r.leads.length;
  if (fs >= 200 && fs <= 1000) {
    if (isTwelve && seconds <= 16) return SOP.twelveLeadEcg;
    if (n <= 24) return SOP.generalEcg;
  }
  if (fs >= 50 && fs <= 1000 && n <= 12) return SOP.ambulatoryEcg;
  return null;
}

/** How a lead's counts are written: shifted by `shift` (so the baseline is 0) when exact and in range. */
function countShift(l: EcgChannel): number {
  if (l.baseline === 0 || !Number.isInteger(l.baseline)) return 0;
  for (const v of l.samples) {
    if (v !== INVALID_SAMPLE && (v - l.baseline < -32767 || v - l.baseline > 32767)) return 0;
  }
  return l.baseline;
}

function check(r: EcgRecord): { fs: number; ns: number } {
  const first = r.leads[0];
  if (first === undefined) throw new DicomError(DicomErrorCode.EXPORT, 'record has no ECG leads to export');
  const fs = first.sampleRateHz;
  const ns = first.samples.length;
  if (!(fs > 0) || ns === 0) throw new DicomError(DicomErrorCode.EXPORT, 'leads need a positive rate and samples');
  for (const l of r.leads) {
    if (l.sampleRateHz !== fs || l.samples.length !== ns) throw new DicomError(DicomErrorCode.EXPORT, 'leads differ in rate or length: one multiplex group needs one of each');
    if (!(l.gain > 0)) throw new DicomError(DicomErrorCode.EXPORT, `lead ${l.label}: gain must be positive`);
    const shift = countShift(l);
    for (const v of l.samples) {
      if (v !== INVALID_SAMPLE && (v - shift < -32767 || v - shift > 32767)) throw new DicomError(DicomErrorCode.EXPORT, `lead ${l.label}: count ${v} does not fit 16-bit SS`);
    }
  }
  if (r.leads.length * ns * 2 > 0xfffffffe) throw new DicomError(DicomErrorCode.EXPORT, 'waveform data exceeds 4 GiB');
  return { fs, ns };
}

function code(value: string, scheme: string, version: string | null, meaning: string): Encoded[] {
  const out = [text(T.CodeValue, 'SH', value), text(T.CodingSchemeDesignator, 'SH', scheme), text(T.CodeMeaning, 'LO', meaning)];
  if (version !== null) out.push(text(T.CodingSchemeVersion, 'SH', version));
  return out;
}

function channel(l: EcgChannel, i: number): Encoded[] {
  const n = leadNumber(l.lead);
  // ChannelLabel is SH (16 chars): a longer label travels as the code meaning (LO, 64) instead.
  const short = l.label.length <= 16;
  const meaning = l.lead === null || !short ? l.label.slice(0, 64) : `Lead ${l.lead}`;
  // Voltage leads in µV: the sensitivity then sits near 1 and DS's 16 characters keep ~14 digits.
  const uv = microvoltsPerCount(l);
  const [perCount, units] = Number.isNaN(uv) ? [1 / l.gain, l.units] : [uv, 'uV'];
  const baseline = l.baseline - countShift(l);
  return [
    text(T.WaveformChannelNumber, 'IS', String(i + 1)),
    ...(short ? [text(T.ChannelLabel, 'SH', l.label)] : []),
    // SCP-ECG lead codes (CID 3001); 0 = "unspecified lead", the label then says which.
    sequence(T.ChannelSourceSequence, [code(`5.6.3-9-${n ?? 0}`, 'SCPECG', '1.3', meaning)]),
    text(T.ChannelSensitivity, 'DS', ds(perCount)),
    sequence(T.ChannelSensitivityUnitsSequence, [code(units, 'UCUM', '1.4', UNIT_MEANING[units] ?? units)]),
    text(T.ChannelSensitivityCorrectionFactor, 'DS', '1'),
    // C.10.9.1.4.3: offset of sample value 0 from actual 0, in the sensitivity's units.
    text(T.ChannelBaseline, 'DS', ds(baseline === 0 ? 0 : -baseline * perCount)),
    text(T.ChannelTimeSkew, 'DS', '0'),
    us(T.WaveformBitsStored, 16),
  ];
}

function waveformData(r: EcgRecord, ns: number): Uint8Array {
  const nch = r.leads.length;
  const out = new Uint8Array(nch * ns * 2);
  const dv = new DataView(out.buffer);
  const shifts = r.leads.map(countShift);
  // Interleaved, channel fastest (PS3.3 C.10.9.1.1).
  for (let s = 0, o = 0; s < ns; s++) {
    for (let c = 0; c < nch; c++, o += 2) {
      const v = (r.leads[c] as EcgChannel).samples[s] ?? INVALID_SAMPLE;
      dv.setInt16(o, v === INVALID_SAMPLE ? PAD : v - (shifts[c] ?? 0), true);
    }
  }
  return out;
}

/** Referenced Waveform Channels (0040,A0B0): multiplex group 1, channel n (0 = every channel). */
function channelRef(r: EcgRecord, lead: EcgChannel['lead']): Encoded {
  const k = lead === null ? -1 : r.leads.findIndex((l) => l.lead === lead);
  const v = new Uint8Array(4);
  const dv = new DataView(v.buffer);
  dv.setUint16(0, 1, true);
  dv.setUint16(2, k + 1, true);
  return element(tag(0x0040, 0xa0b0), 'US', v);
}

function annotations(r: EcgRecord): Encoded[] {
  const items: Encoded[][] = r.statements.map((s) => [channelRef(r, null), text(T.UnformattedTextValue, 'ST', s)]);
  r.measurements.forEach((m, i) => {
    // C.10.10.1.1: a measurement names the channels it applies to (its lead, or all for a global one).
    const it = [
      channelRef(r, m.lead),
      sequence(T.ConceptNameCodeSequence, [code(`M${i + 1}`, '99TELEMED', null, m.name.slice(0, 64))]),
      text(T.NumericValue, 'DS', ds(m.value)),
    ];
    if (m.unit !== '') it.push(sequence(T.MeasurementUnitsCodeSequence, [code(m.unit, 'UCUM', '1.4', m.unit)]));
    items.push(it);
  });
  return items.length === 0 ? [] : [sequence(T.WaveformAnnotationSequence, items)];
}

function meta(sopClass: string, sopInstance: string): Uint8Array {
  const body = dataset([
    element(tag(0x0002, 0x0001), 'OB', Uint8Array.of(0, 1)),
    text(tag(0x0002, 0x0002), 'UI', sopClass),
    text(tag(0x0002, 0x0003), 'UI', sopInstance),
    text(T.TransferSyntaxUID, 'UI', TS.explicitLE),
    text(tag(0x0002, 0x0012), 'UI', IMPLEMENTATION_CLASS_UID),
    text(tag(0x0002, 0x0013), 'SH', 'TELEMED_1'),
  ]);
  return concat([new Uint8Array(128), Uint8Array.of(0x44, 0x49, 0x43, 0x4d), ul(tag(0x0002, 0x0000), body.length).bytes, body]);
}

/** Now as a zone-less local ISO time (the DICOM dates carry no zone unless the source gave one). */
function exportTime(): string {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

/** Writes the record as a DICOM ECG waveform Part 10 file. Throws DicomError TM_ERR_DICOM_EXPORT if it does not fit. */
export function exportDicomEcg(r: EcgRecord): Uint8Array {
  const { fs, ns } = check(r);
  const sopClass = sopClassFor(r);
  const sopInstance = newUid();
  // Content Date/Time and Acquisition DateTime are type 1 (C.10.8): the record's start, or, when the
  // source has none, the time of this export (the content was created then; README.md).
  const dt = isoToHl7Ts(r.startTime ?? exportTime());
  const date = dt.slice(0, 8);
  const time = dt.slice(8).replace(/[+-]\d{4}$/, '');
  const p = r.patient;
  const group: Encoded[] = [
    text(T.WaveformOriginality, 'CS', 'ORIGINAL'),
    us(T.NumberOfWaveformChannels, r.leads.length),
    ul(T.NumberOfWaveformSamples, ns),
    text(T.SamplingFrequency, 'DS', ds(fs)),
    text(T.MultiplexGroupLabel, 'SH', 'RHYTHM'),
    sequence(T.ChannelDefinitionSequence, r.leads.map(channel)),
    us(T.WaveformBitsAllocated, 16),
    text(T.WaveformSampleInterpretation, 'CS', 'SS'),
    element(T.WaveformPaddingValue, 'OW', Uint8Array.of(PAD & 0xff, (PAD >> 8) & 0xff)),
    element(T.WaveformData, 'OW', waveformData(r, ns)),
  ];
  const body = dataset([
    text(tag(0x0008, 0x0005), 'CS', 'ISO_IR 192'),
    text(T.SOPClassUID, 'UI', sopClass), text(T.SOPInstanceUID, 'UI', sopInstance),
    text(T.StudyDate, 'DA', date), text(T.ContentDate, 'DA', date),
    text(T.StudyTime, 'TM', time), text(T.ContentTime, 'TM', time),
    text(T.AcquisitionDateTime, 'DT', dt), text(tag(0x0008, 0x0050), 'SH', ''),
    text(T.Modality, 'CS', 'ECG'), text(T.Manufacturer, 'LO', r.device.manufacturer),
    text(tag(0x0008, 0x0090), 'PN', ''), text(T.ManufacturerModelName, 'LO', r.device.model),
    text(T.PatientName, 'PN', p.name), text(T.PatientID, 'LO', p.id),
    text(T.PatientBirthDate, 'DA', ''), text(T.PatientSex, 'CS', p.sex === 'U' ? '' : p.sex),
    ...(p.ageYears === null || p.ageYears > 999 ? [] : [text(T.PatientAge, 'AS', `${String(p.ageYears).padStart(3, '0')}Y`)]),
    ...(r.device.serial === null ? [] : [text(T.DeviceSerialNumber, 'LO', r.device.serial)]),
    text(T.StudyInstanceUID, 'UI', newUid()), text(T.SeriesInstanceUID, 'UI', newUid()),
    text(tag(0x0020, 0x0010), 'SH', ''), text(T.SeriesNumber, 'IS', '1'), text(T.InstanceNumber, 'IS', '1'),
    sequence(tag(0x0040, 0x0555), []),
    ...annotations(r),
    sequence(T.WaveformSequence, [group]),
  ]);
  return concat([meta(sopClass, sopInstance), body]);
}
