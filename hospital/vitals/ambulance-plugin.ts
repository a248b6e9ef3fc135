import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { TrafficClass, telemed, type Clock } from '../../protocols/index.js';
import type { AccessPolicy } from '../auth/access.js';
import { requireRole } from '../auth/require-role.js';
import type { SessionManager } from '../auth/sessions.js';
import { alarmLiveMessage } from '../live/messages.js';
import type { LiveHub } from '../live/live-hub.js';
import type { HospitalMetrics } from '../metrics.js';
import type { GatewayRegistry } from '../uplink/registry.js';
import { AmbulanceTracker, ETA_CODE, type AmbulanceFix } from './ambulance-tracker.js';
import { VitalsErrorCode } from './errors.js';
import type { FramesReader, StoredFrame } from './frames-reader.js';
import type { VitalsDb } from './vitals-db.js';
import { nsToIso, nsToMs } from './time.js';

/** Downlink stream of acknowledgements (ALARM class, durable): one class per stream (diagnosis-relay.ts). */
export const ALARM_ACK_STREAM = 'alarm-ack';

/** Alarms are looked up this far back to acknowledge them, ns (a transport is shorter). */
const ALARM_LOOKBACK_NS = 24 * 3600 * 1e9;
/** Frames read for one trend request at most (15 min of a few 1 Hz streams is ~3000). */
const MAX_TREND_FRAMES = 20_000;

export interface AmbulancePluginOptions {
  readonly reader: FramesReader | null;
  readonly db: VitalsDb | null;
  readonly registry: GatewayRegistry;
  readonly live: LiveHub;
  readonly sessions: SessionManager;
  readonly access: AccessPolicy;
  readonly metrics: HospitalMetrics;
  readonly clock: Clock;
  readonly log: Logger;
}

/** One numeric's trend: [capture ms, value] oldest first. */
export interface TrendSeries { code: string; label: string; unit: string; points: [number, number][] }

/** An alarm as the board shows it: its newest state, and who acknowledged it at the hub. */
export interface AlarmView {
  alarmId: string; deviceId: string; kind: string; priority: string; state: string;
  code: string; text: string; value: number; unit: string; at: string;
  acks: { username: string; at: string; downlink: string }[];
}

const GatewayParams = Type.Object({ gatewayId: Type.String({ minLength: 1, maxLength: 128 }) });
const AckParams = Type.Object({ gatewayId: Type.String({ minLength: 1, maxLength: 128 }), alarmId: Type.String({ minLength: 1, maxLength: 128 }) });
const RecentQuery = Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 60, default: 15 }) }, { additionalProperties: false });

const NOT_FOUND = { code: VitalsErrorCode.AMBULANCE_NOT_FOUND, message: 'no such ambulance' } as const;

/**
 * The ambulance board's API (hospital/README.md "Ambulance board"), every route behind a session
 * and the site check of auth/access.ts (another site's ambulance is answered like an unknown one):
 *
 * - GET  /api/ambulances: ambulances of the person's sites, with position and ETA (after a hub
 *   restart also those not yet reconnected that reported a position in the last 15 minutes);
 * - GET  /api/ambulances/:gatewayId/recent?minutes=15: numeric trends from records.db, the alarms
 *   of the window with their acknowledgements, and the track;
 * - POST /api/ambulances/:gatewayId/alarms/:alarmId/ack (clinician, specialist, admin): audited in
 *   vitals.db, the Alarm with state ACKNOWLEDGED and text "acknowledged by <username>" queued DOWN
 *   to the ambulance's gateway on the durable downlink (ALARM class, stream `alarm-ack`), and
 *   pushed on /live to the boards of that site.
 */
