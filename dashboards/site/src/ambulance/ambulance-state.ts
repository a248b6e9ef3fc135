import type { Tone } from '../../../shared/components.js';

// The gateway's vitals messages on /live (gateway/vitals/pipeline.ts, docs/CONTRACTS.md "Gateway
// local API"). Checked shallowly: a malformed message is dropped, never rendered half-way.

export interface AlarmLimitView {
  code: string; label: string; unit: string; low: number | null; high: number | null;
  lowPriority: Priority; highPriority: Priority;
}
export type Priority = 'low' | 'medium' | 'high';
export interface NumericView { code: string; label: string; value: number | null; unit: string; valid: boolean }
export interface PositionView { latitudeDeg: number; longitudeDeg: number; speedMps: number; headingDeg: number; accuracyM: number }
export interface DeviceVitals { deviceId: string; atMs: number; numerics: NumericView[]; position: PositionView | null }
export interface AlarmItem {
  alarmId: string; deviceId: string; kind: 'physiological' | 'technical'; priority: Priority; state: 'active' | 'cleared';
  code: string; text: string; value: number | null; unit: string; raisedAtMs: number; clearedAtMs: number | null;
  acknowledged: { by: string; atMs: number } | null;
}
export interface WaveformMessage {
  type: 'waveform'; deviceId: string; stream: string; channel: string; code: string;
  sampleRateHz: number; firstSampleIndex: number; scale: number; unit: string; samples: number[];
}
export type VitalsMessage =
  | { type: 'vitals-snapshot'; limits: AlarmLimitView[]; devices: DeviceVitals[]; alarms: AlarmItem[] }
  | { type: 'vitals'; vitals: DeviceVitals }
  | { type: 'alarms'; alarms: AlarmItem[] }
  | WaveformMessage;

export interface AmbulanceState {
  limits: AlarmLimitView[];
  devices: Record<string, DeviceVitals>;
  alarms: AlarmItem[];
}
export const EMPTY_AMBULANCE: AmbulanceState = { limits: [], devices: {}, alarms: [] };

/** The numerics the GPS driver sends (devices/gps/README.md): time to the hospital, s; distance left, m. */
export const ETA_CODE = 'TM_ETA_S';
export const REMAINING_CODE = 'TM_ETA_REMAINING_M';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isDevice = (v: unknown): v is DeviceVitals => isRecord(v) && typeof v['deviceId'] === 'string' && Array.isArray(v['numerics']);
const isAlarm = (v: unknown): v is AlarmItem => isRecord(v) && typeof v['alarmId'] === 'string' && typeof v['text'] === 'string' && typeof v['priority'] === 'string';
const isLimit = (v: unknown): v is AlarmLimitView => isRecord(v) && typeof v['code'] === 'string';

/** Parses one /live message of the vitals kinds; null for anything else (status, ecg, garbage). */
export function parseVitalsMessage(text: string): VitalsMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(v)) return null;
  switch (v['type']) {
    case 'vitals-snapshot':
      if (!Array.isArray(v['devices']) || !Array.isArray(v['alarms']) || !Array.isArray(v['limits'])) return null;
      return { type: 'vitals-snapshot', limits: v['limits'].filter(isLimit), devices: v['devices'].filter(isDevice), alarms: v['alarms'].filter(isAlarm) };
    case 'vitals':
      return isDevice(v['vitals']) ? { type: 'vitals', vitals: v['vitals'] } : null;
    case 'alarms':
      return Array.isArray(v['alarms']) ? { type: 'alarms', alarms: v['alarms'].filter(isAlarm) } : null;
    case 'waveform':
      return typeof v['deviceId'] === 'string' && typeof v['stream'] === 'string' && Array.isArray(v['samples'])
        && typeof v['sampleRateHz'] === 'number' && v['sampleRateHz'] > 0 && typeof v['firstSampleIndex'] === 'number'
        ? (v as unknown as WaveformMessage) : null;
    default:
      return null;
  }
}

