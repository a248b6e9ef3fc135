/**
 * The link's service state. Several outages can overlap (a manual one during a scheduled one,
 * a handover inside a tunnel), so an outage is held while any cause is active.
 */
export type LinkStateName = 'up' | 'outage' | 'closed';

export interface LinkState {
  readonly name: LinkStateName;
  /** Active outage causes (e.g. "manual", "event-3"), each with whether it refuses new connections. */
  readonly causes: ReadonlyMap<string, { readonly refuseNew: boolean }>;
}

export type LinkInput =
  | { readonly type: 'outage-begin'; readonly cause: string; readonly refuseNew: boolean }
  | { readonly type: 'outage-end'; readonly cause: string }
  | { readonly type: 'close' };

export const initialLinkState: LinkState = { name: 'up', causes: new Map() };

/** The one transition function of the link state; pure. */
export function linkTransition(s: LinkState, input: LinkInput): LinkState {
  if (s.name === 'closed') return s;
  switch (input.type) {
    case 'close':
      return { name: 'closed', causes: new Map() };
    case 'outage-begin': {
      const causes = new Map(s.causes);
      causes.set(input.cause, { refuseNew: input.refuseNew });
      return { name: 'outage', causes };
    }
    case 'outage-end': {
      if (!s.causes.has(input.cause)) return s;
      const causes = new Map(s.causes);
      causes.delete(input.cause);
      return { name: causes.size > 0 ? 'outage' : 'up', causes };
    }
  }
}

/** Whether a new connection is refused (reset) in this state. */
export function refusesNew(s: LinkState): boolean {
  if (s.name === 'closed') return true;
  for (const c of s.causes.values()) if (c.refuseNew) return true;
  return false;
}
