import type { FastifyInstance, FastifyReply } from 'fastify';
import type { FakeExtension } from './fake-servers.js';

// One in-memory ECG workflow behind a fake gateway and a fake hub, speaking the "ECG workflow"
// section of docs/CONTRACTS.md. The test moves records along the uplink by hand (progress,
// deliver), so the pages can be checked at each state without timers.

type Json = Record<string, unknown>;
const LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V3R', 'V4R', 'V5R'];

/** A crude but ECG-shaped test signal: a QRS-like spike every 60/hr s, scaled per lead. */
function leadSamples(lead: number, fs: number, seconds: number, hr: number): number[] {
  const out: number[] = [];
  const rr = 60 / hr;
  for (let i = 0; i < fs * seconds; i++) {
    const t = (i / fs) % rr;
    const qrs = 1200 * Math.exp(-(((t - 0.25) / 0.012) ** 2)) - 200 * Math.exp(-(((t - 0.28) / 0.01) ** 2));
    const tw = 250 * Math.exp(-(((t - 0.5) / 0.05) ** 2));
    out.push(Math.round((qrs + tw) * (lead % 3 === 2 ? -0.6 : 1 - lead * 0.03)));
  }
  return out;
}

export interface CartRecordOptions {
  recordId: string;
  verdict?: 'good' | 'acceptable' | 'poor';
  critical?: boolean;
}

export class FakeEcgWorld {
  readonly gw = new Map<string, Json>();
  readonly hub = new Map<string, Json>();
  readonly audit = new Map<string, Json[]>();
  private readonly samples = new Map<string, { sampleRateHz: number; leads: { lead: string; uv: number[] }[] }>();
  private gwPush: (m: unknown) => void = () => undefined;
  private hubPush: (m: unknown) => void = () => undefined;
  private nextHubId = 1;
  /** Requests seen, e.g. `import x-filename=a.hea`, for assertions. */
  readonly requests: string[] = [];

  /** A record the cart just finished: in preview at the gateway. */
  addCartRecord(o: CartRecordOptions): Json {
    const fs = 500;
    this.samples.set(o.recordId, { sampleRateHz: fs, leads: LEADS.map((lead, i) => ({ lead, uv: leadSamples(i, fs, 10, 75) })) });
    const findings = o.critical === true
      ? [{ code: 'STEMI_INFERIOR', severity: 'critical', text: 'ST elevation in II, III, aVF', lead: 'III', startSample: 0, endSample: 5000, origin: 'gateway' }]
      : [{ code: 'PVC', severity: 'abnormal', text: 'Isolated PVC', lead: 'V1', startSample: 1000, endSample: 1100, origin: 'gateway' }];
    const rec: Json = {
      recordId: o.recordId, deviceId: 'cart-1', source: 'cart', acquiredAt: new Date().toISOString(), durationS: 10, sampleRateHz: fs, leads: LEADS,
      heartRateBpm: 75, verdict: o.verdict ?? 'good',
      leadQuality: LEADS.map((lead) => ({ lead, score: o.verdict === 'poor' && lead === 'V2' ? 0.2 : 0.95, issues: o.verdict === 'poor' && lead === 'V2' ? ['muscle noise'] : [] })),
      findings, priority: o.critical === true ? 3 : 1, critical: o.critical === true, state: 'preview',
      progress: { totalBytes: 40_000, sentBytes: 0, ackedBytes: 0 }, readerName: null, diagnosis: null, updatedAt: new Date().toISOString(), error: null,
    };
    this.setGw(rec);
    return rec;
  }

  /** The uplink has sent `fraction` of a queued record. */
  progress(recordId: string, fraction: number): void {
    const r = this.mustGw(recordId);
    this.setGw({ ...r, state: 'sending', progress: { totalBytes: 40_000, sentBytes: Math.round(40_000 * fraction), ackedBytes: Math.round(30_000 * fraction) } });
  }

