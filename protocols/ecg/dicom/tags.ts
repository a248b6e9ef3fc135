// The data elements the ECG reader and writer use, with their VRs (DICOM PS3.6). In implicit VR
// files the VR comes from here; sequences not listed are still recognised by undefined length.

/** Tag as (group << 16 | element). */
export const tag = (group: number, element: number): number => ((group << 16) | element) >>> 0;

export const T = {
  TransferSyntaxUID: tag(0x0002, 0x0010),
  SOPClassUID: tag(0x0008, 0x0016),
  SOPInstanceUID: tag(0x0008, 0x0018),
  StudyDate: tag(0x0008, 0x0020),
  AcquisitionDateTime: tag(0x0008, 0x002a),
  ContentDate: tag(0x0008, 0x0023),
  StudyTime: tag(0x0008, 0x0030),
  ContentTime: tag(0x0008, 0x0033),
  Modality: tag(0x0008, 0x0060),
  Manufacturer: tag(0x0008, 0x0070),
  CodeValue: tag(0x0008, 0x0100),
  CodingSchemeDesignator: tag(0x0008, 0x0102),
  CodingSchemeVersion: tag(0x0008, 0x0103),
  CodeMeaning: tag(0x0008, 0x0104),
  ManufacturerModelName: tag(0x0008, 0x1090),
  PatientName: tag(0x0010, 0x0010),
  PatientID: tag(0x0010, 0x0020),
  PatientBirthDate: tag(0x0010, 0x0030),
  PatientSex: tag(0x0010, 0x0040),
  PatientAge: tag(0x0010, 0x1010),
  DeviceSerialNumber: tag(0x0018, 0x1000),
  StudyInstanceUID: tag(0x0020, 0x000d),
  SeriesInstanceUID: tag(0x0020, 0x000e),
  SeriesNumber: tag(0x0020, 0x0011),
  InstanceNumber: tag(0x0020, 0x0013),
  WaveformOriginality: tag(0x003a, 0x0004),
  NumberOfWaveformChannels: tag(0x003a, 0x0005),
  NumberOfWaveformSamples: tag(0x003a, 0x0010),
  SamplingFrequency: tag(0x003a, 0x001a),
  MultiplexGroupLabel: tag(0x003a, 0x0020),
  ChannelDefinitionSequence: tag(0x003a, 0x0200),
  WaveformChannelNumber: tag(0x003a, 0x0202),
  ChannelLabel: tag(0x003a, 0x0203),
  ChannelSourceSequence: tag(0x003a, 0x0208),
  ChannelSourceModifiersSequence: tag(0x003a, 0x0209),
  ChannelSensitivity: tag(0x003a, 0x0210),
  ChannelSensitivityUnitsSequence: tag(0x003a, 0x0211),
  ChannelSensitivityCorrectionFactor: tag(0x003a, 0x0212),
  ChannelBaseline: tag(0x003a, 0x0213),
  ChannelTimeSkew: tag(0x003a, 0x0214),
  WaveformBitsStored: tag(0x003a, 0x021a),
  MeasurementUnitsCodeSequence: tag(0x0040, 0x08ea),
  ConceptNameCodeSequence: tag(0x0040, 0xa043),
  NumericValue: tag(0x0040, 0xa30a),
  WaveformAnnotationSequence: tag(0x0040, 0xb020),
  UnformattedTextValue: tag(0x0070, 0x0006),
  WaveformSequence: tag(0x5400, 0x0100),
  WaveformBitsAllocated: tag(0x5400, 0x1004),
  WaveformSampleInterpretation: tag(0x5400, 0x1006),
  WaveformPaddingValue: tag(0x5400, 0x100a),
  WaveformData: tag(0x5400, 0x1010),
  Item: tag(0xfffe, 0xe000),
  ItemDelimitation: tag(0xfffe, 0xe00d),
  SequenceDelimitation: tag(0xfffe, 0xe0dd),
} as const;

