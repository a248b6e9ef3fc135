import { DashboardError, DashboardErrorCode, fetchJson } from '../../../shared/errors.js';
import { asArmView, type ArmView } from './arm-state.js';

// The gateway's arm API (docs/CONTRACTS.md "Gateway local API"), relative to the page. The POSTs
// carry the per-install token read from the same-origin GET /api/token (gateway/api-guard.ts).

const api = (path: string): string => new URL(path, location.href).toString();
let token: Promise<Record<string, string>> | null = null;
function withToken(): Promise<Record<string, string>> {
  token ??= fetchJson(api('api/token')).then((b) => {
    const t = b as { token?: unknown; header?: unknown } | null;
    if (typeof t?.token !== 'string') throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Token answer without a token');
    return { [typeof t.header === 'string' ? t.header : 'x-telemed-token']: t.token };
  }).catch((err: unknown) => { token = null; throw err; });
  return token;
}

export async function listArms(signal?: AbortSignal): Promise<ArmView[]> {
  const body = (await fetchJson(api('api/arm'), { signal: signal ?? null })) as { arms?: unknown } | null;
  return Array.isArray(body?.arms) ? body.arms.map(asArmView).filter((a) => a !== null) : [];
}

/** POST estop | estop/clear | fault/reset; a refusal (409) throws with the supervisor's code. */
export async function armAction(armId: string, action: 'estop' | 'estop/clear' | 'fault/reset'): Promise<ArmView | null> {
  const body = await fetchJson(api(`api/arm/${encodeURIComponent(armId)}/${action}`), { method: 'POST', headers: await withToken() });
  return asArmView((body as { arm?: unknown } | null)?.arm);
}
