import { DashboardError, DashboardErrorCode, fetchJson } from '../../shared/errors.js';
import type { GatewayView } from '../../shared/types.js';

/** The signed-in person, as `POST /api/login` returns them. */
export interface Session {
  token: string;
  user: { username: string; role: string };
}

// sessionStorage, not localStorage: the token dies with the tab, which suits shared ward PCs.
const KEY = 'telemed.console.session';

/** Hub URLs are relative to the page, so the console also works mounted under a prefix. */
function api(path: string): string {
  return new URL(path, location.href).toString();
}

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (raw === null) return null;
  try {
    const v = JSON.parse(raw) as Partial<Session>;
    if (typeof v.token === 'string' && typeof v.user?.username === 'string') return v as Session;
  } catch {
    // A corrupt entry is the same as none.
  }
  sessionStorage.removeItem(KEY);
  return null;
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export async function login(username: string, password: string): Promise<Session> {
  const body = await fetchJson(api('api/login'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const s = body as Partial<Session> | null;
  if (typeof s?.token !== 'string' || typeof s.user?.username !== 'string') {
    throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Login answer without a token');
  }
  const session: Session = { token: s.token, user: { username: s.user.username, role: String(s.user.role ?? '') } };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/** Ends the session at the hub; the local copy is dropped whatever the hub says. */
export async function logout(token: string): Promise<void> {
  clearSession();
  try {
    await fetchJson(api('api/logout'), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  } catch {
    // Already expired or hub unreachable: the token is gone from this tab either way.
  }
}

export async function fetchGateways(token: string): Promise<GatewayView[]> {
  const body = await fetchJson(api('api/gateways'), { headers: { authorization: `Bearer ${token}` } });
  if (!Array.isArray(body)) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Gateway list is not an array');
  return body as GatewayView[];
}

/**
 * Whether the hub still accepts the token. The hub refuses a bad `/live` token with a plain 401
 * before the upgrade, which a browser only sees as close code 1006; this tells that apart from an
 * outage. Network trouble counts as "still valid" so an outage never logs anyone out.
 */
export async function sessionStillValid(token: string): Promise<boolean> {
  try {
    await fetchJson(api('api/me'), { headers: { authorization: `Bearer ${token}` } });
    return true;
  } catch (err) {
    return !(err instanceof DashboardError && err.status === 401);
  }
}

/**
 * `/live` URL next to the page with a fresh single-use ticket from `POST /api/live-ticket`:
 * browsers cannot set headers on WebSockets, and the session token itself never goes in a URL
 * (it would land in proxy logs and history). Called before every (re)connect.
 */
export async function liveUrlFor(token: string): Promise<string> {
  const body = await fetchJson(api('api/live-ticket'), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const ticket = (body as { ticket?: unknown } | null)?.ticket;
  if (typeof ticket !== 'string') throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Live ticket answer without a ticket');
  const u = new URL('live', location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.search = `?ticket=${encodeURIComponent(ticket)}`;
  return u.toString();
}
