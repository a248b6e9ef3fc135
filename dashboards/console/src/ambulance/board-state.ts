/**
 * The ambulance board's state: replaced (never mutated) on every message. Inputs are the hub's
 * REST answers (GET /api/ambulances, GET /api/ambulances/:id/recent) and its /live messages
 * (vitals with position and ETA, alarm, gateway); waveform chunks go to jitter buffers instead.
 */

export interface Fix { lat: number; lon: number; speedMps: number; headingDeg: number; at: string; etaS: number | null }

export interface Numeric { code: string; label: string; value: number; unit: string; valid: boolean; at: number }

export interface AlarmView {
  alarmId: string; deviceId: string; kind: string; priority: string; state: string;
  code: string; text: string; value: number; unit: string; at: string;
  acks: { username: string; at: string; downlink: string }[];
}

export interface Ambulance {
  id: string;
  siteName: string | null;
  connected: boolean;
  fix: Fix | null;
  /** Latest value per numeric code. */
  numerics: Record<string, Numeric>;
  /** Per code, [capture ms, value] of the trend window, oldest first. */
  trends: Record<string, [number, number][]>;
  /** By alarm id. */
  alarms: Record<string, AlarmView>;
}

export interface BoardState { ambulances: Record<string, Ambulance> }

export const EMPTY_BOARD: BoardState = { ambulances: {} };

/** Trend window, ms (what the hub serves by default). */
export const TREND_WINDOW_MS = 15 * 60_000;
export const ETA_CODE = 'TM_ETA_S';

const empty = (id: string): Ambulance => ({ id, siteName: null, connected: false, fix: null, numerics: {}, trends: {}, alarms: {} });

function put(s: BoardState, a: Ambulance): BoardState {
  return { ambulances: { ...s.ambulances, [a.id]: a } };
}

/** GET /api/ambulances: the set of ambulances (others are dropped), their fix and link state. */
export function applyList(s: BoardState, list: { id: string; siteName: string | null; connected: boolean; fix: Fix | null }[]): BoardState {
  const ambulances: Record<string, Ambulance> = {};
  for (const l of list) ambulances[l.id] = { ...(s.ambulances[l.id] ?? empty(l.id)), siteName: l.siteName, connected: l.connected, fix: l.fix ?? s.ambulances[l.id]?.fix ?? null };
  return { ambulances };
}

/** GET /api/ambulances/:id/recent: trends and alarms from the hub's store (merged with live points). */
export function applyRecent(s: BoardState, id: string, r: { series: { code: string; label: string; unit: string; points: [number, number][] }[]; alarms: AlarmView[] }): BoardState {
  const a = s.ambulances[id] ?? empty(id);
  const trends: Record<string, [number, number][]> = { ...a.trends };
  const numerics = { ...a.numerics };
  for (const series of r.series) {
    trends[series.code] = mergePoints(series.points, a.trends[series.code] ?? []);
    const last = series.points[series.points.length - 1];
    if (last !== undefined && (numerics[series.code]?.at ?? 0) < last[0]) {
      numerics[series.code] = { code: series.code, label: series.label, value: last[1], unit: series.unit, valid: true, at: last[0] };
    }
  }
  const alarms = { ...a.alarms };
  for (const al of r.alarms) alarms[al.alarmId] = al;
  return put(s, { ...a, trends, numerics, alarms });
}

/** Merges two sorted point lists, one point per timestamp. */
export function mergePoints(x: readonly [number, number][], y: readonly [number, number][]): [number, number][] {
  const m = new Map<number, number>();
  for (const [t, v] of x) m.set(t, v);
  for (const [t, v] of y) m.set(t, v);
  return [...m].sort((p, q) => p[0] - q[0]);
}

/** One /live message (already parsed); others are returned unchanged. `nowMs` trims the trend window. */
export function applyLive(s: BoardState, msg: LiveBoardMessage, nowMs: number): BoardState {
  switch (msg.type) {
    case 'gateway': {
      const a = s.ambulances[msg.gateway.id];
      return a === undefined ? s : put(s, { ...a, connected: msg.gateway.connected });
    }
    case 'vitals': {
      const a = s.ambulances[msg.gatewayId];
      if (a === undefined) return s;
      const at = Date.parse(msg.captureTime ?? '') || nowMs;
      const numerics = { ...a.numerics };
      const trends = { ...a.trends };
      for (const n of msg.numerics) {
        // After a tunnel the backlog arrives oldest first: it fills the trend, not the tile.
        if ((numerics[n.code]?.at ?? 0) <= at) numerics[n.code] = { ...n, at };
        if (!n.valid) continue;
        if (at < nowMs - TREND_WINDOW_MS) continue;
        trends[n.code] = mergePoints((trends[n.code] ?? []).filter((p) => p[0] >= nowMs - TREND_WINDOW_MS), [[at, n.value]]);
      }
      let fix = a.fix;
      if (msg.position !== undefined && (a.fix === null || Date.parse(a.fix.at) <= at)) {
        const eta = msg.numerics.find((n) => n.code === ETA_CODE && n.valid);
        fix = { lat: msg.position.lat, lon: msg.position.lon, speedMps: msg.position.speedMps, headingDeg: msg.position.headingDeg, at: msg.captureTime ?? new Date(at).toISOString(), etaS: eta?.value ?? null };
      }
      return put(s, { ...a, numerics, trends, fix });
    }
    case 'alarm': {
      const a = s.ambulances[msg.gatewayId];
      if (a === undefined) return s;
      const prev = a.alarms[msg.alarmId];
      const acks = prev?.acks ?? [];
      // The hub's own acknowledgement names the person ("acknowledged by X").
      const by = msg.state === 'acknowledged' ? /^acknowledged by (.+)$/.exec(msg.text)?.[1] : undefined;
      const next: AlarmView = {
        ...msg, at: msg.captureTime ?? '',
        // An acknowledgement keeps the alarm's own text on the banner.
        text: by !== undefined && prev !== undefined ? prev.text : msg.text,
        acks: by !== undefined ? [...acks, { username: by, at: msg.captureTime ?? '', downlink: 'sent' }] : acks,
      };
      return put(s, { ...a, alarms: { ...a.alarms, [msg.alarmId]: next } });
    }
  }
}