/** State after a snapshot, numerics or alarm message (waveforms go to their jitter buffers instead). */
export function applyVitals(s: AmbulanceState, m: VitalsMessage): AmbulanceState {
  switch (m.type) {
    case 'vitals-snapshot':
      return { limits: m.limits, devices: Object.fromEntries(m.devices.map((d) => [d.deviceId, d])), alarms: m.alarms };
    case 'vitals':
      return { ...s, devices: { ...s.devices, [m.vitals.deviceId]: m.vitals } };
    case 'alarms':
      return { ...s, alarms: m.alarms };
    default:
      return s;
  }
}

/** A tile's tone: outside its limit (bad for a high-priority side, else warn), in range ok, no valid value idle. */
export function tileTone(n: NumericView, limit: AlarmLimitView | undefined): { tone: Tone; words: string } {
  if (!n.valid || n.value === null) return { tone: 'idle', words: 'no valid value' };
  if (!limit || (limit.unit !== '' && n.unit !== '' && limit.unit !== n.unit)) return { tone: 'ok', words: 'no limits' };
  if (limit.high !== null && n.value > limit.high) return { tone: limit.highPriority === 'high' ? 'bad' : 'warn', words: 'above limit' };
  if (limit.low !== null && n.value < limit.low) return { tone: limit.lowPriority === 'high' ? 'bad' : 'warn', words: 'below limit' };
  return { tone: 'ok', words: 'in range' };
}

export function limitText(limit: AlarmLimitView | undefined): string {
  if (!limit || (limit.low === null && limit.high === null)) return '';
  if (limit.high === null) return `≥ ${String(limit.low)}`;
  if (limit.low === null) return `≤ ${String(limit.high)}`;
  return `${limit.low}–${limit.high}`;
}

/** The monitor tiles: every numeric of every device but the GPS (a device reporting a position: shown in the transport panel). */
export function tiles(s: AmbulanceState): { deviceId: string; numeric: NumericView; limit: AlarmLimitView | undefined }[] {
  const byCode = new Map(s.limits.map((l) => [l.code, l]));
  const out: { deviceId: string; numeric: NumericView; limit: AlarmLimitView | undefined }[] = [];
  for (const d of Object.values(s.devices).sort((a, b) => a.deviceId.localeCompare(b.deviceId))) {
    if (d.position !== null || d.numerics.some((n) => n.code === ETA_CODE)) continue;
    for (const n of d.numerics) out.push({ deviceId: d.deviceId, numeric: n, limit: byCode.get(n.code) });
  }
  return out;
}

/** Position and ETA from whichever device reports a position (the GPS). */
export function transport(s: AmbulanceState): { position: PositionView; etaS: number | null; remainingM: number | null; etaLabel: string; atMs: number } | null {
  for (const d of Object.values(s.devices)) {
    if (!d.position) continue;
    const valueOf = (code: string): number | null => {
      const n = d.numerics.find((x) => x.code === code);
      return n?.valid && n.value !== null ? n.value : null;
    };
    const label = d.numerics.find((x) => x.code === ETA_CODE)?.label ?? 'ETA';
    return { position: d.position, etaS: valueOf(ETA_CODE), remainingM: valueOf(REMAINING_CODE), etaLabel: label || 'ETA', atMs: d.atMs };
  }
  return null;
}

/** "12:05" for seconds to go, or "—". */
export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s) || s < 0) return '—';
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.round(s % 60)).padStart(2, '0')}`;
}

/** Active first (the gateway already orders by priority), unacknowledged before acknowledged. */
export function orderAlarms(alarms: readonly AlarmItem[]): AlarmItem[] {
  const rank = { high: 3, medium: 2, low: 1 } as const;
  return [...alarms].sort((a, b) =>
    (a.state === 'active' ? 0 : 1) - (b.state === 'active' ? 0 : 1)
    || (a.acknowledged ? 1 : 0) - (b.acknowledged ? 1 : 0)
    || rank[b.priority] - rank[a.priority]
    || b.raisedAtMs - a.raisedAtMs);
}

/** "acknowledged by dr.li at the hospital, 10:42:07" (local clock time). */
export function ackText(a: AlarmItem): string | null {
  if (!a.acknowledged) return null;
  const t = new Date(a.acknowledged.atMs).toLocaleTimeString('en-GB', { hour12: false });
  return a.acknowledged.by === 'the monitor' ? `silenced at the monitor, ${t}` : `acknowledged by ${a.acknowledged.by} at the hospital, ${t}`;
}
