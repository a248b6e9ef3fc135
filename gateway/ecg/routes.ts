import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type SamplesPage, type SamplesRequest, pageLeadMicrovolts } from '../../protocols/ecg/samples-page.js';
import { isTelemedError } from '../../protocols/index.js';
import type { EcgService } from './ecg-service.js';
import { GatewayEcgErrorCode } from './errors.js';
import type { EcgRecordStore } from './record-store.js';
import { readEcgOnThread } from './import-thread.js';
import { GatewaySamplesPool, MAX_PAGE_SAMPLES } from './samples-pool.js';

/** Largest imported file, bytes (a 60 s 18-lead 1000 Hz record in any format is far below). */
export const MAX_IMPORT_BYTES = 32 * 1024 * 1024;

/** Samples errors to HTTP status; a decoder's own code (a corrupt document) is 422. */
const SAMPLES_STATUS: Readonly<Record<string, number>> = {
  [GatewayEcgErrorCode.SAMPLES_RANGE]: 400, [GatewayEcgErrorCode.SAMPLES_TOO_LARGE]: 413,
  [GatewayEcgErrorCode.DECODE_BUSY]: 503, [GatewayEcgErrorCode.DECODE_FAILED]: 503,
};

export interface EcgRoutesOptions {
  /** Samples threads; default a GatewaySamplesPool made here and closed with the server. */
  readonly pool?: GatewaySamplesPool;
  /** Most samples (frames × leads) per page or `?samples=1`. Default MAX_PAGE_SAMPLES. */
  readonly maxPageSamples?: number;
}

interface PageQuery { from?: string; count?: string; leads?: string }

function int(v: string | undefined, what: string): number | null | Error {
  if (v === undefined || v === '') return null;
  if (!/^\d{1,10}$/.test(v)) return new Error(`${what} must be a non-negative integer`);
  return Number(v);
}

const jsonLeads = (p: SamplesPage): { lead: string; uv: (number | null)[] }[] => p.leads.map((l) => ({ lead: l.name, uv: pageLeadMicrovolts(l) }));

/**
 * The clinic page's ECG API (docs/CONTRACTS.md "Gateway local API"): list, one record with
 * samples, a page of samples, send, discard, import. Loopback only, like the rest of the gateway API.
 * Samples are decoded on threads and bounded per answer (samples-pool.ts), never on the event loop.
 */
export function ecgRoutes(service: EcgService, store: EcgRecordStore, opts: EcgRoutesOptions = {}) {
  return function routes(app: FastifyInstance): Promise<void> {
    const pool = opts.pool ?? new GatewaySamplesPool();
    if (opts.pool === undefined) app.addHook('onClose', () => pool.close());
    const maxSamples = opts.maxPageSamples ?? MAX_PAGE_SAMPLES;

    /** The page, or undefined after answering 404 / 400 / 413 / 422 / 503 with the code. */
    const decode = async (req: FastifyRequest<{ Params: { recordId: string } }>, reply: FastifyReply, request: SamplesRequest): Promise<SamplesPage | undefined> => {
      const doc = store.document(req.params.recordId);
      if (doc === undefined) { await reply.code(404).send({ code: GatewayEcgErrorCode.NOT_FOUND, message: 'no such ECG record' }); return undefined; }
      try {
        return await pool.run({ document: doc.document, request });
      } catch (err) {
        if (!isTelemedError(err)) throw err;
        const status = SAMPLES_STATUS[err.code] ?? 422;
        req.log.info({ code: err.code }, 'ECG samples refused');
        if (status === 503) void reply.header('retry-after', '2');
        await reply.code(status).send({ code: err.code, message: err.message });
        return undefined;
      }
    };

    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES }, (_req, body, done) => done(null, body));

    const fail = (reply: FastifyReply, err: unknown, importing = false): FastifyReply => {
      if (!isTelemedError(err)) throw err;
      const status = err.code === GatewayEcgErrorCode.NOT_FOUND ? 404
        : err.code === GatewayEcgErrorCode.STATE || err.code === GatewayEcgErrorCode.DUPLICATE ? 409
          : importing ? 422 : 500;
      if (status === 500) throw err;
      reply.log.info({ code: err.code }, 'ECG request refused');
      return reply.code(status).send({ code: err.code, message: err.message });
    };

    app.get('/api/ecg/records', () => ({ records: service.list() }));

    app.get<{ Params: { recordId: string }; Querystring: { samples?: string } }>('/api/ecg/records/:recordId', async (req, reply) => {
      const record = service.view(req.params.recordId);
      if (record === undefined) return reply.code(404).send({ code: GatewayEcgErrorCode.NOT_FOUND, message: 'no such ECG record' });
      if (req.query.samples !== '1') return { record };
      // The whole record when it fits one page, else 413 TM_ERR_ECG_SAMPLES_TOO_LARGE (read /samples by pages).
      const page = await decode(req, reply, { from: 0, count: null, leads: null, maxSamples, whole: true });
      if (page === undefined) return reply;
      return { record, samples: { sampleRateHz: page.sampleRateHz, leads: jsonLeads(page) } };
    });

    app.get<{ Params: { recordId: string }; Querystring: PageQuery }>('/api/ecg/records/:recordId/samples', async (req, reply) => {
      const from = int(req.query.from, 'from') ?? 0;
      const count = int(req.query.count, 'count');
      const leads = req.query.leads === undefined || req.query.leads === '' ? null : req.query.leads.split(',').slice(0, 64);
      const bad = from instanceof Error ? from : count instanceof Error ? count : null;
      if (bad !== null) return reply.code(400).send({ code: GatewayEcgErrorCode.SAMPLES_RANGE, message: bad.message });
      const page = await decode(req, reply, { from: from as number, count: count as number | null, leads, maxSamples });
      if (page === undefined) return reply;
      const next = page.from + page.count < page.frames && page.count > 0 ? page.from + page.count : null;
      return { sampleRateHz: page.sampleRateHz, frames: page.frames, from: page.from, count: page.count, next, leads: jsonLeads(page) };
    });

    app.post<{ Params: { recordId: string } }>('/api/ecg/records/:recordId/send', (req, reply) => {
      try {
        return reply.code(202).send({ record: service.send(req.params.recordId) });
      } catch (err) {
        return fail(reply, err);
      }
    });

    app.post<{ Params: { recordId: string } }>('/api/ecg/records/:recordId/discard', (req, reply) => {
      try {
        return { record: service.discard(req.params.recordId) };
      } catch (err) {
        return fail(reply, err);
      }
    });

    app.post('/api/ecg/import', async (req, reply) => {
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        return reply.code(422).send({ code: GatewayEcgErrorCode.IMPORT_SIZE, message: 'send the file bytes as application/octet-stream' });
      }
      const header = req.headers['x-filename'];
      const name = typeof header === 'string' && header !== '' ? safeDecode(header) : `import-${Date.now()}`;
      try {
        // Read on a thread of its own (import-thread.ts): an uploaded file is untrusted, and a large
        // or hostile one must not stall the page, the devices and the uplink.
        const record = await readEcgOnThread({ kind: 'bytes', bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), name });
        return reply.code(201).send({ record: service.ingest(record, 'import', { fromFile: true }) });
      } catch (err) {
        return fail(reply, err, true);
      }
    });
    return Promise.resolve();
  };
}

/** x-filename may be percent-encoded (non-ASCII names); a malformed escape is taken literally. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
