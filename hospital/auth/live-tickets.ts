import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HospitalErrorCode } from '../errors.js';
import { hashToken, type SessionManager, type ValidSession } from './sessions.js';

interface Ticket { readonly tokenHash: string; readonly expiresAtMs: number }

/** Tickets outstanding at most; the oldest go first past it. */
const MAX_TICKETS = 4096;

/**
 * Short-lived, single-use tickets for opening /live (issue 12, item 8): a browser cannot set an
 * Authorization header on a WebSocket, and a session token in a URL ends up in proxy logs and
 * browser history. The page asks POST /api/live-ticket (bearer token) and opens /live?ticket=T at
 * once; the ticket names the session, works once, and dies after `ttlMs`. Kept in memory only:
 * a hub restart voids them, and the page asks again.
 */
export class LiveTickets {
  private readonly tickets = new Map<string, Ticket>();

  constructor(private readonly ttlMs: number, private readonly nowMs: () => number) {}

  issue(sessionTokenHash: string): { ticket: string; expiresInMs: number } {
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(hashToken(ticket), { tokenHash: sessionTokenHash, expiresAtMs: this.nowMs() + this.ttlMs });
    while (this.tickets.size > MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value as string);
    return { ticket, expiresInMs: this.ttlMs };
  }

  /** The session token hash a ticket was issued for; the ticket is gone either way. */
  redeem(ticket: string): string | undefined {
    if (ticket.length === 0 || ticket.length > 128) return undefined;
    const h = hashToken(ticket);
    const t = this.tickets.get(h);
    this.tickets.delete(h);
    if (t === undefined || t.expiresAtMs <= this.nowMs()) return undefined;
    return t.tokenHash;
  }
}

/**
 * A WebSocket's admission before the upgrade (/live, /teleop): the single-use `?ticket=` redeemed
 * for a live session, or a plain 401 with TM_ERR_TICKET_INVALID (logged without the ticket) and
 * undefined, so no socket is opened.
 */
export async function admitTicket(req: FastifyRequest<{ Querystring: { ticket?: string } }>, reply: FastifyReply,
  tickets: LiveTickets, sessions: SessionManager, path: string): Promise<ValidSession | undefined> {
  const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : '';
  const tokenHash = tickets.redeem(ticket);
  const session = tokenHash === undefined ? undefined : await sessions.check(tokenHash);
  if (session === undefined) {
    req.log.info({ code: HospitalErrorCode.TICKET_INVALID, path }, 'socket without a valid ticket');
    await reply.code(401).send({ code: HospitalErrorCode.TICKET_INVALID, message: `open ${path}?ticket=T with a fresh ticket from POST /api/live-ticket` });
  }
  return session;
}