/** VRs of the elements above (and the common sequences around them) for implicit VR data sets. */
export const IMPLICIT_VR: ReadonlyMap<number, string> = new Map<number, string>([
  [T.TransferSyntaxUID, 'UI'], [T.SOPClassUID, 'UI'], [T.SOPInstanceUID, 'UI'], [T.StudyDate, 'DA'],
  [T.AcquisitionDateTime, 'DT'], [T.ContentDate, 'DA'], [T.StudyTime, 'TM'], [T.ContentTime, 'TM'], [T.Modality, 'CS'],
  [T.Manufacturer, 'LO'], [T.CodeValue, 'SH'], [T.CodingSchemeDesignator, 'SH'], [T.CodingSchemeVersion, 'SH'],
  [T.CodeMeaning, 'LO'], [T.ManufacturerModelName, 'LO'], [T.PatientName, 'PN'], [T.PatientID, 'LO'],
  [T.PatientBirthDate, 'DA'], [T.PatientSex, 'CS'], [T.PatientAge, 'AS'], [T.DeviceSerialNumber, 'LO'],
  [T.WaveformOriginality, 'CS'], [T.NumberOfWaveformChannels, 'US'], [T.NumberOfWaveformSamples, 'UL'], [T.SamplingFrequency, 'DS'],
  [T.MultiplexGroupLabel, 'SH'], [T.ChannelDefinitionSequence, 'SQ'], [T.WaveformChannelNumber, 'IS'],
  [T.ChannelLabel, 'SH'], [T.ChannelSourceSequence, 'SQ'], [T.ChannelSourceModifiersSequence, 'SQ'],
  [T.ChannelSensitivity, 'DS'], [T.ChannelSensitivityUnitsSequence, 'SQ'], [T.ChannelSensitivityCorrectionFactor, 'DS'],
  [T.ChannelBaseline, 'DS'], [T.ChannelTimeSkew, 'DS'], [T.WaveformBitsStored, 'US'],
  [T.MeasurementUnitsCodeSequence, 'SQ'], [T.ConceptNameCodeSequence, 'SQ'], [T.NumericValue, 'DS'],
  [T.WaveformAnnotationSequence, 'SQ'], [T.UnformattedTextValue, 'ST'], [T.WaveformSequence, 'SQ'],
  [T.WaveformBitsAllocated, 'US'], [T.WaveformSampleInterpretation, 'CS'], [T.WaveformPaddingValue, 'OW'],
  [T.WaveformData, 'OW'],
  [tag(0x0008, 0x1110), 'SQ'], [tag(0x0008, 0x1111), 'SQ'], [tag(0x0008, 0x1032), 'SQ'], [tag(0x0008, 0x1140), 'SQ'],
  [tag(0x0040, 0x0260), 'SQ'], [tag(0x0040, 0xa730), 'SQ'], [tag(0x0040, 0xa168), 'SQ'], [tag(0x0040, 0xa195), 'SQ'],
  [tag(0x003a, 0x0301), 'SQ'], [tag(0x003a, 0x0300), 'SQ'], [tag(0x0018, 0x9170), 'SQ'], [tag(0x0040, 0xb020), 'SQ'],
]);

/** Explicit VRs whose length is 4 bytes after 2 reserved bytes (PS3.5 §7.1.2). */
export const LONG_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UR', 'UT', 'UN', 'SV', 'UV']);

/** Every VR of PS3.5 §6.2. */
export const ALL_VRS: ReadonlySet<string> = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FL', 'FD', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'PN', 'SH', 'SL',
  'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
]);

/** Transfer syntaxes (PS3.5 §10 and Annex A). */
export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
} as const;

/** ECG waveform SOP classes (PS3.4 Annex B). */
export const SOP = {
  twelveLeadEcg: '1.2.840.10008.5.1.4.1.1.9.1.1',
  generalEcg: '1.2.840.10008.5.1.4.1.1.9.1.2',
  ambulatoryEcg: '1.2.840.10008.5.1.4.1.1.9.1.3',
} as const;
