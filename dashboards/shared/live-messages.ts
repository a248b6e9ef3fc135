import type { GatewayStatus, GatewayView, HubLiveMessage, VitalNumeric } from './types.js';

// The sockets carry JSON from another process; a malformed message is dropped here rather than
// crashing a render halfway through. The checks are shallow on purpose: enough that the fields the
// pages index by (ids, arrays) exist; figures are formatted defensively where they are shown.

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isGatewayView(v: unknown): v is GatewayView {
  return isRecord(v) && typeof v['id'] === 'string' && typeof v['connected'] === 'boolean';
}

function isNumeric(v: unknown): v is VitalNumeric {
  return isRecord(v) && typeof v['code'] === 'string' && typeof v['value'] === 'number';
}

/** Parses one `/live` text message of the hub; null when it is not one the console understands. */
export function parseHubMessage(text: string): HubLiveMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(v)) return null;
  switch (v['type']) {
    case 'snapshot': {
      const gws = v['gateways'];
      return Array.isArray(gws) ? { type: 'snapshot', gateways: gws.filter(isGatewayView) } : null;
    }
    case 'gateway':
      return isGatewayView(v['gateway']) ? { type: 'gateway', gateway: v['gateway'] } : null;
    case 'vitals': {
      const nums = v['numerics'];
      if (typeof v['gatewayId'] !== 'string' || !Array.isArray(nums)) return null;
      return {
        type: 'vitals',
        gatewayId: v['gatewayId'],
        streamId: typeof v['streamId'] === 'string' ? v['streamId'] : '',
        captureTime: typeof v['captureTime'] === 'number' || typeof v['captureTime'] === 'string' ? v['captureTime'] : '',
        numerics: nums.filter(isNumeric),
      };
    }
    case 'alarm':
      return typeof v['gatewayId'] === 'string' ? { ...v, type: 'alarm', gatewayId: v['gatewayId'] } : null;
    default:
      return null;
  }
}

function isStatus(v: unknown): v is GatewayStatus {
  return (
    isRecord(v) &&
    typeof v['gatewayId'] === 'string' &&
    isRecord(v['link']) &&
    typeof v['link']['state'] === 'string' &&
    Array.isArray(v['devices'])
  );
}

/** Parses one `/live` text message of a gateway (`{ type: "status", status }`). */
export function parseSiteMessage(text: string): GatewayStatus | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(v) || v['type'] !== 'status') return null;
  return isStatus(v['status']) ? v['status'] : null;
}

/** Checks a `GET /api/status` body. */
export function asGatewayStatus(v: unknown): GatewayStatus | null {
  return isStatus(v) ? v : null;
}
