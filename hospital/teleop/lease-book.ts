import { randomBytes } from 'node:crypto';
import { TrafficClass, telemed, type Clock, type EnvelopeInit } from '../../protocols/index.js';
import type { DownlinkResult } from '../uplink/registry.js';
import { TeleopError, TeleopErrorCode } from './errors.js';

/**
 * A lease's life (STYLE.md: one state field, one transition function). Only `active` leads
 * anywhere; the ended states are final and say why it ended.
 */
export type LeaseState = 'active' | 'released' | 'handed-over' | 'expired' | 'revoked';
const NEXT: Readonly<Record<LeaseState, readonly LeaseState[]>> = {
  active: ['released', 'handed-over', 'expired', 'revoked'],
  released: [], 'handed-over': [], expired: [], revoked: [],
};

/** One operator's lease on one arm (gateway/safety/README.md rule R8). Times on the hub clock, Unix ms. */
export interface Lease {
  readonly id: string;
  readonly gatewayId: string;
  readonly armId: string;
  /** Username of the specialist driving (ArmLease.operator_id). */
  readonly holder: string;
  readonly grantedAtMs: number;
  expiresAtMs: number;
  /** The lease this one took over from (hand-over), else null. */
  readonly previousLeaseId: string | null;
  /** The exam's contact-force cap asked for, N (the gateway clamps it to its hard cap); 0 = the gateway's default. */
  readonly maxForceN: number;
  state: LeaseState;
  endedAtMs: number | null;
  /** Last ArmCommand.command_id used: ids grow per lease, which the gateway's replay check (R3) needs. */
  lastCommandId: number;
}

/** What REST answers and /teleop sends about a lease. Times are ISO strings. */
export interface LeaseView {
  readonly id: string;
  readonly gatewayId: string;
  readonly armId: string;
  readonly holder: string;
  readonly state: LeaseState;
  readonly grantedAt: string;
  readonly expiresAt: string;
  readonly previousLeaseId: string | null;
}

export function leaseView(l: Lease): LeaseView {
  return {
    id: l.id, gatewayId: l.gatewayId, armId: l.armId, holder: l.holder, state: l.state,
    grantedAt: new Date(l.grantedAtMs).toISOString(), expiresAt: new Date(l.expiresAtMs).toISOString(), previousLeaseId: l.previousLeaseId,
  };
}

/** How lease and command frames reach a gateway (GatewayRegistry.sendToGateway fits). */
export type DownlinkSend = (gatewayId: string, env: EnvelopeInit) => DownlinkResult;

export interface LeaseBookOptions {
  readonly clock: Clock;
  readonly send: DownlinkSend;
  /** Lifetime of a grant or renewal, ms; at most 15 min, the gateway's own bound (R8). */
  readonly ttlMs: number;
  /** Called once when a lease ends, whatever the reason. */
  readonly onEnded?: (lease: Lease) => void;
}

/** Ended leases remembered (so a late command hears "ended", not "unknown"); the oldest go first. */
const MAX_ENDED = 1024;
/** The gateway refuses an expiry further away than this (gateway/safety R8). */
export const MAX_LEASE_TTL_MS = 15 * 60_000;

/** The CONTROL stream an arm's commands travel on (the gateway reads this id). */
export const commandStreamId = (armId: string): string => `${armId}/cmd`;
/**
 * The CONTROL stream of an arm's lease changes: not the command stream, because CONTROL keeps only
 * the newest frame per stream and a GRANT queued behind the first jog would be superseded.
 */
export const leaseStreamId = (armId: string): string => `${armId}/lease`;

const ACTION = telemed.v1.ArmLeaseAction;

/**
 * The hub's leases, kept in memory (a hub restart forgets them; the gateway still expires each at
 * its time, and a specialist asks again). At most one active lease per (gateway, arm). Every
 * change is sent to the gateway as an ArmLease CONTROL frame on `<armId>/lease`; a grant or
 * hand-over the downlink cannot take is not recorded (the caller hears why), a release always is.
 */
