import type { HubEcgView } from '../../../shared/types.js';

/**
 * The console's worklist: records by id, merged from `GET /api/ecg/worklist` and `/live`
 * `{type:'ecg'}` pushes. Bounded: past `MAX_RECORDS` the oldest reported records are forgotten first
 * (they stay at the hub; the worklist is for reading, not an archive).
 */
export const MAX_RECORDS = 500;

export type Worklist = Readonly<Record<string, HubEcgView>>;

export const EMPTY_WORKLIST: Worklist = {};

export function replaceWorklist(records: readonly HubEcgView[]): Worklist {
  return bound(Object.fromEntries(records.map((r) => [r.id, r])));
}

/** A record arrived, was claimed or reported: the newest view wins. */
export function upsertRecord(w: Worklist, r: HubEcgView): Worklist {
  return bound({ ...w, [r.id]: r });
}

function bound(w: Record<string, HubEcgView>): Worklist {
  const all = Object.values(w);
  if (all.length <= MAX_RECORDS) return w;
  const drop = all
    .filter((r) => r.status === 'reported')
    .sort((a, b) => time(a) - time(b))
    .slice(0, all.length - MAX_RECORDS);
  const out = { ...w };
  for (const r of drop) delete out[r.id];
  return out;
}

function time(r: HubEcgView): number {
  const t = Date.parse(r.receivedAt);
  return Number.isNaN(t) ? 0 : t;
}

/** A record with a critical finding (or top priority) is shown in red wherever it appears. */
export function isCritical(r: HubEcgView): boolean {
  return r.priority >= 3 || r.findings.some((f) => f.severity === 'critical') || r.diagnosis?.critical === true;
}

export interface WorklistSections {
  pending: HubEcgView[];
  inReading: HubEcgView[];
  reported: HubEcgView[];
}

/**
 * Reading order (docs/CONTRACTS.md): unread work by priority (highest first), then oldest first so
 * nobody waits longest; reported records newest first.
 */
export function worklistSections(w: Worklist): WorklistSections {
  const byUrgency = (a: HubEcgView, b: HubEcgView): number => b.priority - a.priority || time(a) - time(b) || (a.id < b.id ? -1 : 1);
  const all = Object.values(w);
  return {
    pending: all.filter((r) => r.status === 'pending').sort(byUrgency),
    inReading: all.filter((r) => r.status === 'in_reading').sort(byUrgency),
    reported: all.filter((r) => r.status === 'reported').sort((a, b) => time(b) - time(a)),
  };
}
