import type { DiagnosisVerification, DiagnosisView, EcgAuditEvent, EcgFinding, EcgLeadQuality, EcgSamples, GatewayEcgView, HubEcgView, RelayView } from '../types.js';

// The ECG answers come from another process (and the hub still serves older records without the
// analysis fields). These checks make the pages robust to both: the fields the pages index by must
// be there; arrays and optional figures missing in an answer default to empty/null.

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

function finding(v: unknown): EcgFinding | null {
  if (!isRec(v) || typeof v['text'] !== 'string') return null;
  const sev = v['severity'];
  return {
    code: str(v['code']),
    severity: sev === 'critical' || sev === 'abnormal' ? sev : 'info',
    text: v['text'],
    lead: strOrNull(v['lead']),
    startSample: num(v['startSample']),
    endSample: num(v['endSample']),
    origin: v['origin'] === 'cart' ? 'cart' : 'gateway',
  };
}

function quality(v: unknown): EcgLeadQuality | null {
  if (!isRec(v) || typeof v['lead'] !== 'string') return null;
  return { lead: v['lead'], score: num(v['score']), issues: strings(v['issues']) };
}

const findings = (v: unknown): EcgFinding[] => (Array.isArray(v) ? v.map(finding).filter((f) => f !== null) : []);
const qualities = (v: unknown): EcgLeadQuality[] => (Array.isArray(v) ? v.map(quality).filter((q) => q !== null) : []);

/** A `DiagnosisView`, or null when absent or malformed. */
export function asDiagnosis(v: unknown): DiagnosisView | null {
  if (!isRec(v) || typeof v['readerName'] !== 'string' || typeof v['signedAt'] !== 'string') return null;
  const check = verification(v['verification']);
  return {
    diagnosisId: str(v['diagnosisId']),
    readerName: v['readerName'],
    statements: strings(v['statements']),
    text: str(v['text']),
    signedAt: v['signedAt'],
    critical: v['critical'] === true,
    revision: num(v['revision'], 1),
    signatureAlg: str(v['signatureAlg']),
    signature: str(v['signature']),
    ...(check !== null ? { verification: check } : {}),
  };
}

function verification(v: unknown): DiagnosisVerification | null {
  return v === 'verified' || v === 'unverified' || v === 'no-key' || v === 'legacy' ? v : null;
}

function verdict(v: unknown): 'good' | 'acceptable' | 'poor' | null {
  return v === 'good' || v === 'acceptable' || v === 'poor' ? v : null;
}

/** A `GatewayEcgView` (clinic page), or null when the fields the page keys on are missing. */
export function asGatewayEcgView(v: unknown): GatewayEcgView | null {
  if (!isRec(v) || typeof v['recordId'] !== 'string' || typeof v['state'] !== 'string') return null;
  const p = isRec(v['progress']) ? v['progress'] : {};
  const err = isRec(v['error']) ? { code: str(v['error']['code']), message: str(v['error']['message']) } : null;
  return {
    recordId: v['recordId'],
    deviceId: str(v['deviceId']),
    source: str(v['source']),
    acquiredAt: str(v['acquiredAt']),
    durationS: num(v['durationS']),
    sampleRateHz: num(v['sampleRateHz']),
    leads: strings(v['leads']),
    heartRateBpm: numOrNull(v['heartRateBpm']),
    verdict: verdict(v['verdict']) ?? 'acceptable',
    leadQuality: qualities(v['leadQuality']),
    findings: findings(v['findings']),
    priority: num(v['priority']),
    critical: v['critical'] === true,
    state: v['state'] as GatewayEcgView['state'],
    progress: { totalBytes: num(p['totalBytes']), sentBytes: num(p['sentBytes']), ackedBytes: num(p['ackedBytes']) },
    readerName: strOrNull(v['readerName']),
    diagnosis: asDiagnosis(v['diagnosis']),
    updatedAt: str(v['updatedAt']),
    error: err,
  };
}

/** A `HubEcgView` (console), or null when the fields the console keys on are missing. */
export function asHubEcgView(v: unknown): HubEcgView | null {
  // The hub's ids are SQLite row ids (numbers); the pages treat every id as an opaque string.
  const rawId = isRec(v) ? v['id'] : undefined;
  const id = typeof rawId === 'string' ? rawId : typeof rawId === 'number' && Number.isFinite(rawId) ? String(rawId) : null;
  if (!isRec(v) || id === null || typeof v['status'] !== 'string') return null;
  const status = v['status'];
  return {
    id,
    gatewayId: str(v['gatewayId']),
    recordId: str(v['recordId']),
    receivedAt: str(v['receivedAt']),
    status: status === 'in_reading' || status === 'reported' ? status : 'pending',
    priority: num(v['priority']),
    claimedBy: strOrNull(v['claimedBy']),
    byteSize: num(v['byteSize']),
    contentType: str(v['contentType']),
    corruptCode: strOrNull(v['corruptCode']),
    heartRateBpm: numOrNull(v['heartRateBpm']),
    verdict: verdict(v['verdict']),
    findings: findings(v['findings']),
    leadQuality: qualities(v['leadQuality']),
    durationS: numOrNull(v['durationS']),
    sampleRateHz: numOrNull(v['sampleRateHz']),
    leads: strings(v['leads']),
    statements: strings(v['statements']),
    diagnosis: asDiagnosis(v['diagnosis']),
    relay: asRelay(v['relay']),
  };
}

function asRelay(v: unknown): RelayView | null {
  if (!isRec(v)) return null;
  const state = v['state'];
  if (state !== 'queued' && state !== 'deferred' && state !== 'delivered') return null;
  return { state, revision: num(v['revision']), at: str(v['at']) };
}

/** `samples` of a record answer; lead names from `name` (hub) or `lead` (gateway). */
export function asSamples(v: unknown): EcgSamples | null {
  if (!isRec(v) || !Array.isArray(v['leads'])) return null;
  const fs = num(v['sampleRateHz']);
  if (fs <= 0) return null;
  const leads: EcgSamples['leads'] = [];
  for (const l of v['leads']) {
    if (!isRec(l) || !Array.isArray(l['uv'])) continue;
    leads.push({ lead: str(l['lead'], str(l['name'], '?')), uv: l['uv'].map((x) => (typeof x === 'number' ? x : Number.NaN)) });
  }
  return { sampleRateHz: fs, leads };
}

/** Seconds covered by the longest lead. */
export function samplesDurationS(s: EcgSamples): number {
  return s.leads.reduce((m, l) => Math.max(m, l.uv.length), 0) / s.sampleRateHz;
}

/** `{ type: 'ecg', record }` from a `/live` socket, with the record's own checker; else null. */
export function parseEcgLive<T>(text: string, check: (v: unknown) => T | null): T | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return isRec(v) && v['type'] === 'ecg' ? check(v['record']) : null;
}

/** Audit events of `GET /api/ecg/records/:id/audit`. */
export function asAuditEvents(v: unknown): EcgAuditEvent[] {
  if (!isRec(v) || !Array.isArray(v['events'])) return [];
  return v['events'].filter(isRec).map((e) => ({ at: str(e['at']), actor: str(e['actor']), action: str(e['action']), detail: e['detail'] ?? null }));
}
