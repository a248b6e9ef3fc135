// The samples of a stored record for the viewer, decoded on the decode threads and served a page
// at a time: `GET /api/ecg/records/:id/samples?from=&count=&leads=&format=json|binary`, and
// `?samples=1` on the record route for a record that fits one page (docs/CONTRACTS.md "Hub
// reading API"). A page holds at most `maxPageSamples` samples (frames × leads), so no request
// can make the hub build a 64 MiB answer.
import type { Counter } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { isTelemedError } from '../../protocols/index.js';
import type { EcgDecodePool } from './decode-pool.js';
import { type SamplesPage, type SamplesRequest, pageLeadMicrovolts } from './decode-task.js';
import type { EcgRecordView, EcgStore } from './ecg-store.js';
import { EcgErrorCode } from './errors.js';
import { findVisibleRecord } from './plugin.js';

/** Media type of a binary page: u32le header length, the JSON header, then int32le counts lead by lead. */
export const SAMPLES_BINARY_TYPE = 'application/octet-stream';

interface Deps {
  readonly store: EcgStore;
  readonly pool: EcgDecodePool;
  readonly refused: Counter<'code'>;
  readonly visible: Parameters<typeof findVisibleRecord>[0];
  readonly readers: preHandlerAsyncHookHandler;
  readonly view: (r: EcgRecordView) => EcgRecordView;
  readonly maxPageSamples: number;
}

interface PageQuery { from?: string; count?: string; leads?: string; format?: string }

const STATUS: Readonly<Record<string, number>> = {
  [EcgErrorCode.SAMPLES_RANGE]: 400, [EcgErrorCode.SAMPLES_TOO_LARGE]: 413,
  [EcgErrorCode.DECODE_BUSY]: 503, [EcgErrorCode.DECODE_FAILED]: 503,
};

/** Next page's `from`, or null after the last. */
const nextFrom = (p: SamplesPage): number | null => (p.from + p.count < p.frames && p.count > 0 ? p.from + p.count : null);

/** The JSON header of a binary page; the counts follow lead by lead, `count` int32le each. */
function pageHeader(p: SamplesPage): object {
  return {
    sampleRateHz: p.sampleRateHz, frames: p.frames, from: p.from, count: p.count, next: nextFrom(p), invalid: -2147483648,
    leads: p.leads.map((l) => ({ name: l.name, uvPerCount: Number.isFinite(l.uvPerCount) ? l.uvPerCount : null, baseline: l.baseline })),
  };
}

export function encodeBinaryPage(p: SamplesPage): Buffer {
  const header = Buffer.from(JSON.stringify(pageHeader(p)), 'utf8');
  const out = Buffer.alloc(4 + header.length + p.leads.length * p.count * 4);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  let at = 4 + header.length;
  for (const l of p.leads) {
    // Little-endian on every platform Node runs on here; written per value to stay exact anyway.
    for (let i = 0; i < p.count; i++, at += 4) out.writeInt32LE(l.counts[i] ?? -2147483648, at);
  }
  return out;
}

function int(v: string | undefined, what: string): number | null | Error {
  if (v === undefined || v === '') return null;
  if (!/^\d{1,10}$/.test(v)) return new Error(`${what} must be a non-negative integer`);
  return Number(v);
}

export function samplesRoutes(app: FastifyInstance, deps: Deps): {
  whole(req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, rec: EcgRecordView): Promise<unknown>;
} {
  const decode = async (req: FastifyRequest, reply: FastifyReply, rec: EcgRecordView, request: SamplesRequest): Promise<SamplesPage | undefined> => {
    const b = deps.store.blob(rec.id);
    if (b === undefined) { await reply.code(404).send({ code: EcgErrorCode.NOT_FOUND, message: 'no such ECG record' }); return undefined; }
    try {
      const res = await deps.pool.run({ op: 'samples', contentType: b.contentType, blob: b.blob, request });
      return res.op === 'samples' ? res.page : undefined;
    } catch (err) {
      if (!isTelemedError(err)) throw err;
      const status = STATUS[err.code] ?? 422;
      if (status === 503 || status === 413) deps.refused.inc({ code: err.code });
      // The hub id only: the cart's record id may carry a file name.
      req.log.info({ id: rec.id, code: err.code }, 'ECG samples refused');
      if (status === 503) void reply.header('retry-after', '2');
      await reply.code(status).send({ code: err.code, message: err.message });
      return undefined;
    }
  };

  app.get<{ Params: { id: string }; Querystring: PageQuery }>('/api/ecg/records/:id/samples', { preHandler: deps.readers }, async (req, reply) => {
    const rec = findVisibleRecord(deps.visible, req, reply);
    if (rec === undefined) return reply;
    const from = int(req.query.from, 'from') ?? 0;
    const count = int(req.query.count, 'count');
    const format = req.query.format ?? (req.headers.accept === SAMPLES_BINARY_TYPE ? 'binary' : 'json');
    const leads = req.query.leads === undefined || req.query.leads === '' ? null : req.query.leads.split(',').slice(0, 64);
    const bad = from instanceof Error ? from : count instanceof Error ? count : format !== 'json' && format !== 'binary' ? new Error('format is json or binary') : null;
    if (bad !== null) return reply.code(400).send({ code: EcgErrorCode.SAMPLES_RANGE, message: bad.message });
    const page = await decode(req, reply, rec, { from: from as number, count: count as number | null, leads, maxSamples: deps.maxPageSamples });
    if (page === undefined) return reply;
    if (format === 'binary') return reply.type(SAMPLES_BINARY_TYPE).send(encodeBinaryPage(page));
    return { ...pageHeader(page), leads: page.leads.map((l) => ({ name: l.name, uv: pageLeadMicrovolts(l) })) };
  });

  return {
    async whole(req, reply, rec) {
      const page = await decode(req, reply, rec, { from: 0, count: null, leads: null, maxSamples: deps.maxPageSamples, whole: true });
      if (page === undefined) return reply;
      return { record: deps.view(rec), samples: { sampleRateHz: page.sampleRateHz, leads: page.leads.map((l) => ({ name: l.name, uv: pageLeadMicrovolts(l) })) } };
    },
  };
}
