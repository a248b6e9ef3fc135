import { Counter, Gauge } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type Clock, isTelemedError } from '../../protocols/index.js';
import { LEAD_MDC } from '../../protocols/ecg-cart/index.js';
import type { AccessPolicy } from '../auth/access.js';
import { requireRole } from '../auth/require-role.js';
import type { SessionManager } from '../auth/sessions.js';
import type { LiveHub } from '../live/live-hub.js';
import type { HospitalMetrics } from '../metrics.js';
import type { GatewayRegistry } from '../uplink/registry.js';
import { describeBlob, isDocumentType } from './blob-format.js';
import { EcgDecodePool, type DecodePoolOptions } from './decode-pool.js';
import { DocumentDescriber } from './describer.js';
import { samplesRoutes } from './samples-routes.js';
import type { EcgRecordView, EcgStore, StoredRecordInfo } from './ecg-store.js';
import { EcgErrorCode } from './errors.js';
import { DEFAULT_MAX_PARTIAL, EcgReassembler, type AssembledRecord, type ReassemblerLimits } from './reassembler.js';
import { ChunkResumer } from './recover.js';

/** What the hub's ECG plugins (worklist and reading) are built from. */
export interface EcgDeps {
  readonly store: EcgStore;
  readonly registry: GatewayRegistry;
  readonly live: LiveHub;
  readonly sessions: SessionManager;
  /** Clinic isolation (auth/access.ts): every route here serves only records of the person's sites. */
  readonly access: AccessPolicy;
  readonly metrics: HospitalMetrics;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface EcgPluginOptions extends EcgDeps {
  readonly limits?: ReassemblerLimits;
  /** Decode threads for stored documents (arrival and samples); defaults in decode-pool.ts. */
  readonly decode?: DecodePoolOptions & {
    /** Most samples (frames × leads) in one samples page or `?samples=1` answer. Default 180 000 (18 leads × 10 000). */
    readonly maxPageSamples?: number;
  };
  /** Observers of the workflow (the reading plugin relays EcgStatus and audits from these). */
  readonly events?: EcgPluginEvents;
}

/** Hooks called after the store changed; a throwing hook is the caller's bug, not the record's. */
export interface EcgPluginEvents {
  /** A record was stored (first arrival only), corrupt or not. */
  stored?(record: EcgRecordView): void;
  /** `username` holds the claim (also when claiming again). */
  claimed?(record: EcgRecordView, username: string): void;
  /** Adds workflow fields (the newest diagnosis) to every record the API returns. */
  view?(record: EcgRecordView): EcgRecordView;
  /** `username` of another site asked for the record and was refused (audited by the reading plugin). */
  readonly refused?: (record: EcgRecordView, username: string) => void;
}

const NOT_FOUND = { code: EcgErrorCode.NOT_FOUND, message: 'no such ECG record' } as const;

/**
 * THE access check of every route under /api/ecg/records/:id (the record GET, claim, diagnosis,
 * audit, and any later one such as an export): the record when it exists and the logged-in
 * person may see its site; otherwise undefined, with 404 TM_ERR_ECG_NOT_FOUND already sent (the
 * same answer for "no such id" and "another clinic's", so ids cannot be probed) and a cross-site
 * attempt logged (TM_ERR_SITE_FORBIDDEN) and audited on the record ('access-refused').
 */
export function findVisibleRecord(
  deps: Pick<EcgDeps, 'store' | 'access'> & { readonly onRefused?: ((record: EcgRecordView, username: string) => void) | undefined },
  req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply,
): EcgRecordView | undefined {
  const id = Number(req.params.id);
  const rec = Number.isSafeInteger(id) ? deps.store.get(id) : undefined;
  if (rec === undefined) { void reply.code(404).send(NOT_FOUND); return undefined; }
  if (!deps.access.admit(req, reply, rec.gatewayId, NOT_FOUND)) {
    deps.onRefused?.(rec, req.authUser?.username ?? '');
    return undefined;
  }
  return rec;
}

/**
 * The ECG worklist: reassembles EcgRecordChunks from stored durable frames into `ecg_records`,
 * pushes `{type:'ecg', record}` on /live, and serves GET /api/ecg/worklist,
 * GET /api/ecg/records/:id[?samples=1], GET /api/ecg/records/:id/samples (paged, JSON or binary:
 * samples-routes.ts), POST /api/ecg/records/:id/claim. Documents are decoded on the decode threads
 * (decode-pool.ts), never on the event loop.
 */
export function ecgPlugin(opts: EcgPluginOptions) {
  return function ecgRoutes(app: FastifyInstance): Promise<void> {
    const { store, registry, live, sessions, clock, log } = opts;
    const reassembler = new EcgReassembler(opts.limits);
    const outcomes = new Counter({
      name: 'telemed_hub_ecg_records_total', help: 'ECG records reassembled, by outcome (ok or a TM_ERR_ECG_* integrity code)',
      labelNames: ['outcome'], registers: [opts.metrics.registry],
    });
    const pool = new EcgDecodePool(opts.decode);
    new Gauge({
      name: 'telemed_hub_ecg_decode_threads', help: 'ECG decode threads running (started ahead of the first record when a clinic\'s cart streams live leads)',
      registers: [opts.metrics.registry], collect() { this.set(pool.running); },
    });
    const resumeScans = new Counter({
      name: 'telemed_hub_ecg_resume_scans_total',
      help: 'Chunks of a record not being assembled (offset > 0) by what the hub did: scanned its stored frames and resumed the record, scanned and found no start, or did not scan (the gateway\'s scan budget was spent)',
      labelNames: ['outcome'], registers: [opts.metrics.registry],
    });
    const resumer = new ChunkResumer(store, log, opts.limits?.maxPartial ?? DEFAULT_MAX_PARTIAL);
    const refused = new Counter({
      name: 'telemed_hub_ecg_decode_refused_total', help: 'ECG decodes refused or failed on the decode threads, by code (TM_ERR_ECG_*)',
      labelNames: ['code'], registers: [opts.metrics.registry],
    });
    /** A cart blob is described from its content type alone, on the spot. */
    const describeCart = (r: AssembledRecord): StoredRecordInfo | null => {
      if (r.corruptCode !== null) return null;
      try {
        return describeBlob(r.contentType, r.blob);
      } catch (err) {
        if (!isTelemedError(err)) throw err;
        return { meta: null, analysis: null, corruptCode: err.code };
      }
    };
    const inWorklist = (stored: EcgRecordView): void => {
      log.info({ gatewayId: stored.gatewayId, recordId: stored.recordId, id: stored.id, bytes: stored.byteSize }, 'ECG record in worklist');
      live.broadcast({ type: 'ecg', record: stored });
      opts.events?.stored?.(stored);
    };
    const describer = new DocumentDescriber({ store, pool, refused, outcomes, log, onDescribed: inWorklist });
    /**
     * Stores every assembled record at once (acked bytes survive a restart); an undecodable one is
     * stored marked, never dropped. A document is stored undescribed and joins the worklist when
     * the decode threads have described it (describer.ts).
     */
    const onRecord = (r: AssembledRecord): void => {
      const document = r.corruptCode === null && isDocumentType(r.contentType);
      const info = document ? null : describeCart(r);
      const corruptCode = info?.corruptCode === undefined ? r.corruptCode : info.corruptCode;
      if (!document) outcomes.inc({ outcome: corruptCode ?? 'ok' });
      const stored = store.put(r, Math.round(clock.nowNs() / 1e6), info?.analysis?.priority ?? 0, info);
      // The record id is the cart's; the patient reference is never logged.
      if (corruptCode !== null) log.warn({ gatewayId: r.gatewayId, recordId: r.recordId, code: corruptCode, bytes: r.blob.byteLength }, 'ECG record corrupt; stored and marked');
      if (stored === undefined) { log.info({ gatewayId: r.gatewayId, recordId: r.recordId }, 'ECG record already stored'); return; }
      if (document) describer.enqueue(stored.id); else inWorklist(stored);
    };
    // Documents a previous run stored but had not described yet.
    describer.sweep();
    // The decode threads start (~0.5 s here from source, module loading included) when a clinic's
    // cart first streams live leads, ahead of its first record. Warming only on a record's first
    // chunk left the first records waiting for the threads: five carts' first records, stopped
    // together, took 0.74-2.20 s to the worklist against 0.59-1.26 s with the threads up
    // (bench:ecg, 10 records, 3 runs each). Not at start: a hub that never sees a cart keeps none.
    let warmedByLive = false;
    const off = registry.onFrame((gatewayId, env) => {
      if (!warmedByLive && env.payload === 'waveform' && CART_LIVE_CODES.has(env.waveform?.code ?? '') && registry.siteKindOf(gatewayId) === 'clinic') {
        warmedByLive = true;
        pool.warm();
      }
      const c = env.ecgChunk;
      if (env.payload !== 'ecgChunk' || c == null) return;
      if (Number(c.offset ?? 0) === 0 && isDocumentType(c.contentType ?? '')) pool.warm();
      if (Number(c.offset ?? 0) > 0 && !reassembler.has(gatewayId, c.recordId ?? '')) {
        const { outcome, chunks } = resumer.resume(gatewayId, env.header.streamId ?? '', Number(env.header.seq ?? 0), c, clock.nowNs() / 1e6);
        resumeScans.inc({ outcome });
        for (const e of chunks) for (const r of reassembler.add(gatewayId, e)) onRecord(r);
      }
      for (const r of reassembler.add(gatewayId, c)) onRecord(r);
    });
    app.addHook('onClose', async () => { off(); describer.close(); await pool.close(); });

    const readers = requireRole(sessions, 'specialist', 'admin');
    const notFound = NOT_FOUND;
    const visible = { store, access: opts.access, onRefused: opts.events?.refused };

    const withWorkflow = (r: EcgRecordView): EcgRecordView => opts.events?.view?.(r) ?? r;
    const samples = samplesRoutes(app, { store, pool, refused, visible, readers, view: withWorkflow, maxPageSamples: opts.decode?.maxPageSamples ?? 180_000 });
    // Filtered after the query: a wide page so a small site's records are not crowded out by others'.
    app.get('/api/ecg/worklist', { preHandler: readers }, (req) => ({
      records: req.authUser === null ? [] : opts.access.filter(req.authUser, store.list(5000), (r) => r.gatewayId).slice(0, 200).map(withWorkflow),
    }));

    app.get<{ Params: { id: string }; Querystring: { samples?: string } }>('/api/ecg/records/:id', { preHandler: readers }, (req, reply) => {
      const rec = findVisibleRecord(visible, req, reply);
      if (rec === undefined) return reply;
      if (req.query.samples !== '1') return { record: withWorkflow(rec) };
      return samples.whole(req, reply, rec);
    });

    app.post<{ Params: { id: string } }>('/api/ecg/records/:id/claim', { preHandler: requireRole(sessions, 'specialist') }, (req, reply) => {
      const rec = findVisibleRecord(visible, req, reply);
      if (rec === undefined) return reply;
      const id = rec.id;
      const user = req.authUser?.username ?? '';
      const res = store.claim(id, user);
      if (res.ok) { req.log.info({ id, username: user }, 'ECG record claimed'); opts.events?.claimed?.(res.record, user); return { record: withWorkflow(res.record) }; }
      if (res.reason === 'not-found') return reply.code(404).send(notFound);
      req.log.info({ id, username: user }, 'ECG record already claimed');
      return reply.code(409).send({ code: EcgErrorCode.CLAIMED, message: 'record is being read by someone else' });
    });
    return Promise.resolve();
  };
}

/** The channel codes of a cart's live leads (protocols/ecg-cart's table). */
const CART_LIVE_CODES: ReadonlySet<string> = new Set(Object.values(LEAD_MDC));
