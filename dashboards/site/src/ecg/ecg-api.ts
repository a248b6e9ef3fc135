import { DashboardError, DashboardErrorCode, fetchJson } from '../../../shared/errors.js';
import { asGatewayEcgView, asSamples } from '../../../shared/ecg/views.js';
import type { EcgSamples, GatewayEcgView } from '../../../shared/types.js';

// The gateway's ECG record API (docs/CONTRACTS.md "Gateway local API"), relative to the page.

const api = (path: string): string => new URL(path, location.href).toString();
const enc = encodeURIComponent;

/**
 * The gateway's per-install token, read once per page from the same-origin GET /api/token (a page
 * of another site cannot read it: the gateway sends no CORS headers). Every state change carries
 * it in X-Telemed-Token (gateway/api-guard.ts); a failed read is asked again next time.
 */
let tokenHeader: Promise<Record<string, string>> | null = null;
function withToken(): Promise<Record<string, string>> {
  tokenHeader ??= fetchJson(api('api/token')).then((b) => {
    const t = b as { token?: unknown; header?: unknown } | null;
    if (typeof t?.token !== 'string') throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Token answer without a token');
    return { [typeof t.header === 'string' ? t.header : 'x-telemed-token']: t.token };
  }).catch((err: unknown) => { tokenHeader = null; throw err; });
  return tokenHeader;
}

function record(body: unknown): GatewayEcgView {
  const r = asGatewayEcgView((body as { record?: unknown } | null)?.record);
  if (r === null) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Answer without a record');
  return r;
}

export async function listEcgRecords(signal?: AbortSignal): Promise<GatewayEcgView[]> {
  const body = (await fetchJson(api('api/ecg/records'), { signal: signal ?? null })) as { records?: unknown } | null;
  if (!Array.isArray(body?.records)) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Record list without records');
  return body.records.map(asGatewayEcgView).filter((r) => r !== null);
}

export async function fetchEcgSamples(recordId: string, signal?: AbortSignal): Promise<{ record: GatewayEcgView; samples: EcgSamples | null }> {
  const body = await fetchJson(api(`api/ecg/records/${enc(recordId)}?samples=1`), { signal: signal ?? null });
  return { record: record(body), samples: asSamples((body as { samples?: unknown }).samples) };
}

/** Queues a previewed record for the hospital (202); 409 `TM_ERR_ECG_STATE` when it is not in preview. */
export async function sendEcg(recordId: string): Promise<GatewayEcgView> {
  return record(await fetchJson(api(`api/ecg/records/${enc(recordId)}/send`), { method: 'POST', headers: await withToken() }));
}

/** Discards a previewed record so the doctor can retake it. */
export async function discardEcg(recordId: string): Promise<GatewayEcgView> {
  return record(await fetchJson(api(`api/ecg/records/${enc(recordId)}/discard`), { method: 'POST', headers: await withToken() }));
}

/** Imports an ECG file (SCP-ECG, HL7 aECG, DICOM, WFDB…) as a new record in preview; 422 carries the importer's code. */
export async function importEcgFile(file: File): Promise<GatewayEcgView> {
  const bytes = await file.arrayBuffer();
  return record(
    await fetchJson(api('api/ecg/import'), {
      method: 'POST',
      // Header values must be ISO-8859-1; a name outside that is sent percent-encoded.
      headers: { ...await withToken(), 'content-type': 'application/octet-stream', 'x-filename': /^[\x20-\x7e]*$/.test(file.name) ? file.name : encodeURIComponent(file.name) },
      body: bytes,
    }),
  );
}
