import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HospitalConfig, Role } from '../config.js';
import { HospitalErrorCode } from '../errors.js';

/**
 * Clinic isolation: the ONE place that decides whether a person may see a gateway's data (its
 * vitals, alarms, ECG records, diagnoses and audit trail). Every REST route and the /live fan-out
 * ask here; a new route that serves gateway data must too (hospital/README.md "Access").
 *
 * Rules (issue 12, item 7): a gateway serves one site (`gateways[].site`, default its id); a
 * clinician sees the sites in their `sites`; a specialist the sites they read for (or every site
 * with `["*"]`); an admin every site. An unknown gateway (not in the config) is seen by admins only.
 */

/** What a person may see: every site, or a fixed set. */
export type SiteScope = { readonly all: true } | { readonly all: false; readonly sites: ReadonlySet<string> };

/** The part of a logged-in person the access check needs. */
export interface Accessor {
  readonly username: string;
  readonly role: Role;
  readonly scope: SiteScope;
}

export const ALL_SITES: SiteScope = Object.freeze({ all: true });

/** The scope of a user entry of the config. */
export function scopeOf(role: Role, sites: readonly string[] | undefined): SiteScope {
  if (role === 'admin' || (sites ?? []).includes('*')) return ALL_SITES;
  return { all: false, sites: new Set(sites ?? []) };
}

export class AccessPolicy {
  private readonly siteByGateway: ReadonlyMap<string, string>;

  constructor(gateways: HospitalConfig['gateways']) {
    this.siteByGateway = new Map(gateways.map((g) => [g.id, g.site ?? g.id]));
  }

  /** The site a gateway serves; undefined for a gateway the config does not enrol. */
  siteOf(gatewayId: string): string | undefined {
    return this.siteByGateway.get(gatewayId);
  }

  /** True when `who` may see data that came from (or goes to) `gatewayId`. */
  canSeeGateway(who: Accessor, gatewayId: string): boolean {
    if (who.scope.all) return who.role === 'admin' || this.siteByGateway.has(gatewayId);
    const site = this.siteByGateway.get(gatewayId);
    return site !== undefined && who.scope.sites.has(site);
  }

  /** `items` narrowed to those of gateways `who` may see. */
  filter<T>(who: Accessor, items: readonly T[], gatewayOf: (item: T) => string): T[] {
    return items.filter((it) => this.canSeeGateway(who, gatewayOf(it)));
  }

  /**
   * For a route that found `gatewayId`'s item for the logged-in `req.authUser`: true when it may be
   * served; otherwise logs the refusal (code TM_ERR_SITE_FORBIDDEN, no patient data: the
   * username, the route and the gateway) and answers 404 with `notFound`, so that ids of other
   * clinics' items cannot be probed. Routes without an authUser (no requireRole) are refused.
   */
  admit(req: FastifyRequest, reply: FastifyReply, gatewayId: string, notFound: { code: string; message: string }): boolean {
    const who = req.authUser;
    if (who !== null && this.canSeeGateway(who, gatewayId)) return true;
    req.log.info({ code: HospitalErrorCode.SITE_FORBIDDEN, username: who?.username, url: req.routeOptions.url, gatewayId }, 'cross-site access refused');
    void reply.code(404).send(notFound);
    return false;
  }
}
