import { createHash } from 'node:crypto';

/**
 * What an encounter is here: one patient carried by one ambulance, i.e. one (gateway id,
 * patient_ref) pair as the gateway stamps its frames (VitalsNumerics / WaveformChunk / Alarm
 * `patient_ref`, opaque, assigned per transport by the gateway; empty when the crew has not
 * registered the patient, which makes one "unregistered patient" encounter per ambulance).
 *
 * Its id is `<gateway>.<h>`: the gateway id (characters outside FHIR's id alphabet replaced by
 * "-", cut to 47) and 16 hex digits of SHA-256 over gateway id, NUL, patient_ref. The patient_ref
 * itself never leaves the hub (not in the TSDB, not in FHIR, not in logs); the id is stable, fits
 * FHIR's `[A-Za-z0-9\-\.]{1,64}`, and names its gateway so that access is decided before any
 * frame is read (hospital/auth/access.ts).
 */
export function encounterId(gatewayId: string, patientRef: string): string {
  const h = createHash('sha256').update(gatewayId).update('\u0000').update(patientRef).digest('hex').slice(0, 16);
  return `${fhirSafe(gatewayId)}.${h}`;
}

/** The gateway id as it appears in encounter ids. */
export function fhirSafe(gatewayId: string): string {
  return gatewayId.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 47);
}

/** FHIR R4 id syntax (http://hl7.org/fhir/R4/datatypes.html#id). */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The gateways (of `candidates`) an encounter id can belong to: those whose safe id is its prefix. */
export function gatewaysOfEncounter(id: string, candidates: Iterable<string>): string[] {
  const dot = id.lastIndexOf('.');
  if (dot <= 0 || !/^[0-9a-f]{16}$/.test(id.slice(dot + 1))) return [];
  const prefix = id.slice(0, dot);
  return [...candidates].filter((g) => fhirSafe(g) === prefix);
}
