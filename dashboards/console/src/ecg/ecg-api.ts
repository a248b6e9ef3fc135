import { DashboardError, DashboardErrorCode, fetchJson } from '../../../shared/errors.js';
import { asAuditEvents, asDiagnosis, asHubEcgView, asSamples } from '../../../shared/ecg/views.js';
import type { DiagnosisView, EcgAuditEvent, EcgSamples, HubEcgView } from '../../../shared/types.js';

// The hub's reading API (docs/CONTRACTS.md "Hub reading API"), relative to the page.

const api = (path: string): string => new URL(path, location.href).toString();
const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

function record(body: unknown): HubEcgView {
  const r = asHubEcgView((body as { record?: unknown } | null)?.record);
  if (r === null) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Answer without a record');
  return r;
}

export async function fetchWorklist(token: string, signal?: AbortSignal): Promise<HubEcgView[]> {
  const body = (await fetchJson(api('api/ecg/worklist'), { headers: auth(token), signal: signal ?? null })) as { records?: unknown } | null;
  if (!Array.isArray(body?.records)) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Worklist without records');
  return body.records.map(asHubEcgView).filter((r) => r !== null);
}

/** Most pages the viewer loads (20 × 180 000 samples: 18 leads × 200 s at 1 kHz); a longer record shows its start. */
const MAX_PAGES = 20;

/** Appends page `b` to `a`, lead by lead (pages list the same leads in the same order). */
function joinPages(a: EcgSamples, b: EcgSamples): EcgSamples {
  const leads: EcgSamples['leads'] = [];
  a.leads.forEach((lead, i) => { leads.push({ lead: lead.lead, uv: [...lead.uv, ...(b.leads[i]?.uv ?? [])] }); });
  return { sampleRateHz: a.sampleRateHz, leads };
}

/**
 * The record's samples, page by page (GET api/ecg/records/:id/samples, at most 180 000 samples a
 * page: the hub never builds one huge answer), joined lead by lead.
 */
async function fetchSamples(token: string, id: string, signal?: AbortSignal): Promise<EcgSamples | null> {
  let out: EcgSamples | null = null;
  let from = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const body: unknown = await fetchJson(api(`api/ecg/records/${encodeURIComponent(id)}/samples?from=${from}`), { headers: auth(token), signal: signal ?? null });
    const s: EcgSamples | null = asSamples(body);
    if (s === null) break;
    out = out === null ? s : joinPages(out, s);
    const next = (body as { next?: unknown }).next;
    if (typeof next !== 'number' || next <= from) break;
    from = next;
  }
  return out;
}

export async function fetchEcgRecord(token: string, id: string, signal?: AbortSignal): Promise<{ record: HubEcgView; samples: EcgSamples | null }> {
  const [body, samples] = await Promise.all([
    fetchJson(api(`api/ecg/records/${encodeURIComponent(id)}`), { headers: auth(token), signal: signal ?? null }),
    fetchSamples(token, id, signal),
  ]);
  return { record: record(body), samples };
}

/** Claims the record for this reader; a 409 `TM_ERR_ECG_CLAIMED` means someone else is reading it. */
export async function claimEcg(token: string, id: string): Promise<HubEcgView> {
  return record(await fetchJson(api(`api/ecg/records/${encodeURIComponent(id)}/claim`), { method: 'POST', headers: auth(token) }));
}

export interface DiagnosisInput {
  statements: string[];
  text: string;
  critical: boolean;
}

/** Signs and sends the reading; the hub relays it to the clinic's gateway. */
export async function submitDiagnosis(token: string, id: string, input: DiagnosisInput): Promise<{ record: HubEcgView; diagnosis: DiagnosisView }> {
  const body = await fetchJson(api(`api/ecg/records/${encodeURIComponent(id)}/diagnosis`), {
    method: 'POST',
    headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const diagnosis = asDiagnosis((body as { diagnosis?: unknown } | null)?.diagnosis);
  if (diagnosis === null) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Answer without the signed diagnosis');
  return { record: record(body), diagnosis };
}

export async function fetchAudit(token: string, id: string, signal?: AbortSignal): Promise<EcgAuditEvent[]> {
  return asAuditEvents(await fetchJson(api(`api/ecg/records/${encodeURIComponent(id)}/audit`), { headers: auth(token), signal: signal ?? null }));
}

/** The export formats the hub writes (GET api/ecg/records/:id/export?format=…). */
export type EcgExportFormat = 'dicom' | 'aecg';

/**
 * Fetches the record exported as DICOM or HL7 aECG. The API takes a bearer token, so a plain link
 * cannot carry it: the file comes back as a Blob with the hub's file name (Content-Disposition).
 */
export async function fetchEcgExport(token: string, id: string, format: EcgExportFormat): Promise<{ blob: Blob; filename: string }> {
  let res: Response;
  try {
    res = await fetch(api(`api/ecg/records/${encodeURIComponent(id)}/export?format=${format}`), { headers: auth(token) });
  } catch (err) {
    throw new DashboardError(DashboardErrorCode.NETWORK, 'Server unreachable', null, { cause: err });
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { code?: unknown; message?: unknown } | null;
    throw new DashboardError(
      typeof body?.code === 'string' ? body.code : res.status === 401 ? DashboardErrorCode.UNAUTHORIZED : DashboardErrorCode.BAD_RESPONSE,
      typeof body?.message === 'string' ? body.message : `Export failed (${res.status})`, res.status,
    );
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  return { blob: await res.blob(), filename: name ?? `ecg-${id}${format === 'dicom' ? '.dcm' : '.xml'}` };
}