const PRIORITY: Record<string, number> = { high: 3, medium: 2, low: 1 };

/** Alarms the banner shows: active and not acknowledged, highest priority first, then newest. */
export function bannerAlarms(a: Ambulance): AlarmView[] {
  return Object.values(a.alarms)
    .filter((x) => x.state === 'active' && x.acks.length === 0)
    .sort((p, q) => (PRIORITY[q.priority] ?? 0) - (PRIORITY[p.priority] ?? 0) || (p.at < q.at ? 1 : p.at > q.at ? -1 : 0));
}

/** Ambulances in board order: arriving soonest first (no ETA last), then by id. */
export function boardOrder(s: BoardState): Ambulance[] {
  const eta = (a: Ambulance): number => a.fix?.etaS ?? Number.POSITIVE_INFINITY;
  return Object.values(s.ambulances).sort((p, q) => eta(p) - eta(q) || (p.id < q.id ? -1 : p.id > q.id ? 1 : 0));
}

/** "4 min", "45 s", "—". */
export function formatEta(etaS: number | null | undefined): string {
  if (typeof etaS !== 'number' || !Number.isFinite(etaS)) return '—';
  if (etaS < 60) return `${Math.max(0, Math.round(etaS))} s`;
  return `${Math.round(etaS / 60)} min`;
}

/** The /live messages the board reads (hospital/live/messages.ts). */
export type LiveBoardMessage =
  | { type: 'gateway'; gateway: { id: string; connected: boolean } }
  | { type: 'vitals'; gatewayId: string; captureTime: string | null; numerics: { code: string; label: string; value: number; unit: string; valid: boolean }[]; position?: { lat: number; lon: number; speedMps: number; headingDeg: number } }
  | { type: 'alarm'; gatewayId: string; captureTime: string | null; alarmId: string; deviceId: string; kind: string; priority: string; state: string; code: string; text: string; value: number; unit: string };

export interface LiveWaveform {
  type: 'waveform'; gatewayId: string; channel: string; code: string; sampleRateHz: number; firstSampleIndex: number; scale: number; unit: string; samples: number[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

/** Parses a /live text for the board; null for anything it does not use or that is malformed. */
export function parseBoardMessage(text: string): LiveBoardMessage | LiveWaveform | null {
  let v: unknown;
  try { v = JSON.parse(text); } catch { return null; }
  if (!isObj(v)) return null;
  switch (v['type']) {
    case 'gateway': {
      const g = v['gateway'];
      return isObj(g) && typeof g['id'] === 'string' && typeof g['connected'] === 'boolean' ? { type: 'gateway', gateway: { id: g['id'], connected: g['connected'] } } : null;
    }
    case 'vitals': {
      const nums = v['numerics'];
      if (typeof v['gatewayId'] !== 'string' || !Array.isArray(nums)) return null;
      const p = v['position'];
      return {
        type: 'vitals', gatewayId: v['gatewayId'], captureTime: typeof v['captureTime'] === 'string' ? v['captureTime'] : null,
        numerics: nums.filter(isObj).filter((n) => typeof n['code'] === 'string' && Number.isFinite(num(n['value'])))
          .map((n) => ({ code: str(n['code']), label: str(n['label']), value: num(n['value']), unit: str(n['unit']), valid: n['valid'] !== false })),
        ...(isObj(p) && Number.isFinite(num(p['lat'])) && Number.isFinite(num(p['lon']))
          ? { position: { lat: num(p['lat']), lon: num(p['lon']), speedMps: num(p['speedMps']), headingDeg: num(p['headingDeg']) } } : {}),
      };
    }
    case 'alarm':
      if (typeof v['gatewayId'] !== 'string' || typeof v['alarmId'] !== 'string') return null;
      return {
        type: 'alarm', gatewayId: v['gatewayId'], captureTime: typeof v['captureTime'] === 'string' ? v['captureTime'] : null, alarmId: v['alarmId'],
        deviceId: str(v['deviceId']), kind: str(v['kind']), priority: str(v['priority']), state: str(v['state']), code: str(v['code']), text: str(v['text']),
        value: num(v['value']), unit: str(v['unit']),
      };
    case 'waveform': {
      const samples = v['samples'];
      if (typeof v['gatewayId'] !== 'string' || !Array.isArray(samples) || !(num(v['sampleRateHz']) > 0)) return null;
      return {
        type: 'waveform', gatewayId: v['gatewayId'], channel: str(v['channel']), code: str(v['code']), sampleRateHz: num(v['sampleRateHz']),
        firstSampleIndex: num(v['firstSampleIndex']), scale: Number.isFinite(num(v['scale'])) ? num(v['scale']) : 1, unit: str(v['unit']),
        samples: samples.map((x) => num(x)),
      };
    }
    default:
      return null;
  }
}