export class LeaseBook {
  private readonly byArm = new Map<string, Lease>();
  private readonly byId = new Map<string, Lease>();
  private readonly ended: string[] = [];

  constructor(private readonly o: LeaseBookOptions) {
    if (!(o.ttlMs > 0 && o.ttlMs <= MAX_LEASE_TTL_MS)) throw new RangeError(`lease ttlMs ${o.ttlMs} outside (0, ${MAX_LEASE_TTL_MS}]`);
  }

  private nowMs(): number {
    return Math.floor(this.o.clock.nowNs() / 1e6);
  }

  /** The arm's active lease, after ending it if its time is up. */
  current(gatewayId: string, armId: string): Lease | undefined {
    const l = this.byArm.get(armKey(gatewayId, armId));
    if (l === undefined) return undefined;
    if (l.expiresAtMs <= this.nowMs()) { this.end(l, 'expired'); return undefined; }
    return l;
  }

  /** A lease by id (active or recently ended), its expiry checked. */
  get(id: string): Lease | undefined {
    const l = this.byId.get(id);
    if (l?.state === 'active') this.current(l.gatewayId, l.armId);
    return l;
  }

  /** Active leases, expired ones ended first. */
  active(): Lease[] {
    for (const l of [...this.byArm.values()]) this.current(l.gatewayId, l.armId);
    return [...this.byArm.values()];
  }

  /** Grants `holder` a new lease on a free arm. Throws ARM_BUSY (409), GATEWAY_OFFLINE / DOWNLINK_BUSY (503). */
  request(holder: string, gatewayId: string, armId: string, maxForceN = 0): Lease {
    const busy = this.current(gatewayId, armId);
    if (busy !== undefined) throw new TeleopError(TeleopErrorCode.ARM_BUSY, 409, `arm ${armId} of ${gatewayId} is leased to ${busy.holder}`, busy.holder);
    const now = this.nowMs();
    const lease: Lease = {
      id: newLeaseId(), gatewayId, armId, holder, grantedAtMs: now, expiresAtMs: now + this.o.ttlMs, previousLeaseId: null,
      maxForceN, state: 'active', endedAtMs: null, lastCommandId: 0,
    };
    this.deliver(lease, ACTION.ARM_LEASE_ACTION_GRANT, true);
    this.record(lease);
    return lease;
  }

  /** Moves the holder's lease's expiry to now + ttl (GRANT again with the same id, R8 renewal). */
  renew(id: string, by: string): Lease {
    const l = this.activeOf(id, by);
    const before = l.expiresAtMs;
    l.expiresAtMs = this.nowMs() + this.o.ttlMs;
    try {
      this.deliver(l, ACTION.ARM_LEASE_ACTION_GRANT, true);
    } catch (err) {
      l.expiresAtMs = before;
      throw err;
    }
    return l;
  }

  /**
   * Hands the holder's lease to `to` (checked by the caller: a specialist enrolled for the arm's
   * site): a new lease id naming the previous one (R8); the arm holds in between.
   */
  handover(id: string, by: string, to: string): Lease {
    const old = this.activeOf(id, by);
    if (to === old.holder) throw new TeleopError(TeleopErrorCode.BAD_HANDOVER, 400, 'hand-over to the holder');
    const now = this.nowMs();
    const next: Lease = {
      id: newLeaseId(), gatewayId: old.gatewayId, armId: old.armId, holder: to, grantedAtMs: now, expiresAtMs: now + this.o.ttlMs,
      previousLeaseId: old.id, maxForceN: old.maxForceN, state: 'active', endedAtMs: null, lastCommandId: 0,
    };
    this.deliver(next, ACTION.ARM_LEASE_ACTION_HANDOVER, true);
    this.end(old, 'handed-over');
    this.record(next);
    return next;
  }

