// EcgRecord → DICOM Part 10 file, explicit VR little endian. SOP class rule: 12-lead ECG Waveform
// Storage when the leads are exactly the 12 standard leads (each once), sampled at 200–1000 Hz for at
// most 16 s (PS3.3 A.34.3.4 constraints); General ECG Waveform Storage for everything else (we do not
// enforce that IOD's 24-channel / 200–1000 Hz limits: such files read back here but a strict
// validator may complain). One multiplex group "RHYTHM", 16-bit SS, counts unchanged; calibration in
// ChannelSensitivity (1/gain in the lead's units) and ChannelBaseline; INVALID_SAMPLE is written as
// the padding value −32768. Other signals are not written.
import { randomUUID } from 'node:crypto';
import { isoToHl7Ts } from '../aecg/hl7-time.js';
import { leadNumber } from '../aecg/lead-codes.js';
import { type EcgChannel, type EcgRecord, INVALID_SAMPLE } from '../record.js';
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

/** The SOP class the writer picks for a record (see the rule above). */
export function sopClassFor(r: EcgRecord): string {
  const leads = r.leads.map((l) => l.lead);
  const isTwelve = leads.length === 12 && TWELVE.every((t) => leads.includes(t as never));
  const fs = r.leads[0]?.sampleRateHz ?? 0;
  const seconds = (r.leads[0]?.samples.length ?? 0) / (fs || 1);
  return isTwelve && fs >= 200 && fs <= 1000 && seconds <= 16 ? SOP.twelveLeadEcg : SOP.generalEcg;
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
    for (const v of l.samples) {
      if (v !== INVALID_SAMPLE && (v < -32767 || v > 32767)) throw new DicomError(DicomErrorCode.EXPORT, `lead ${l.label}: count ${v} does not fit 16-bit SS`);
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
  return [
    text(T.WaveformChannelNumber, 'IS', String(i + 1)),
    ...(short ? [text(T.ChannelLabel, 'SH', l.label)] : []),
    // SCP-ECG lead codes (CID 3001); 0 = "unspecified lead", the label then says which.
    sequence(T.ChannelSourceSequence, [code(`5.6.3-9-${n ?? 0}`, 'SCPECG', '1.3', meaning)]),
    text(T.ChannelSensitivity, 'DS', ds(1 / l.gain)),
    sequence(T.ChannelSensitivityUnitsSequence, [code(l.units, 'UCUM', '1.4', UNIT_MEANING[l.units] ?? l.units)]),
    text(T.ChannelSensitivityCorrectionFactor, 'DS', '1'),
    text(T.ChannelBaseline, 'DS', ds(-l.baseline / l.gain)),
    text(T.ChannelTimeSkew, 'DS', '0'),
    us(T.WaveformBitsStored, 16),
  ];
}

function waveformData(r: EcgRecord, ns: number): Uint8Array {
  const nch = r.leads.length;
  const out = new Uint8Array(nch * ns * 2);
  const dv = new DataView(out.buffer);
  // Interleaved, channel fastest (PS3.3 C.10.9.1.1).
  for (let s = 0, o = 0; s < ns; s++) {
    for (let c = 0; c < nch; c++, o += 2) {
      const v = (r.leads[c] as EcgChannel).samples[s] ?? INVALID_SAMPLE;
      dv.setInt16(o, v === INVALID_SAMPLE ? PAD : v, true);
    }
  }
  return out;
}

function annotations(r: EcgRecord): Encoded[] {
  const items: Encoded[][] = r.statements.map((s) => [text(T.UnformattedTextValue, 'ST', s)]);
  r.measurements.forEach((m, i) => {
    const it = [
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

/** Writes the record as a DICOM ECG waveform Part 10 file. Throws DicomError TM_ERR_DICOM_EXPORT if it does not fit. */
export function exportDicomEcg(r: EcgRecord): Uint8Array {
  const { fs, ns } = check(r);
  const sopClass = sopClassFor(r);
  const sopInstance = newUid();
  const dt = r.startTime === null ? '' : isoToHl7Ts(r.startTime);
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
