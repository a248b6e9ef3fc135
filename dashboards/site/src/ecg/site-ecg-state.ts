import type { GatewayEcgView } from '../../../shared/types.js';

/**
 * The clinic page's records by id, from `GET /api/ecg/records` and `/live` `{type:'ecg'}`.
 * Bounded at `MAX_RECORDS`: discarded records go first, then the oldest reported ones; records still
 * on their way are never dropped from view.
 */
export const MAX_RECORDS = 200;

export type SiteRecords = Readonly<Record<string, GatewayEcgView>>;

export const EMPTY_RECORDS: SiteRecords = {};

const time = (r: GatewayEcgView): number => {
  const t = Date.parse(r.acquiredAt);
  return Number.isNaN(t) ? 0 : t;
};

export function upsertSiteRecord(s: SiteRecords, r: GatewayEcgView): SiteRecords {
  const next: Record<string, GatewayEcgView> = { ...s, [r.recordId]: r };
  const all = Object.values(next);
  if (all.length <= MAX_RECORDS) return next;
  const rank = (x: GatewayEcgView): number => (x.state === 'discarded' ? 0 : x.state === 'reported' || x.state === 'rejected' ? 1 : 2);
  const drop = all.filter((x) => rank(x) < 2).sort((a, b) => rank(a) - rank(b) || time(a) - time(b)).slice(0, all.length - MAX_RECORDS);
  for (const x of drop) delete next[x.recordId];
  return next;
}

/** Newest first, as the contract lists them. */
export function sortedRecords(s: SiteRecords): GatewayEcgView[] {
  return Object.values(s).sort((a, b) => time(b) - time(a) || (a.recordId < b.recordId ? 1 : -1));
}

/** The record the page opens when the doctor has not picked one: the newest not discarded. */
export function defaultSelection(s: SiteRecords): string | null {
  return sortedRecords(s).find((r) => r.state !== 'discarded')?.recordId ?? null;
}