  /**
   * Ends a lease: RELEASE by its holder, or REVOKE (`revokedBy` set: an admin, or the hub when the
   * holder's session ended). Ended here whatever the downlink says (no command is relayed for it
   * any more); the result says whether the gateway was told (else it lets the lease expire).
   */
  release(id: string, by: string, revokedBy?: string): { lease: Lease; downlink: DownlinkResult } {
    const l = revokedBy === undefined ? this.activeOf(id, by) : this.activeAny(id);
    const downlink = this.deliver(l, revokedBy === undefined ? ACTION.ARM_LEASE_ACTION_RELEASE : ACTION.ARM_LEASE_ACTION_REVOKE, false);
    this.end(l, revokedBy === undefined ? 'released' : 'revoked');
    return { lease: l, downlink };
  }

  /** The next command id of an active lease. */
  nextCommandId(l: Lease): number {
    l.lastCommandId += 1;
    return l.lastCommandId;
  }

  /** Ends every lease whose time is up (the plugin calls this on a timer so sockets hear of it). */
  sweep(): void {
    this.active();
  }

  private activeAny(id: string): Lease {
    const l = this.get(id);
    if (l === undefined) throw new TeleopError(TeleopErrorCode.LEASE_NOT_FOUND, 404, 'no such lease');
    if (l.state !== 'active') throw new TeleopError(TeleopErrorCode.LEASE_ENDED, 409, `lease ${l.state}`);
    return l;
  }

  /** The active lease `id` held by `by`; another person's lease is answered like an unknown one. */
  private activeOf(id: string, by: string): Lease {
    const l = this.get(id);
    if (l === undefined || l.holder !== by) throw new TeleopError(TeleopErrorCode.LEASE_NOT_FOUND, 404, 'no such lease');
    if (l.state !== 'active') throw new TeleopError(TeleopErrorCode.LEASE_ENDED, 409, `lease ${l.state}`);
    return l;
  }

  private deliver(l: Lease, action: telemed.v1.ArmLeaseAction, mustArrive: boolean): DownlinkResult {
    const nowNs = this.o.clock.nowNs();
    const res = this.o.send(l.gatewayId, {
      header: { gatewayId: l.gatewayId, streamId: leaseStreamId(l.armId), trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL, durable: false, captureTimeNs: nowNs },
      armLease: {
        leaseId: l.id, operatorId: l.holder, action, expiresAtNs: l.expiresAtMs * 1e6, maxForceN: l.maxForceN,
        previousLeaseId: l.previousLeaseId ?? '', issuedAtNs: nowNs, armId: l.armId,
      },
    });
    if (mustArrive && res === 'not-connected') throw new TeleopError(TeleopErrorCode.GATEWAY_OFFLINE, 503, `gateway ${l.gatewayId} is not connected`);
    if (mustArrive && res === 'backpressure') throw new TeleopError(TeleopErrorCode.DOWNLINK_BUSY, 503, `the downlink to ${l.gatewayId} is full; try again`);
    return res;
  }

  private record(l: Lease): void {
    this.byArm.set(armKey(l.gatewayId, l.armId), l);
    this.byId.set(l.id, l);
  }

  /** The one transition function. */
  private end(l: Lease, to: LeaseState): void {
    if (!NEXT[l.state].includes(to)) return;
    l.state = to;
    l.endedAtMs = this.nowMs();
    const k = armKey(l.gatewayId, l.armId);
    if (this.byArm.get(k) === l) this.byArm.delete(k);
    this.ended.push(l.id);
    while (this.ended.length > MAX_ENDED) this.byId.delete(this.ended.shift() as string);
    this.o.onEnded?.(l);
  }
}

const armKey = (gatewayId: string, armId: string): string => `${gatewayId}\u0000${armId}`;
/** 128 random bits, URL-safe (22 characters, within the gateway's 64-character id limit). */
const newLeaseId = (): string => randomBytes(16).toString('base64url');
