import profilesJson from './profiles.json' with { type: 'json' };
import { LinkError, LinkErrorCode } from './errors.js';
import type { RateStep } from './service.js';

/** A [min, max] range in milliseconds; each event draws uniformly from it. */
export type RangeMs = readonly [number, number];

/** Impairments of one direction of the link. */
export interface DirectionProfile {
  /** One-way base (propagation + processing) delay in ms. */
  readonly delayMs: number;
  /** Per-chunk jitter in ms: each chunk gets an extra uniform delay in [-jitterMs, +jitterMs]
   *  (never below zero total, never reordering). Default 0. */
  readonly jitterMs: number;
  /** Bottleneck rate in bits/s; 0 means unlimited (or: the rate comes from `trace` / `rateSteps`). */
  readonly rateBps: number;
  /** Bottleneck queue depth in ms of transmission at the rate (a trace's or steps' mean rate). */
  readonly queueMs?: number;
  /** Bottleneck queue depth in bytes; wins over `queueMs` when both are given. */
  readonly queueBytes?: number;
  /** Time-varying rate from a Mahimahi trace file (path absolute or relative to the shared data folder). */
  readonly trace?: string;
  /** Time-varying rate as steps that loop, e.g. 1 s at 10 Mbit/s then 1 s at 3 Mbit/s. */
  readonly rateSteps?: readonly RateStep[];
  /**
   * What a full queue does: 'backpressure' (default) stops reading the senders; 'drop-tail' discards
   * the arriving piece, counts it, and models TCP's recovery (README "Drop-tail").
   */
  readonly queuePolicy?: 'backpressure' | 'drop-tail';
}

/** Timed events of a profile; every time is drawn from the seed, so a seed replays the run. */
export interface LinkEventsProfile {
  /** Stalls: the pipe delivers nothing for the duration (TCP head-of-line blocking after a loss). */
  readonly stall?: { readonly everyMs: RangeMs; readonly durationMs: RangeMs; readonly direction: 'up' | 'down' | 'both' };
  /** Outages: nothing moves; `refuseNew` also resets new connections. */
  readonly outage?: { readonly everyMs: RangeMs; readonly durationMs: RangeMs; readonly refuseNew: boolean };
  /** Flapping: up for `upMs`, then an outage of `downMs`, repeating. */
  readonly flap?: { readonly upMs: number; readonly downMs: number; readonly refuseNew: boolean };
  /** Forced disconnects (both sockets reset): at fixed times from start, and/or every range. */
  readonly disconnect?: { readonly atMs?: readonly number[]; readonly everyMs?: RangeMs };
  /** Handover: every range, a forced disconnect followed by an outage of `outageMs`. */
  readonly handover?: { readonly everyMs: RangeMs; readonly outageMs: RangeMs; readonly refuseNew: boolean };
}

/** A named link profile (see profiles.json for the documented set). */
export interface LinkProfile {
  readonly name: string;
  /** What real-world situation the numbers stand for. */
  readonly description: string;
  /** Client → target. */
  readonly up: DirectionProfile;
  /** Target → client. */
  readonly down: DirectionProfile;
  readonly events: LinkEventsProfile;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function checkKeys(o: Obj, allowed: readonly string[], path: string, problems: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) problems.push(`${path}.${k}: unknown field`);
}

function num(o: Obj, key: string, path: string, problems: string[], required = true): number | undefined {
  const v = o[key];
  if (v === undefined) {
    if (required) problems.push(`${path}.${key}: required number (>= 0) missing`);
    return undefined;
  }
  if (!isNum(v)) problems.push(`${path}.${key}: must be a finite number >= 0, got ${JSON.stringify(v)}`);
  return isNum(v) ? v : undefined;
}

function range(o: Obj, key: string, path: string, problems: string[]): void {
  const v = o[key];
  if (!Array.isArray(v) || v.length !== 2 || !isNum(v[0]) || !isNum(v[1]) || v[0] > v[1]) {
    problems.push(`${path}.${key}: must be [min, max] with 0 <= min <= max, got ${JSON.stringify(v)}`);
  } else if (key === 'everyMs' && v[0] <= 0) {
    problems.push(`${path}.${key}: min must be > 0 (events would repeat forever at one instant)`);
  }
}

