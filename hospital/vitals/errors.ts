/** Stable codes of the ambulance board, alarm acknowledgement and FHIR routes (hospital/vitals). */
export const VitalsErrorCode = {
  /** No such ambulance, or one of a site the person does not work for (the same answer, so ids cannot be probed). */
  AMBULANCE_NOT_FOUND: 'TM_ERR_AMBULANCE_NOT_FOUND',
  /** No stored alarm with that id from that ambulance. */
  ALARM_NOT_FOUND: 'TM_ERR_ALARM_NOT_FOUND',
  /** The acknowledgement could not be queued for the ambulance (its downlink outbox is full). */
  ACK_NOT_QUEUED: 'TM_ERR_ACK_NOT_QUEUED',
  /** No encounter with that id among the sites the person may see. */
  ENCOUNTER_NOT_FOUND: 'TM_ERR_ENCOUNTER_NOT_FOUND',
  /** A FHIR search without the one parameter we support (`encounter`) or with a bad one. */
  FHIR_BAD_SEARCH: 'TM_ERR_FHIR_BAD_SEARCH',
  /** records.db cannot be read by the vitals features (hub built on a store without a file). */
  UNAVAILABLE: 'TM_ERR_VITALS_UNAVAILABLE',
} as const;
export type VitalsErrorCode = (typeof VitalsErrorCode)[keyof typeof VitalsErrorCode];
