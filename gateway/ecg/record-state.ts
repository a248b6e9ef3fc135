// The life of one ECG record on the gateway (docs/CONTRACTS.md "ECG workflow"): one state field,
// one transition function, every other combination refused.
//
//   preview ──send──▶ queued ──submitted──▶ sending ──all-acked──▶ delivered
//      │                 └──────────────all-acked / hub-received──────┘ │
//   discard                                                             ▼
//      ▼                     (hub-in-reading) ─────────────────▶ in-reading ──hub-diagnosis──▶ reported
//   discarded          hub-rejected from queued…in-reading ──▶ rejected

/** Gateway record states, as GatewayEcgView.state. */
export type EcgRecordState = 'preview' | 'queued' | 'sending' | 'delivered' | 'in-reading' | 'reported' | 'discarded' | 'rejected';

export const ECG_RECORD_STATES: readonly EcgRecordState[] = ['preview', 'queued', 'sending', 'delivered', 'in-reading', 'reported', 'discarded', 'rejected'];

/** What can happen to a record. `hub-*` come from the hub's EcgStatus / Diagnosis downlink. */
export type EcgRecordEvent =
  | 'send' | 'discard' | 'submitted' | 'all-acked'
  | 'hub-received' | 'hub-in-reading' | 'hub-diagnosis' | 'hub-rejected';

/** Order of the forward path; a hub message never moves a record backwards on it. */
const RANK: Readonly<Record<EcgRecordState, number>> = {
  preview: 0, queued: 1, sending: 2, delivered: 3, 'in-reading': 4, reported: 5, discarded: -1, rejected: -1,
};

const TABLE: Readonly<Record<EcgRecordEvent, Partial<Record<EcgRecordState, EcgRecordState>>>> = {
  send: { preview: 'queued' },
  discard: { preview: 'discarded' },
  submitted: { queued: 'sending' },
  'all-acked': { queued: 'delivered', sending: 'delivered' },
  // The hub's RECEIVED proves delivery even when our ack bookkeeping was lost (restart mid-send).
  'hub-received': { queued: 'delivered', sending: 'delivered' },
  'hub-in-reading': { queued: 'in-reading', sending: 'in-reading', delivered: 'in-reading' },
  // An amendment arrives as another Diagnosis: reported stays reported. Any state the hub can
  // hold the record in may jump here (the IN_READING status may come after the diagnosis).
  'hub-diagnosis': { queued: 'reported', sending: 'reported', delivered: 'reported', 'in-reading': 'reported', reported: 'reported' },
  'hub-rejected': { queued: 'rejected', sending: 'rejected', delivered: 'rejected', 'in-reading': 'rejected' },
};

/** The next state, or null when `event` is not allowed in `state` (the caller ignores or refuses it). */
export function nextEcgState(state: EcgRecordState, event: EcgRecordEvent): EcgRecordState | null {
  return TABLE[event][state] ?? null;
}

/** True for states the record can no longer leave except by an amendment. */
export function isFinalEcgState(state: EcgRecordState): boolean {
  return state === 'discarded' || state === 'rejected' || state === 'reported';
}

/** Whether `a` is further along the forward path than `b` (for display ordering and tests). */
export function isAhead(a: EcgRecordState, b: EcgRecordState): boolean {
  return RANK[a] > RANK[b];
}