  /** All chunks acked: delivered at the gateway, pending in the hub's worklist. Returns the hub id. */
  deliver(recordId: string): string {
    const r = this.mustGw(recordId);
    this.setGw({ ...r, state: 'delivered', progress: { totalBytes: 40_000, sentBytes: 40_000, ackedBytes: 40_000 } });
    // The real hub's ids are SQLite row ids: JSON numbers.
    const n = this.nextHubId++;
    const id = String(n);
    this.setHub({
      id: n, gatewayId: 'clinic-9', recordId, receivedAt: new Date().toISOString(), status: 'pending', priority: r['priority'], claimedBy: null,
      byteSize: 40_000, contentType: 'application/x-telemed-ecg+protobuf', corruptCode: null, heartRateBpm: 75, verdict: r['verdict'],
      findings: r['findings'], leadQuality: r['leadQuality'], durationS: 10, sampleRateHz: 500, leads: LEADS, statements: ['Sinus rhythm (cart)'], diagnosis: null,
    });
    this.log(id, 'system', 'received', null);
    return id;
  }

  /** Another reader claims the record; `silent` skips the /live push, so a page still offers Claim (the 409 path). */
  claimAs(hubId: string, reader: string, silent = false): void {
    if (!silent) {
      this.claim(hubId, reader);
      return;
    }
    const r = this.mustHub(hubId);
    this.hub.set(hubId, { ...r, status: 'in_reading', claimedBy: reader });
  }

  private claim(hubId: string, reader: string): Json {
    const r = this.mustHub(hubId);
    this.setHub({ ...r, status: 'in_reading', claimedBy: reader });
    const g = this.mustGw(String(r['recordId']));
    this.setGw({ ...g, state: 'in-reading', readerName: reader });
    this.log(hubId, reader, 'claim', null);
    return this.mustHub(hubId);
  }

  private setGw(r: Json): void {
    this.gw.set(String(r['recordId']), r);
    this.gwPush({ type: 'ecg', record: r });
  }

  private setHub(r: Json): void {
    this.hub.set(String(r['id']), r);
    this.hubPush({ type: 'ecg', record: r });
  }

  private mustGw(id: string): Json {
    const r = this.gw.get(id);
    if (r === undefined) throw new Error(`no gateway record ${id}`);
    return r;
  }

  private mustHub(id: string): Json {
    const r = this.hub.get(id);
    if (r === undefined) throw new Error(`no hub record ${id}`);
    return r;
  }

  private log(id: string, actor: string, action: string, detail: unknown): void {
    this.audit.set(id, [...(this.audit.get(id) ?? []), { at: new Date().toISOString(), actor, action, detail }]);
  }

  /** Routes of the gateway's local ECG API. */
  readonly gatewayRoutes: FakeExtension = (app: FastifyInstance, ctx) => {
    this.gwPush = ctx.broadcast;
    app.get('/api/ecg/records', (_req, reply) => reply.send({ records: [...this.gw.values()].reverse() }));
    app.get('/api/ecg/records/:id', async (req, reply) => {
      const { id } = req.params as { id: string };
      const r = this.gw.get(id);
      if (r === undefined) return reply.code(404).send({ code: 'TM_ERR_ECG_NOT_FOUND', message: 'no such record' });
      return (req.query as { samples?: string }).samples === '1' ? { record: r, samples: this.samples.get(id) } : { record: r };
    });
    const transition = (to: string, code: number) => (req: { params: unknown }, reply: FastifyReply) => {
      const r = this.gw.get((req.params as { id: string }).id);
      if (r?.['state'] !== 'preview') return reply.code(409).send({ code: 'TM_ERR_ECG_STATE', message: 'record is not in preview' });
      this.setGw({ ...r, state: to });
      return reply.code(code).send({ record: this.gw.get(String(r['recordId'])) });
    };
    app.post('/api/ecg/records/:id/send', transition('queued', 202));
    app.post('/api/ecg/records/:id/discard', transition('discarded', 200));
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post('/api/ecg/import', async (req, reply) => {
      const name = String(req.headers['x-filename'] ?? '');
      const size = Buffer.isBuffer(req.body) ? req.body.length : -1;
      this.requests.push(`import x-filename=${name} bytes=${size}`);
      if (!name.endsWith('.scp')) return reply.code(422).send({ code: 'TM_ERR_ECG_IMPORT_FORMAT', message: `not an ECG file: ${name}` });
      return reply.code(201).send({ record: this.addCartRecord({ recordId: `IMP-${this.gw.size + 1}` }) });
    });
  };