function bool(o: Obj, key: string, path: string, problems: string[]): void {
  if (typeof o[key] !== 'boolean') problems.push(`${path}.${key}: required boolean`);
}

function checkDirection(v: unknown, path: string, problems: string[]): void {
  if (!isObj(v)) return void problems.push(`${path}: required object`);
  checkKeys(v, ['delayMs', 'jitterMs', 'rateBps', 'queueMs', 'queueBytes', 'trace', 'rateSteps', 'queuePolicy'], path, problems);
  num(v, 'delayMs', path, problems);
  num(v, 'jitterMs', path, problems);
  const rate = num(v, 'rateBps', path, problems);
  num(v, 'queueMs', path, problems, false);
  num(v, 'queueBytes', path, problems, false);
  const varying = v.trace !== undefined || v.rateSteps !== undefined;
  if (v.trace !== undefined && (typeof v.trace !== 'string' || v.trace === '')) problems.push(`${path}.trace: must be a non-empty file path`);
  if (v.rateSteps !== undefined) {
    const ok =
      Array.isArray(v.rateSteps) &&
      v.rateSteps.length > 0 &&
      v.rateSteps.every((s) => isObj(s) && Object.keys(s).every((k) => k === 'durationMs' || k === 'rateBps') && isNum(s.durationMs) && s.durationMs > 0 && isNum(s.rateBps) && s.rateBps > 0);
    if (!ok) problems.push(`${path}.rateSteps: must be a non-empty array of { durationMs > 0, rateBps > 0 }`);
  }
  if (v.trace !== undefined && v.rateSteps !== undefined) problems.push(`${path}: trace and rateSteps are exclusive`);
  if (varying && rate !== undefined && rate > 0) problems.push(`${path}.rateBps: must be 0 when trace or rateSteps sets the rate`);
  if (v.queuePolicy !== undefined && v.queuePolicy !== 'backpressure' && v.queuePolicy !== 'drop-tail') {
    problems.push(`${path}.queuePolicy: one of backpressure, drop-tail`);
  }
  if (((rate !== undefined && rate > 0) || varying) && v.queueMs === undefined && v.queueBytes === undefined) {
    problems.push(`${path}: a rate-limited direction needs queueMs or queueBytes`);
  }
}

function checkEvents(v: unknown, problems: string[]): void {
  if (v === undefined) return;
  if (!isObj(v)) return void problems.push('events: must be an object');
  checkKeys(v, ['stall', 'outage', 'flap', 'disconnect', 'handover'], 'events', problems);
  const sub = (key: string, fn: (o: Obj, p: string) => void): void => {
    const o = v[key];
    if (o === undefined) return;
    if (!isObj(o)) return void problems.push(`events.${key}: must be an object`);
    fn(o, `events.${key}`);
  };
  sub('stall', (o, p) => {
    checkKeys(o, ['everyMs', 'durationMs', 'direction'], p, problems);
    range(o, 'everyMs', p, problems);
    range(o, 'durationMs', p, problems);
    if (!['up', 'down', 'both'].includes(o.direction as string)) problems.push(`${p}.direction: one of up, down, both`);
  });
  sub('outage', (o, p) => {
    checkKeys(o, ['everyMs', 'durationMs', 'refuseNew'], p, problems);
    range(o, 'everyMs', p, problems);
    range(o, 'durationMs', p, problems);
    bool(o, 'refuseNew', p, problems);
  });
  sub('flap', (o, p) => {
    checkKeys(o, ['upMs', 'downMs', 'refuseNew'], p, problems);
    const up = num(o, 'upMs', p, problems);
    num(o, 'downMs', p, problems);
    if (up === 0) problems.push(`${p}.upMs: must be > 0`);
    bool(o, 'refuseNew', p, problems);
  });
  sub('disconnect', (o, p) => {
    checkKeys(o, ['atMs', 'everyMs'], p, problems);
    if (o.atMs !== undefined && (!Array.isArray(o.atMs) || !o.atMs.every(isNum))) {
      problems.push(`${p}.atMs: must be an array of numbers >= 0`);
    }
    if (o.everyMs !== undefined) range(o, 'everyMs', p, problems);
  });
  sub('handover', (o, p) => {
    checkKeys(o, ['everyMs', 'outageMs', 'refuseNew'], p, problems);
    range(o, 'everyMs', p, problems);
    range(o, 'outageMs', p, problems);
    bool(o, 'refuseNew', p, problems);
  });
}

