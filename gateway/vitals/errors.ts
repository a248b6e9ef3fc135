import { TelemedError } from '../../protocols/index.js';

/** Stable codes of the gateway's alarm episode store (`<dataDir>/alarms.db`). */
export const AlarmStoreErrorCode = {
  /**
   * alarms.db could not be opened or failed its integrity check: moved aside as
   * `alarms.db.corrupt-<Unix ms>` and the engine started empty (the gateway never refuses to start for it).
   */
  CORRUPT: 'TM_ERR_ALARM_STORE_CORRUPT',
  /** A transition (raise, acknowledgement, clear) could not be written: it holds in memory only. */
  WRITE: 'TM_ERR_ALARM_STORE_WRITE',
  /** A stored episode row that does not make sense (bad state, kind or priority): skipped at load. */
  ROW: 'TM_ERR_ALARM_STORE_ROW',
} as const;
export type AlarmStoreErrorCode = (typeof AlarmStoreErrorCode)[keyof typeof AlarmStoreErrorCode];

export class AlarmStoreError extends TelemedError {
  constructor(code: AlarmStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'AlarmStoreError';
  }
}
