import { randomBytes } from 'node:crypto';
import { hashToken } from './sessions.js';

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
