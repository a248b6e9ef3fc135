import { telemed, type DecodedEnvelope } from '../../protocols/index.js';
import type { EcgRecordView } from '../ecg/ecg-store.js';
import type { GatewayView } from '../uplink/registry.js';

/** Messages on /live (docs/CONTRACTS.md), server → browser, one JSON object per text message. */
export type LiveMessage =
  | { readonly type: 'snapshot'; readonly gateways: readonly GatewayView[] }
  | { readonly type: 'gateway'; readonly gateway: GatewayView }
  | {
    readonly type: 'vitals'; readonly gatewayId: string; readonly streamId: string; readonly captureTime: string | null;
    /** `valid` false: the device reported "not available" (probe off, sentinel); `value` is then meaningless. */
    readonly numerics: readonly { code: string; label: string; value: number; unit: string; valid?: boolean }[];
    readonly deviceId?: string;
    /** Present on GPS frames (stream `.../gps`), with the ETA as numeric TM_ETA_S. */
    readonly position?: { lat: number; lon: number; speedMps: number; headingDeg: number };
  }
  /**
   * A live waveform chunk (WAVEFORM, realtime copy only; the recorded BULK copies are backfill and
   * are not pushed). Physical value = sample × scale in `unit`.
   */
  | {
    readonly type: 'waveform'; readonly gatewayId: string; readonly streamId: string; readonly captureTime: string | null;
    readonly deviceId: string; readonly channel: string; readonly code: string; readonly sampleRateHz: number;
    readonly firstSampleIndex: number; readonly scale: number; readonly unit: string; readonly samples: readonly number[];
  }
  | {
    readonly type: 'alarm'; readonly gatewayId: string; readonly streamId: string; readonly captureTime: string | null;
    readonly alarmId: string; readonly deviceId: string; readonly kind: string; readonly priority: string; readonly state: string;
    readonly code: string; readonly text: string; readonly value: number; readonly unit: string;
  }
  /** A diagnostic ECG record arrived in the worklist (hospital/ecg); no patient reference. */
  | { readonly type: 'ecg'; readonly record: EcgRecordView };

const iso = (ns: number): string | null => (ns > 0 ? new Date(ns / 1e6).toISOString() : null);
/** "ALARM_PRIORITY_HIGH" → "high": short names for the browser. */
const enumName = (names: Record<number, string>, v: number | null | undefined, prefix: string): string =>
  (names[v ?? 0] ?? 'UNSPECIFIED').replace(prefix, '').toLowerCase();

/**
 * The live message for a received frame, or undefined for frames dashboards do not show yet.
 * Patient references are deliberately left out: dashboards resolve patients through the API.
 */
export function liveMessageFor(gatewayId: string, env: DecodedEnvelope): LiveMessage | undefined {
  const base = { gatewayId, streamId: env.header.streamId, captureTime: iso(Number(env.header.captureTimeNs)) };
  switch (env.payload) {
    case 'vitals': {
      const p = env.vitals?.position;
      return {
        type: 'vitals', ...base,
        numerics: (env.vitals?.numerics ?? []).map((n) => ({ code: n.code ?? '', label: n.label ?? '', value: n.value ?? 0, unit: n.unit ?? '', valid: n.valid === true })),
        deviceId: env.vitals?.deviceId ?? '',
        ...(p != null && (p.latitudeDeg !== 0 || p.longitudeDeg !== 0)
          ? { position: { lat: p.latitudeDeg ?? 0, lon: p.longitudeDeg ?? 0, speedMps: p.speedMps ?? 0, headingDeg: p.headingDeg ?? 0 } }
          : {}),
      };
    }
    case 'alarm':
      return alarmLiveMessage(gatewayId, env.header.streamId, Number(env.header.captureTimeNs), env.alarm ?? {});
    case 'waveform': {
      const w = env.waveform;
      if (env.header.durable) return undefined;
      return {
        type: 'waveform', ...base,
        deviceId: w?.deviceId ?? '', channel: w?.channel ?? '', code: w?.code ?? '', sampleRateHz: w?.sampleRateHz ?? 0,
        firstSampleIndex: Number(w?.firstSampleIndex ?? 0), scale: w?.scale ?? 1, unit: w?.unit ?? '', samples: w?.samples ?? [],
      };
    }
    default:
      return undefined;
  }
}

/** The /live `alarm` message of an Alarm (also used for the hub's own acknowledgements). */
export function alarmLiveMessage(gatewayId: string, streamId: string, captureTimeNs: number, a: telemed.v1.IAlarm): LiveMessage {
  const v1 = telemed.v1;
  return {
    type: 'alarm', gatewayId, streamId, captureTime: iso(captureTimeNs),
    alarmId: a.alarmId ?? '', deviceId: a.deviceId ?? '',
    kind: enumName(v1.AlarmKind, a.kind, 'ALARM_KIND_'),
    priority: enumName(v1.AlarmPriority, a.priority, 'ALARM_PRIORITY_'),
    state: enumName(v1.AlarmState, a.state, 'ALARM_STATE_'),
    code: a.code ?? '', text: a.text ?? '', value: a.value ?? 0, unit: a.unit ?? '',
  };
}
