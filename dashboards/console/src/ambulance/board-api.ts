import { DashboardError, DashboardErrorCode, fetchJson } from '../../../shared/errors.js';
import type { AlarmView, Fix } from './board-state.js';

const api = (path: string): string => new URL(path, location.href).toString();
const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export interface AmbulanceListItem { id: string; siteName: string | null; connected: boolean; fix: Fix | null }
export interface Recent { series: { code: string; label: string; unit: string; points: [number, number][] }[]; alarms: AlarmView[] }

/** GET /api/ambulances: the ambulances of the person's sites. */
export async function fetchAmbulances(token: string, signal?: AbortSignal): Promise<AmbulanceListItem[]> {
  const body = await fetchJson(api('api/ambulances'), { headers: auth(token), ...(signal ? { signal } : {}) }) as { ambulances?: unknown } | null;
  if (!Array.isArray(body?.ambulances)) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Ambulance list is not an array');
  return body.ambulances as AmbulanceListItem[];
}

/** GET /api/ambulances/:id/recent: the last 15 minutes from the hub's store. */
export async function fetchRecent(token: string, id: string, signal?: AbortSignal): Promise<Recent> {
  const body = await fetchJson(api(`api/ambulances/${encodeURIComponent(id)}/recent?minutes=15`), { headers: auth(token), ...(signal ? { signal } : {}) }) as Partial<Recent> | null;
  if (!Array.isArray(body?.series) || !Array.isArray(body.alarms)) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Trend answer without series');
  return body as Recent;
}

/** POST …/alarms/:alarmId/ack: the hub sends the acknowledgement down to the ambulance. */
export async function acknowledgeAlarm(token: string, id: string, alarmId: string): Promise<void> {
  await fetchJson(api(`api/ambulances/${encodeURIComponent(id)}/alarms/${encodeURIComponent(alarmId)}/ack`), { method: 'POST', headers: auth(token) });
}