/**
 * Validates an untrusted profile object. Throws LinkError TM_ERR_LINK_PROFILE_INVALID whose message
 * lists every problem found, not only the first.
 */
export function parseProfile(raw: unknown, name?: string): LinkProfile {
  const problems: string[] = [];
  if (!isObj(raw)) {
    problems.push('profile: must be an object');
  } else {
    checkKeys(raw, ['name', 'description', 'up', 'down', 'events'], 'profile', problems);
    if (typeof raw.description !== 'string') problems.push('description: required string');
    checkDirection(raw.up, 'up', problems);
    checkDirection(raw.down, 'down', problems);
    checkEvents(raw.events, problems);
  }
  const label = name ?? (isObj(raw) && typeof raw.name === 'string' ? raw.name : 'custom');
  if (problems.length > 0 || !isObj(raw)) {
    throw new LinkError(LinkErrorCode.PROFILE_INVALID, `link profile "${label}" is invalid:\n  - ${problems.join('\n  - ')}`);
  }
  // Validated above field by field; the cast only restates what the checks proved.
  const p = raw as unknown as Omit<LinkProfile, 'name' | 'events'> & { events?: LinkEventsProfile };
  return Object.freeze({ ...p, name: label, events: p.events ?? {} });
}

const catalogue: ReadonlyMap<string, LinkProfile> = (() => {
  const entries = Object.entries((profilesJson as { profiles: Record<string, unknown> }).profiles);
  return new Map(entries.map(([n, raw]) => [n, parseProfile(raw, n)]));
})();

/** Names of the built-in profiles in profiles.json. */
export function profileNames(): string[] {
  return [...catalogue.keys()];
}

/** A built-in profile by name; throws TM_ERR_LINK_PROFILE_UNKNOWN listing the known names. */
export function getProfile(name: string): LinkProfile {
  const p = catalogue.get(name);
  if (!p) {
    throw new LinkError(LinkErrorCode.PROFILE_UNKNOWN, `unknown link profile "${name}"; known: ${profileNames().join(', ')}`);
  }
  return p;
}

/**
 * Queue depth in bytes for one direction (ms-at-rate converted; unlimited rate → 0 = no queue).
 * `rateBps` is the rate queueMs is counted at: the direction's own, or a trace's/steps' mean.
 */
export function queueLimitBytes(d: DirectionProfile, rateBps = d.rateBps): number {
  if (d.queueBytes !== undefined) return d.queueBytes;
  if (rateBps > 0 && d.queueMs !== undefined) return Math.round((rateBps * d.queueMs) / 8000);
  return 0;
}

/**
 * The profile with its uplink capacity taken from a Mahimahi trace (delays, downlink, events and
 * the queue kept; a queue given in ms is then counted at the trace's mean rate).
 */
export function withUplinkTrace(p: LinkProfile, tracePath: string): LinkProfile {
  const { rateSteps: _steps, ...up } = p.up;
  const base = tracePath.split(/[\\/]/).pop() ?? tracePath;
  return parseProfile({ ...p, name: undefined, up: { ...up, rateBps: 0, trace: tracePath } }, `${p.name}+trace:${base}`);
}

/** The profile with both directions' full-queue policy set. */
export function withQueuePolicy(p: LinkProfile, policy: 'backpressure' | 'drop-tail'): LinkProfile {
  return parseProfile({ ...p, name: undefined, up: { ...p.up, queuePolicy: policy }, down: { ...p.down, queuePolicy: policy } }, p.name);
}

/** One line describing a direction's capacity: "10 Mbit/s", "trace FILE", "steps 10/3 Mbit/s", "unlimited". */
export function describeRate(d: DirectionProfile): string {
  if (d.trace !== undefined) return `trace ${d.trace.split(/[\\/]/).pop() ?? d.trace}`;
  if (d.rateSteps !== undefined) return `steps ${d.rateSteps.map((s) => `${s.rateBps / 1e6}`).join('/')} Mbit/s every ${d.rateSteps[0]?.durationMs ?? 0} ms`;
  return d.rateBps > 0 ? `${d.rateBps / 1e6} Mbit/s` : 'unlimited';
}