export function ambulancePlugin(opts: AmbulancePluginOptions) {
  return function ambulanceRoutes(app: FastifyInstance): Promise<void> {
    const { reader, db, registry, access, clock } = opts;
    const tracker = new AmbulanceTracker(reader, () => clock.nowNs());
    const off = registry.onFrame((g, env) => tracker.onFrame(g, env));
    app.addHook('onClose', () => { off(); return Promise.resolve(); });
    const acksCounter = new Counter({
      name: 'telemed_alarm_acks_total', help: 'Ambulance alarm acknowledgements, by downlink result', labelNames: ['result'], registers: [opts.metrics.registry],
    });
    const refused = new Counter({
      name: 'telemed_ambulance_api_refused_total', help: 'Ambulance board requests refused, by code (TM_ERR_*)', labelNames: ['code'], registers: [opts.metrics.registry],
    });
    // Every refusal of this API is counted by its code (the access check answers 404 AMBULANCE_NOT_FOUND).
    app.addHook('onSend', (req, reply, payload, done) => {
      if (reply.statusCode >= 400 && req.routeOptions.url?.startsWith('/api/ambulances') === true && typeof payload === 'string') {
        const code = /"code":"(TM_[A-Z_]+)"/.exec(payload)?.[1];
        if (code !== undefined) refused.inc({ code });
      }
      done(null, payload);
    });
    const anyone = requireRole(opts.sessions);
    const clinicians = requireRole(opts.sessions, 'clinician', 'specialist', 'admin');
    const unavailable = (reply: FastifyReply): FastifyReply =>
      reply.code(503).send({ code: VitalsErrorCode.UNAVAILABLE, message: 'the vitals store is not readable on this hub' });

    app.get('/api/ambulances', { preHandler: anyone }, (req) => {
      const who = req.authUser;
      if (who === null) return { ambulances: [] };
      // An ambulance says so in its Hello; one that has not connected since the hub started is
      // still listed when records.db holds a position of it from the last 15 minutes.
      const views = access.filter(who, registry.views(), (v) => v.id)
        .filter((v) => v.siteKind === 'ambulance' || (v.siteKind === null && tracker.fix(v.id) !== null));
      return {
        ambulances: views.map((v) => ({
          id: v.id, siteName: v.siteName, site: access.siteOf(v.id) ?? v.id, connected: v.connected, lastSeenAt: v.lastSeenAt,
          fix: tracker.fix(v.id),
        })),
      };
    });

    app.get<{ Params: Static<typeof GatewayParams>; Querystring: Static<typeof RecentQuery> }>('/api/ambulances/:gatewayId/recent',
      { preHandler: anyone, schema: { params: GatewayParams, querystring: RecentQuery } }, (req, reply) => {
        const { gatewayId } = req.params;
        if (!access.admit(req, reply, gatewayId, NOT_FOUND)) return reply;
        if (reader === null || db === null) return unavailable(reply);
        const toNs = clock.nowNs();
        const fromNs = toNs - req.query.minutes * 60e9;
        const vitals = reader.framesSince(gatewayId, 'vitals', fromNs, MAX_TREND_FRAMES);
        const alarmFrames = reader.framesSince(gatewayId, 'alarm', Math.min(fromNs, toNs - 3600e9), MAX_TREND_FRAMES);
        return {
          gatewayId, from: nsToIso(fromNs), to: nsToIso(toNs),
          series: trends(vitals), track: track(vitals), fix: tracker.fix(gatewayId),
          alarms: latestAlarms(alarmFrames).map((a) => withAcks(a, db, gatewayId)),
        };
      });

    app.post<{ Params: Static<typeof AckParams> }>('/api/ambulances/:gatewayId/alarms/:alarmId/ack',
      { preHandler: clinicians, schema: { params: AckParams } }, (req, reply) => {
        const { gatewayId, alarmId } = req.params;
        const who = req.authUser;
        if (who === null || !access.admit(req, reply, gatewayId, NOT_FOUND)) return reply;
        if (reader === null || db === null) return unavailable(reply);
        const frames = reader.framesSince(gatewayId, 'alarm', clock.nowNs() - ALARM_LOOKBACK_NS, MAX_TREND_FRAMES);
        const found = [...frames].reverse().find((f) => f.env.alarm?.alarmId === alarmId);
        const alarm = found?.env.alarm;
        if (alarm == null) return reply.code(404).send({ code: VitalsErrorCode.ALARM_NOT_FOUND, message: 'no such alarm from this ambulance' });
        const nowNs = clock.nowNs();
        const ack: telemed.v1.IAlarm = {
          alarmId, deviceId: alarm.deviceId ?? '', kind: alarm.kind ?? 0, priority: alarm.priority ?? 0,
          state: telemed.v1.AlarmState.ALARM_STATE_ACKNOWLEDGED, code: alarm.code ?? '', text: `acknowledged by ${who.username}`,
          value: alarm.value ?? 0, unit: alarm.unit ?? '', patientRef: alarm.patientRef ?? '',
        };
        const result = registry.sendToGateway(gatewayId, {
          header: { streamId: ALARM_ACK_STREAM, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true, captureTimeNs: nowNs },
          alarm: ack,
        });
        const atMs = nsToMs(nowNs);
        db.appendAck({ gatewayId, alarmId, username: who.username, atMs, result });
        acksCounter.inc({ result });
        if (result === 'backpressure' || result === 'not-connected') {
          req.log.warn({ code: VitalsErrorCode.ACK_NOT_QUEUED, gatewayId, alarmId, result }, 'alarm acknowledgement not queued for the ambulance');
          return reply.code(503).send({ code: VitalsErrorCode.ACK_NOT_QUEUED, message: `the acknowledgement could not be queued for the ambulance (${result}); try again` });
        }
        req.log.info({ gatewayId, alarmId, username: who.username, result }, 'ambulance alarm acknowledged');
        opts.live.broadcast(alarmLiveMessage(gatewayId, ALARM_ACK_STREAM, nowNs, ack));
        return reply.code(202).send({ alarmId, state: 'acknowledged', by: who.username, at: new Date(atMs).toISOString(), downlink: result });
      });
    return Promise.resolve();
  };
}

