import type { FastifyInstance } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { Type, type Static } from '@sinclair/typebox';
import type { AccessPolicy } from '../auth/access.js';
import { requireRole } from '../auth/require-role.js';
import type { SessionManager } from '../auth/sessions.js';
import { HospitalErrorCode } from '../errors.js';
import { encounterId, FHIR_ID, gatewaysOfEncounter } from './encounter.js';
import { VitalsErrorCode } from './errors.js';
import { observationOfWaveform, observationsOfVitals, operationOutcome, searchset, waveformRuns, type Json } from './fhir-observations.js';
import type { FramesReader, StoredFrame } from './frames-reader.js';

export interface FhirPluginOptions {
  readonly reader: FramesReader | null;
  readonly sessions: SessionManager;
  readonly access: AccessPolicy;
  /** Every enrolled gateway id (encounter ids name theirs). */
  readonly gatewayIds: readonly string[];
  /** The hub's metrics registry. */
  readonly registry: Registry;
}

/** Frames of one kind read for one search at most (about 14 h of a 1 Hz stream). */
const MAX_FRAMES = 50_000;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

const SearchQuery = Type.Object({
  /** `<id>` or `Encounter/<id>` (vitals/encounter.ts). */
  encounter: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** `ge<instant>` (FHIR date search, lower bound only): Observations at or after it; bounds what is read. */
  date: Type.Optional(Type.String({ minLength: 3, maxLength: 64 })),
  _count: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  /** Paging: the `next` link carries it. */
  _offset: Type.Integer({ minimum: 0, default: 0 }),
});

/**
 * GET /fhir/Observation?encounter=ID[&date=geINSTANT][&_count=N][&_offset=K]: a FHIR R4 searchset Bundle of the
 * encounter's Observations, newest first (fhir-observations.ts: vital-signs profile for numerics,
 * SampledData for recorded waveforms). Behind a session; an encounter of a site the person does
 * not work for is answered 404 like one that does not exist (logged TM_ERR_SITE_FORBIDDEN).
 * Errors are OperationOutcomes with our TM_ERR_* code in `issue[0].details.coding`.
 */
export function fhirPlugin(opts: FhirPluginOptions) {
  return function fhirRoutes(app: FastifyInstance): Promise<void> {
    const anyone = requireRole(opts.sessions);
    const refused = new Counter({ name: 'telemed_fhir_refused_total', help: 'FHIR searches refused, by code (TM_ERR_*)', labelNames: ['code'], registers: [opts.registry] });
    app.addHook('onSend', (req, reply, payload, done) => {
      if (reply.statusCode >= 400 && req.routeOptions.url === '/fhir/Observation' && typeof payload === 'string') {
        const code = /"code":"(TM_[A-Z_]+)"/.exec(payload)?.[1];
        if (code !== undefined) refused.inc({ code });
      }
      done(null, payload);
    });
    app.get<{ Querystring: Static<typeof SearchQuery> }>('/fhir/Observation', { preHandler: anyone, schema: { querystring: SearchQuery } }, (req, reply) => {
      void reply.type(FHIR_JSON);
      const raw = req.query.encounter;
      const id = raw?.replace(/^Encounter\//, '');
      if (id === undefined || !FHIR_ID.test(id)) {
        return reply.code(400).send(operationOutcome('error', 'invalid', VitalsErrorCode.FHIR_BAD_SEARCH, 'search by encounter=<Encounter id> (the only search parameter supported)'));
      }
      let sinceNs = 0;
      if (req.query.date !== undefined) {
        // FHIR R4 search, date prefix `ge` (§3.1.1.4.1): the only comparison we support.
        const m = /^ge(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))$/.exec(req.query.date);
        const ms = m?.[1] === undefined ? Number.NaN : Date.parse(m[1]);
        if (!Number.isFinite(ms)) {
          return reply.code(400).send(operationOutcome('error', 'invalid', VitalsErrorCode.FHIR_BAD_SEARCH, 'date must be ge<instant with time zone>, e.g. ge2026-12-06T08:00:00Z'));
        }
        sinceNs = ms * 1e6;
      }
      const who = req.authUser;
      const notFound = operationOutcome('error', 'not-found', VitalsErrorCode.ENCOUNTER_NOT_FOUND, 'no such encounter');
      const candidates = gatewaysOfEncounter(id, opts.gatewayIds);
      const visible = who === null ? [] : candidates.filter((g) => opts.access.canSeeGateway(who, g));
      if (visible.length < candidates.length) {
        req.log.info({ code: HospitalErrorCode.SITE_FORBIDDEN, username: who?.username, url: req.routeOptions.url, gatewayIds: candidates }, 'cross-site access refused');
      }
      if (visible.length === 0) return reply.code(404).send(notFound);
      if (opts.reader === null) return reply.code(503).send(operationOutcome('error', 'transient', VitalsErrorCode.UNAVAILABLE, 'the vitals store is not readable on this hub'));
      const all: Json[] = [];
      for (const g of visible) {
        const mine = (f: StoredFrame): boolean => encounterId(g, patientRefOf(f)) === id;
        const vitals = opts.reader.framesSince(g, 'vitals', sinceNs, MAX_FRAMES).filter(mine);
        // Recorded waveform copies are durable (BULK); the live copies were never stored.
        const waves = opts.reader.framesSince(g, 'waveform', sinceNs, MAX_FRAMES).filter(mine);
        for (const f of vitals) all.push(...observationsOfVitals(id, f));
        for (const run of waveformRuns(waves)) all.push(observationOfWaveform(id, run));
      }
      if (all.length === 0) return reply.code(404).send(notFound);
      const time = (o: Json): string => {
        const t = o['effectiveDateTime'] ?? (o['effectivePeriod'] as { start?: unknown } | undefined)?.start;
        return typeof t === 'string' ? t : '';
      };
      all.sort((a, b) => (time(a) < time(b) ? 1 : time(a) > time(b) ? -1 : 0));
      const { _count: count, _offset: offset } = req.query;
      const page = all.slice(offset, offset + count);
      const base = `${req.protocol}://${req.host}/fhir`;
      const date = req.query.date === undefined ? '' : `&date=${encodeURIComponent(req.query.date)}`;
      const url = (off: number): string => `${base}/Observation?encounter=${encodeURIComponent(id)}${date}&_count=${count}&_offset=${off}`;
      return searchset(page, all.length, url(offset), offset + count < all.length ? url(offset + count) : null, base);
    });
    return Promise.resolve();
  };
}

function patientRefOf(f: StoredFrame): string {
  return f.env.vitals?.patientRef ?? f.env.waveform?.patientRef ?? '';
}
