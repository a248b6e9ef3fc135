import type { Tone } from '../../shared/components.js';
import type { LinkState } from '../../shared/types.js';

/** How each uplink state reads to a clinic nurse or an ambulance crew: tone plus plain words. */
export const LINK_VIEW: Readonly<Record<LinkState, { tone: Tone; meaning: string }>> = {
  ready: { tone: 'ok', meaning: 'Connected to the hospital. Data is flowing.' },
  connecting: { tone: 'warn', meaning: 'Connecting to the hospital…' },
  authenticating: { tone: 'warn', meaning: 'Signing in to the hospital…' },
  backoff: { tone: 'bad', meaning: 'Hospital unreachable. Data is kept here and will be sent when the link is back.' },
  idle: { tone: 'idle', meaning: 'Uplink not started.' },
  closed: { tone: 'idle', meaning: 'Uplink closed.' },
  refused: { tone: 'bad', meaning: 'The hospital refused this gateway. Call hospital IT.' },
};

export function linkView(state: string): { tone: Tone; meaning: string } {
  return (LINK_VIEW as Record<string, { tone: Tone; meaning: string } | undefined>)[state] ?? { tone: 'warn', meaning: `Unknown state "${state}".` };
}