/** Per code and unit, the valid values in capture order (the ETA numeric included: the board shows it). */
export function trends(frames: readonly StoredFrame[]): TrendSeries[] {
  const out = new Map<string, TrendSeries>();
  for (const f of frames) {
    for (const n of f.env.vitals?.numerics ?? []) {
      const value = n.value ?? Number.NaN;
      if (n.valid !== true || !Number.isFinite(value)) continue;
      const code = n.code ?? '';
      const unit = n.unit ?? '';
      const key = `${code}\u0000${unit}`;
      let s = out.get(key);
      if (s === undefined) { s = { code, label: n.label ?? '', unit, points: [] }; out.set(key, s); }
      const t = Number(n.timeNs ?? 0) > 0 ? Number(n.timeNs) : f.captureTimeNs;
      s.points.push([nsToMs(t), value]);
    }
  }
  for (const s of out.values()) s.points.sort((a, b) => a[0] - b[0]);
  return [...out.values()].filter((s) => s.code !== ETA_CODE || s.points.length > 0);
}

/** The positions of the window, [ms, lat, lon], oldest first. */
export function track(frames: readonly StoredFrame[]): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (const f of frames) {
    const p = f.env.vitals?.position;
    if (p == null || (p.latitudeDeg === 0 && p.longitudeDeg === 0)) continue;
    out.push([nsToMs(f.captureTimeNs), p.latitudeDeg ?? 0, p.longitudeDeg ?? 0]);
  }
  return out;
}

/** The newest state of every alarm id in `frames` (oldest first in, newest first out). */
export function latestAlarms(frames: readonly StoredFrame[]): Omit<AlarmView, 'acks'>[] {
  const byId = new Map<string, Omit<AlarmView, 'acks'>>();
  for (const f of frames) {
    const a = f.env.alarm;
    if (a == null || (a.alarmId ?? '') === '') continue;
    const m = alarmLiveMessage(f.gatewayId, f.streamId, f.captureTimeNs, a);
    if (m.type !== 'alarm') continue;
    byId.delete(m.alarmId);
    byId.set(m.alarmId, {
      alarmId: m.alarmId, deviceId: m.deviceId, kind: m.kind, priority: m.priority, state: m.state,
      code: m.code, text: m.text, value: m.value, unit: m.unit, at: m.captureTime ?? '',
    });
  }
  return [...byId.values()].reverse();
}

function withAcks(a: Omit<AlarmView, 'acks'>, db: VitalsDb, gatewayId: string): AlarmView {
  const acks = db.acksOf(gatewayId, a.alarmId).map((r) => ({ username: r.username, at: new Date(r.atMs).toISOString(), downlink: r.result }));
  return { ...a, acks };
}

export type { AmbulanceFix };
