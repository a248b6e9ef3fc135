import { TelemedError } from '../errors.js';

/** Stable codes of the NMEA 0183 framer and parser (protocols/nmea). */
export const NmeaErrorCode = {
  /** A line over the framer's cap (NMEA 0183 §5.3: 82 characters; we allow more for proprietary
   *  sentences); dropped up to the next line end or sentence start. */
  LINE_TOO_LONG: 'TM_ERR_NMEA_LINE_TOO_LONG',
  /** A partial sentence cut short by a new '$' / '!' (a lost line end); the partial is dropped. */
  TRUNCATED: 'TM_ERR_NMEA_TRUNCATED',
  /** A line that does not start with '$' or '!' (noise, a gpsd '#' comment). */
  NOT_SENTENCE: 'TM_ERR_NMEA_NOT_SENTENCE',
  /** '*hh' present and not the XOR of the characters between '$' and '*' (NMEA 0183 §5.2.1). */
  BAD_CHECKSUM: 'TM_ERR_NMEA_BAD_CHECKSUM',
  /** No '*hh' at the end. Such a sentence is counted and never used for a position. */
  NO_CHECKSUM: 'TM_ERR_NMEA_NO_CHECKSUM',
  /** GGA / RMC / VTG with too few fields or a field that is not what the sentence defines. */
  BAD_FIELD: 'TM_ERR_NMEA_BAD_FIELD',
} as const;
export type NmeaErrorCode = (typeof NmeaErrorCode)[keyof typeof NmeaErrorCode];

export class NmeaError extends TelemedError {
  constructor(code: NmeaErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'NmeaError';
  }
}
