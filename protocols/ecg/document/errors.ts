import { TelemedError } from '../../errors.js';

/** Stable codes of the ECG record document (protocols/ecg/document). */
export const EcgDocumentErrorCode = {
  /** The bytes are not a valid EcgDocument (protobuf, codec stream, limits or field values). */
  DOCUMENT: 'TM_ERR_ECG_DOCUMENT',
  /** The record cannot be encoded (e.g. a sample that is not an int32, an oversized record). */
  ENCODE: 'TM_ERR_ECG_DOCUMENT_ENCODE',
} as const;
export type EcgDocumentErrorCode = (typeof EcgDocumentErrorCode)[keyof typeof EcgDocumentErrorCode];

export class EcgDocumentError extends TelemedError {
  constructor(code: EcgDocumentErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'EcgDocumentError';
  }
}

/** Shorthand for a decode rejection. */
export function badDocument(message: string, cause?: unknown): EcgDocumentError {
  return new EcgDocumentError(EcgDocumentErrorCode.DOCUMENT, message, cause === undefined ? undefined : { cause });
}
