import { TelemedError } from '../../protocols/errors.js';

/** Stable codes of the MQTT vital-sign monitor driver (README.md "Error codes"). */
export const VitalsErrorCode = {
  /** Topic outside the documented layout (unknown leaf, bad monitor id or channel). */
  BAD_TOPIC: 'TM_ERR_VITALS_BAD_TOPIC',
  /** Payload over the size cap; not parsed. */
  TOO_LARGE: 'TM_ERR_VITALS_TOO_LARGE',
  /** Payload is not UTF-8 JSON. */
  BAD_JSON: 'TM_ERR_VITALS_BAD_JSON',
  /** JSON that does not match the schema of its topic. */
  SCHEMA: 'TM_ERR_VITALS_SCHEMA',
  /** Schema version `v` we do not speak. */
  VERSION: 'TM_ERR_VITALS_VERSION',
  /** A numeric with an MDC code that is not a vital sign we know (the numeric is dropped). */
  UNKNOWN_CODE: 'TM_ERR_VITALS_UNKNOWN_CODE',
  /** A numeric or waveform in a unit we cannot convert to ours (dropped, never stored as if in ours). */
  BAD_UNIT: 'TM_ERR_VITALS_BAD_UNIT',
  /** A waveform whose first sample index goes backwards within a boot (stale or replayed). */
  WAVE_ORDER: 'TM_ERR_VITALS_WAVE_ORDER',
  /** The broker could not be reached or refused us. */
  BROKER: 'TM_ERR_VITALS_BROKER',
} as const;
export type VitalsErrorCode = (typeof VitalsErrorCode)[keyof typeof VitalsErrorCode];

export class VitalsError extends TelemedError {
  constructor(code: VitalsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'VitalsError';
  }
}
