/** Link states of docs/CONTRACTS.md. */
export type LinkState = 'idle' | 'connecting' | 'authenticating' | 'ready' | 'backoff' | 'closed' | 'refused';

/** What can happen to the link. */
export type LinkEvent =
  | 'start' // start() called
  | 'open' // WebSocket open, Hello sent
  | 'accepted' // HelloAck accepted
  | 'refused' // HelloAck refused (or closed 4401 before one)
  | 'lost' // socket closed or failed
  | 'retry' // backoff timer fired
  | 'stop'; // close() or abort

const TABLE: Readonly<Record<LinkState, Partial<Record<LinkEvent, LinkState>>>> = {
  idle: { start: 'connecting', stop: 'closed' },
  connecting: { open: 'authenticating', lost: 'backoff', stop: 'closed' },
  authenticating: { accepted: 'ready', refused: 'refused', lost: 'backoff', stop: 'closed' },
  ready: { lost: 'backoff', stop: 'closed' },
  backoff: { retry: 'connecting', stop: 'closed' },
  // A refused gateway keeps trying (an operator may fix the enrolment at the hub), at the max delay.
  refused: { retry: 'connecting', lost: 'refused', refused: 'refused', stop: 'closed' },
  closed: {},
};

/** The one transition function of the uplink. Undefined means the event is ignored in `state`. */
export function nextLinkState(state: LinkState, event: LinkEvent): LinkState | undefined {
  return TABLE[state][event];
}

/** Reconnect policy; all in ms except jitter (a fraction). */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly jitter: number;
}

/**
 * Delay before retry number `attempt` (0-based): initialMs·2^attempt capped at maxMs, then a
 * random fraction up to `jitter` taken off, so a fleet of gateways that lost the hub together
 * does not come back in lockstep. `random` returns [0, 1).
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 - policy.jitter * random()));
}

