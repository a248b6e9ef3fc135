// The arm panel's view of `{ type: 'arm', arm }` messages on /live and GET /api/arm (gateway/arm/api.ts).

export interface ArmView {
  readonly id: string;
  readonly link: string;
  readonly state: string;
  readonly leaseId: string | null;
  readonly operatorId: string | null;
  readonly forceN: number | null;
  readonly forceCapN: number;
  readonly estopSources: readonly string[];
  readonly lastReason: string | null;
  readonly lastDecision: { readonly what: string; readonly decision: string; readonly reason: string | null } | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A validated ArmView, or null for anything else (the socket carries other message types too). */
export function asArmView(v: unknown): ArmView | null {
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const id = str(o.id);
  const state = str(o.state);
  const cap = num(o.forceCapN);
  if (id === null || state === null || cap === null) return null;
  const d = o.lastDecision as Record<string, unknown> | null | undefined;
  return {
    id, state, link: str(o.link) ?? 'unknown', leaseId: str(o.leaseId), operatorId: str(o.operatorId), forceN: num(o.forceN), forceCapN: cap,
    estopSources: Array.isArray(o.estopSources) ? o.estopSources.filter((s): s is string => typeof s === 'string') : [],
    lastReason: str(o.lastReason),
    lastDecision: d && typeof d === 'object' && typeof d.what === 'string' && typeof d.decision === 'string' ? { what: d.what, decision: d.decision, reason: str(d.reason) } : null,
  };
}

/** `{ type: 'arm', arm }` from /live, else null. */
export function parseArmMessage(text: string): ArmView | null {
  if (!text.startsWith('{"type":"arm"')) return null;
  try {
    return asArmView((JSON.parse(text) as { arm?: unknown }).arm);
  } catch {
    return null;
  }
}

export type Tone = 'ok' | 'warn' | 'bad' | 'idle';

/** What the clinic staff should read from the supervisor state. */
export function armMeaning(state: string): { tone: Tone; text: string } {
  switch (state) {
    case 'active': return { tone: 'warn', text: 'A specialist is moving the arm' };
    case 'leased': case 'holding': return { tone: 'ok', text: 'A specialist holds the arm; it is still' };
    case 'retracting': return { tone: 'bad', text: 'Force above the cap: the probe is lifting off' };
    case 'estopped': return { tone: 'bad', text: 'E-stop: the arm is stopped until it is cleared here' };
    case 'faulted': return { tone: 'bad', text: 'Arm fault: stopped' };
    default: return { tone: 'idle', text: 'Nobody is driving the arm' };
  }
}

/** Force as a share of the cap, 0..1 (the gauge). */
export function forceShare(a: ArmView): number {
  if (a.forceN === null || !(a.forceCapN > 0)) return 0;
  return Math.max(0, Math.min(1, a.forceN / a.forceCapN));
}
