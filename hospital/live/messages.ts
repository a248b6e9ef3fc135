import { telemed, type DecodedEnvelope } from '../../protocols/index.js';
import type { EcgRecordView } from '../ecg/ecg-store.js';
import type { GatewayView } from '../uplink/registry.js';

/** Messages on /live (docs/CONTRACTS.md), server → browser, one JSON object per text message. */
export type LiveMessage =
  | { readonly type: 'snapshot'; readonly gateways: readonly GatewayView[] }
  | { readonly type: 'gateway'; readonly gateway: GatewayView }
  | {
    readonly type: 'vitals'; readonly gatewayId: string; readonly streamId: string; readonly captureTime: string | null;
    readonly numerics: readonly { code: string; label: string; value: number; unit: string }[];
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
    case 'vitals':
      return {
        type: 'vitals', ...base,
        numerics: (env.vitals?.numerics ?? []).map((n) => ({ code: n.code ?? '', label: n.label ?? '', value: n.value ?? 0, unit: n.unit ?? '' })),
      };
    case 'alarm': {
      const a = env.alarm;
      const v1 = telemed.v1;
      return {
        type: 'alarm', ...base,
        alarmId: a?.alarmId ?? '', deviceId: a?.deviceId ?? '',
        kind: enumName(v1.AlarmKind, a?.kind, 'ALARM_KIND_'),
        priority: enumName(v1.AlarmPriority, a?.priority, 'ALARM_PRIORITY_'),
        state: enumName(v1.AlarmState, a?.state, 'ALARM_STATE_'),
        code: a?.code ?? '', text: a?.text ?? '', value: a?.value ?? 0, unit: a?.unit ?? '',
      };
    }
    default:
      return undefined;
  }
}