  /** Routes of the hub's reading API (the fake hub's one user reads). */
  hubRoutes(reader: { username: string; displayName: string }): FakeExtension {
    return (app: FastifyInstance, ctx) => {
      this.hubPush = ctx.broadcast;
      app.addHook('preHandler', async (req, reply) => {
        if (req.url.startsWith('/api/ecg/') && !ctx.authed(req.headers.authorization)) await reply.code(401).send({ code: 'TM_ERR_UNAUTHORIZED', message: 'no' });
      });
      app.get('/api/ecg/worklist', (_req, reply) => reply.send({ records: [...this.hub.values()] }));
      app.get('/api/ecg/records/:id', async (req, reply) => {
        const { id } = req.params as { id: string };
        const r = this.hub.get(id);
        if (r === undefined) return reply.code(404).send({ code: 'TM_ERR_ECG_NOT_FOUND', message: 'no such record' });
        const s = this.samples.get(String(r['recordId']));
        const samples = s === undefined ? undefined : { sampleRateHz: s.sampleRateHz, leads: s.leads.map((l) => ({ name: l.lead, uv: l.uv })) };
        return (req.query as { samples?: string }).samples === '1' ? { record: r, samples } : { record: r };
      });
      // The hub's paged samples API (hospital/ecg/samples-routes.ts): a fake record fits one page.
      app.get('/api/ecg/records/:id/samples', async (req, reply) => {
        const r = this.hub.get((req.params as { id: string }).id);
        const s = r === undefined ? undefined : this.samples.get(String(r['recordId']));
        if (s === undefined) return reply.code(404).send({ code: 'TM_ERR_ECG_NOT_FOUND', message: 'no such record' });
        const frames = s.leads[0]?.uv.length ?? 0;
        return { sampleRateHz: s.sampleRateHz, frames, from: 0, count: frames, next: null, leads: s.leads.map((l) => ({ name: l.lead, uv: l.uv })) };
      });
      app.post('/api/ecg/records/:id/claim', async (req, reply) => {
        const { id } = req.params as { id: string };
        const r = this.mustHub(id);
        if (r['claimedBy'] !== null && r['claimedBy'] !== reader.username) {
          return reply.code(409).send({ code: 'TM_ERR_ECG_CLAIMED', message: 'record is being read by someone else' });
        }
        return { record: this.claim(id, reader.username) };
      });
      app.post('/api/ecg/records/:id/diagnosis', async (req, reply) => {
        const { id } = req.params as { id: string };
        const r = this.mustHub(id);
        if (r['claimedBy'] !== reader.username) return reply.code(409).send({ code: 'TM_ERR_ECG_CLAIMED', message: 'claim it first' });
        const b = req.body as { statements: string[]; text: string; critical: boolean };
        const revision = ((r['diagnosis'] as Json | null)?.['revision'] as number | undefined ?? 0) + 1;
        const diagnosis = { diagnosisId: `dx-${id}-${revision}`, readerName: reader.displayName, statements: b.statements, text: b.text, signedAt: new Date().toISOString(), critical: b.critical, revision, signatureAlg: 'HMAC-SHA256', signature: 'ab'.repeat(32) };
        this.setHub({ ...r, status: 'reported', diagnosis });
        const g = this.mustGw(String(r['recordId']));
        this.setGw({ ...g, state: 'reported', diagnosis, readerName: reader.displayName });
        this.log(id, reader.username, revision === 1 ? 'diagnosis' : 'amend', `revision=${revision} critical=${b.critical}`);
        return reply.code(201).send({ record: this.hub.get(id), diagnosis });
      });
      app.get('/api/ecg/records/:id/audit', (req, reply) => reply.send({ events: this.audit.get((req.params as { id: string }).id) ?? [] }));
    };
  }
}
