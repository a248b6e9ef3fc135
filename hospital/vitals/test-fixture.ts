// Shared by the vitals tests (not product code): a hub with two sites, each with one ambulance,
// and the frames an ambulance gateway sends (numerics, GPS with ETA, alarms, recorded waveforms).
import type { EnvelopeInit } from '../../protocols/index.js';
import { hashSecret } from '../auth/password.js';
import type { HospitalConfig } from '../config.js';
import { FAST_SCRYPT, GATEWAY_SECRET, testConfig } from '../test-support.js';

export const AMB_A = 'clinic-1';
export const AMB_B = 'amb-b';
export const PATIENT_A = 'TRANSPORT-A-0001';
export const PATIENT_B = 'TRANSPORT-B-0002';
export const USERS = {
  'nurse.wu': 'wu-password-xyz', // clinician, site-a
  'dr.li': 'li-password-xyz', // specialist, site-a
  'nurse.b': 'nurse-b-password', // clinician, site-b: the attacker in the isolation tests
  'it.admin': 'admin-password-xyz',
} as const;

/** Two sites: site-a (ambulance clinic-1, the FakeGateway's id) and site-b (amb-b). */
export async function twoSiteConfig(dataDir: string, extra: Record<string, unknown> = {}): Promise<HospitalConfig> {
  const h = (s: string): Promise<string> => hashSecret(s, FAST_SCRYPT);
  return testConfig(dataDir, {
    gateways: [{ id: AMB_A, site: 'site-a', secretHash: await h(GATEWAY_SECRET) }, { id: AMB_B, site: 'site-b', secretHash: await h(GATEWAY_SECRET) }],
    users: [
      { username: 'nurse.wu', role: 'clinician', sites: ['site-a'], passwordHash: await h(USERS['nurse.wu']) },
      { username: 'dr.li', role: 'specialist', sites: ['site-a'], passwordHash: await h(USERS['dr.li']) },
      { username: 'nurse.b', role: 'clinician', sites: ['site-b'], passwordHash: await h(USERS['nurse.b']) },
      { username: 'it.admin', role: 'admin', passwordHash: await h(USERS['it.admin']) },
    ],
    ...extra,
  });
}

/** A monitor's numerics (HR, SpO2, NIBP sys/dia/mean, RR, Temp, EtCO2; SpO2 invalid when `probeOff`). */
export function vitalsFrame(gatewayId: string, patientRef: string, seq: number, captureMs: number, opts: { probeOff?: boolean } = {}): EnvelopeInit {
  return {
    header: { gatewayId, streamId: 'vitals/monitor-1', seq, trafficClass: 3, durable: true, captureTimeNs: captureMs * 1e6 },
    vitals: {
      deviceId: 'monitor-1', patientRef,
      numerics: [
        { code: 'MDC_ECG_HEART_RATE', label: 'HR', value: 80 + seq, unit: '/min', valid: true },
        { code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value: 96, unit: '%', valid: opts.probeOff !== true },
        { code: 'MDC_PRESS_BLD_NONINV_SYS', label: 'NIBP sys', value: 120, unit: 'mm[Hg]', valid: true },
        { code: 'MDC_PRESS_BLD_NONINV_DIA', label: 'NIBP dia', value: 80, unit: 'mm[Hg]', valid: true },
        { code: 'MDC_PRESS_BLD_NONINV_MEAN', label: 'NIBP mean', value: 93, unit: 'mm[Hg]', valid: true },
        { code: 'MDC_RESP_RATE', label: 'RR', value: 16, unit: '/min', valid: true },
        { code: 'MDC_TEMP_BODY', label: 'Temp', value: 37.2, unit: 'Cel', valid: true },
        { code: 'MDC_AWAY_CO2_ET', label: 'EtCO2', value: 38, unit: 'mm[Hg]', valid: true },
      ],
    },
  };
}

/** A GPS frame: position and the ETA numeric. */
export function gpsFrame(gatewayId: string, patientRef: string, seq: number, captureMs: number, etaS: number): EnvelopeInit {
  return {
    header: { gatewayId, streamId: 'vitals/gps', seq, trafficClass: 3, durable: true, captureTimeNs: captureMs * 1e6 },
    vitals: {
      deviceId: 'gps', patientRef,
      numerics: [{ code: 'TM_ETA_S', label: 'ETA', value: etaS, unit: 's', valid: true }],
      position: { latitudeDeg: 29.141, longitudeDeg: 121.03, speedMps: 15, headingDeg: 90, accuracyM: 5 },
    },
  };
}

export function alarmFrame(gatewayId: string, patientRef: string, seq: number, captureMs: number, alarmId: string): EnvelopeInit {
  return {
    header: { gatewayId, streamId: 'alarm/monitor-1', seq, trafficClass: 2, durable: true, captureTimeNs: captureMs * 1e6 },
    alarm: { alarmId, deviceId: 'monitor-1', kind: 1, priority: 3, state: 1, code: 'TM_ALARM_SPO2_LOW', text: 'SpO2 low', value: 84, unit: '%', patientRef },
  };
}

/** A recorded (BULK, durable) ECG II chunk of `n` samples from `first`. */
export function recordedEcgFrame(gatewayId: string, patientRef: string, seq: number, captureMs: number, first: number, n: number): EnvelopeInit {
  return {
    header: { gatewayId, streamId: 'waveform-rec/monitor-1/ECG_II', seq, trafficClass: 6, durable: true, captureTimeNs: captureMs * 1e6 },
    waveform: {
      deviceId: 'monitor-1', channel: 'ECG_II', code: 'MDC_ECG_LEAD_II', sampleRateHz: 500, firstSampleIndex: first,
      samples: Array.from({ length: n }, (_, i) => Math.round(400 * Math.sin((first + i) / 20))), scale: 0.005, unit: 'mV', patientRef,
    },
  };
}
