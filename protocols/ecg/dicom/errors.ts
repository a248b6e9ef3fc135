import { TelemedError } from '../../errors.js';

/** Stable codes of the DICOM waveform reader and writer. Callers branch on these. */
export const DicomErrorCode = {
  /** Not a DICOM file: no "DICM" at offset 128 and no plausible raw data set. */
  NOT_DICOM: 'TM_ERR_DICOM_NOT_DICOM',
  /** Element or item runs past the end of the data, or a delimiter is missing. */
  TRUNCATED: 'TM_ERR_DICOM_TRUNCATED',
  /** Malformed encoding: bad VR, odd structure, item tag where an element was expected. */
  SYNTAX: 'TM_ERR_DICOM_SYNTAX',
  /** A bound was exceeded (nesting depth, items per sequence, element count, sample count). */
  LIMIT: 'TM_ERR_DICOM_LIMIT',
  /** Transfer syntax we do not read (big endian, deflate, compressed). */
  TRANSFER_SYNTAX: 'TM_ERR_DICOM_TRANSFER_SYNTAX',
  /** A DICOM object without a usable ECG waveform (no WaveformSequence, wrong bits, missing attributes). */
  WAVEFORM: 'TM_ERR_DICOM_WAVEFORM',
  /** The record cannot be written as DICOM (no leads, mixed rates, counts outside 16 bits). */
  EXPORT: 'TM_ERR_DICOM_EXPORT',
} as const;
export type DicomErrorCode = (typeof DicomErrorCode)[keyof typeof DicomErrorCode];

export class DicomError extends TelemedError {
  constructor(code: DicomErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DicomError';
  }
}
