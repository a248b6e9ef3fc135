// A GPS fix (+ ETA) -> our reading payloads. Pure.
import { telemed } from '../../protocols/index.js';
import type { Eta, GpsFix } from '../../protocols/nmea/index.js';

const v1 = telemed.v1;

/** Our own codes (no MDC term exists for them); documented in README.md and docs/CONTRACTS.md. */
export const GPS_CODES = {
  /** Estimated time to arrival at the hospital, s (protocols/nmea/eta.ts). */
  ETA: 'TM_ETA_S',
  /** Distance left to the hospital, m (along the route when one is configured). */
  REMAINING: 'TM_ETA_REMAINING_M',
  /** Technical alarm: no measured fix (no data, or the receiver reports none: tunnel, cold start). */
  NO_FIX_ALARM: 'TM_ALARM_GPS_NO_FIX',
} as const;

/** User equivalent range error used to turn HDOP into a rough 1-sigma horizontal accuracy, m. */
export const UERE_M = 5;

/** The VITALS payload of one fix: position in `position`, ETA and distance as numerics. */
export function fixPayload(deviceId: string, fix: GpsFix, eta: Eta | undefined): telemed.v1.IVitalsNumerics {
  const timeNs = fix.timeMs !== undefined ? fix.timeMs * 1e6 : 0;
  const numerics: telemed.v1.INumeric[] = [];
  if (eta) {
    numerics.push({ code: GPS_CODES.ETA, value: Math.round(eta.etaS), unit: 's', label: `ETA (${eta.method})`, timeNs, valid: true });
    numerics.push({ code: GPS_CODES.REMAINING, value: Math.round(eta.remainingM), unit: 'm', label: 'distance to hospital', timeNs, valid: true });
  }
  return {
    deviceId,
    numerics,
    position: {
      latitudeDeg: fix.position.lat,
      longitudeDeg: fix.position.lon,
      speedMps: fix.speedMps ?? 0,
      headingDeg: fix.courseDeg ?? 0,
      accuracyM: fix.hdop !== undefined ? fix.hdop * UERE_M : 0,
    },
  };
}

export function noFixAlarm(deviceId: string, active: boolean, seq: number, why: string): telemed.v1.IAlarm {
  return {
    alarmId: `${deviceId}-no-fix-${seq}`,
    deviceId,
    kind: v1.AlarmKind.ALARM_KIND_TECHNICAL,
    priority: v1.AlarmPriority.ALARM_PRIORITY_LOW,
    state: active ? v1.AlarmState.ALARM_STATE_ACTIVE : v1.AlarmState.ALARM_STATE_CLEARED,
    code: GPS_CODES.NO_FIX_ALARM,
    text: active ? `GPS: no position (${why})` : 'GPS: position again',
  };
}
