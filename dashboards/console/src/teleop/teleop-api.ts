import { DashboardError, DashboardErrorCode, fetchJson } from '../../../shared/errors.js';
import { parseLease, type LeaseView } from './teleop-state.js';

/*
 * REST of hospital/teleop (docs/CONTRACTS.md): leases (request, renew, hand over, release), hand-over candidates and the arms the hub has
 * heard of; /teleop's URL with a single-use ticket from POST /api/live-ticket, as /live gets it.
 */

const api = (path: string): string => new URL(path, location.href).toString();
const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

function leaseOf(body: unknown): LeaseView {
  const lease = parseLease((body as { lease?: unknown } | null)?.lease);
  if (lease === null) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Lease answer without a lease');
  return lease;
}

/** POST /api/teleop/sessions: the lease, or a DashboardError (e.g. TM_ERR_TELEOP_ARM_BUSY, 409). */
export async function requestLease(token: string, gatewayId: string, armId: string, maxForceN?: number): Promise<LeaseView> {
  const body = await fetchJson(api('api/teleop/sessions'), {
    method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify(maxForceN === undefined ? { gatewayId, armId } : { gatewayId, armId, maxForceN }),
  });
  return leaseOf(body);
}

/** POST /api/teleop/sessions/:id/renew: the same lease with a new expiry (GRANT again at the gateway). */
export async function renewLease(token: string, leaseId: string): Promise<LeaseView> {
  return leaseOf(await fetchJson(api(`api/teleop/sessions/${encodeURIComponent(leaseId)}/renew`), { method: 'POST', headers: auth(token) }));
}

/** POST /api/teleop/sessions/:id/handover: the NEW lease (held by `to`); 400 TM_ERR_TELEOP_BAD_HANDOVER for anyone but a specialist of the clinic. */
export async function handOverLease(token: string, leaseId: string, to: string): Promise<LeaseView> {
  return leaseOf(await fetchJson(api(`api/teleop/sessions/${encodeURIComponent(leaseId)}/handover`), {
    method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: JSON.stringify({ to }),
  }));
}

/** GET /api/teleop/sessions/:id/candidates: specialists of the lease's clinic with the teleop page open (holder only). */
export async function fetchHandoverCandidates(token: string, leaseId: string, signal?: AbortSignal): Promise<string[]> {
  const body = await fetchJson(api(`api/teleop/sessions/${encodeURIComponent(leaseId)}/candidates`), { headers: auth(token), ...(signal ? { signal } : {}) });
  const c = (body as { candidates?: unknown } | null)?.candidates;
  if (!Array.isArray(c)) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Candidate list is not an array');
  return c.filter((u): u is string => typeof u === 'string');
}

export async function releaseLease(token: string, leaseId: string): Promise<void> {
  await fetchJson(api(`api/teleop/sessions/${encodeURIComponent(leaseId)}/release`), { method: 'POST', headers: auth(token) });
}

/** Arms the hub holds audit records of, per gateway (GET /api/teleop/audit/arms), for the picker. */
export async function fetchKnownArms(token: string, signal?: AbortSignal): Promise<{ gatewayId: string; armId: string }[]> {
  const body = await fetchJson(api('api/teleop/audit/arms'), { headers: auth(token), ...(signal ? { signal } : {}) });
  const arms = (body as { arms?: unknown } | null)?.arms;
  if (!Array.isArray(arms)) throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Arm list is not an array');
  return arms
    .map((a) => a as { gatewayId?: unknown; armId?: unknown })
    .filter((a): a is { gatewayId: string; armId: string } => typeof a.gatewayId === 'string' && typeof a.armId === 'string')
    .map((a) => ({ gatewayId: a.gatewayId, armId: a.armId }));
}

/** `/teleop` next to the page with a fresh single-use ticket (the session token never goes in a URL). */
export async function teleopUrlFor(token: string): Promise<string> {
  const body = await fetchJson(api('api/live-ticket'), { method: 'POST', headers: auth(token) });
  const ticket = (body as { ticket?: unknown } | null)?.ticket;
  if (typeof ticket !== 'string') throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, 'Ticket answer without a ticket');
  const u = new URL('teleop', location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  u.search = `?ticket=${encodeURIComponent(ticket)}`;
  return u.toString();
}
