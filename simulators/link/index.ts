import net from 'node:net';
import { once } from 'node:events';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../../protocols/index.js';
import { Bottleneck } from './bottleneck.js';
import { Connection } from './connection.js';
import { LinkError, LinkErrorCode } from './errors.js';
import { eventSchedule, type LinkEvent } from './events.js';
import { openGreedyFlow, type GreedyFlow } from './greedy.js';
import { initialLinkState, linkTransition, refusesNew, type LinkInput, type LinkState } from './link-state.js';
import type { PipeConfig } from './pipe.js';
import { createRng } from './prng.js';
import { getProfile, queueLimitBytes, type DirectionProfile, type LinkProfile } from './profile.js';
import { timerScheduler, type Scheduler } from './scheduler.js';
import { constantService, steppedService, traceService, type Service } from './service.js';
import { copyDirStats, emptyDirStats, type DirStats } from './stats.js';
import { loadTrace } from './trace.js';

export type { LinkProfile, DirectionProfile, LinkEventsProfile } from './profile.js';
export { describeRate, getProfile, parseProfile, profileNames, withQueuePolicy, withUplinkTrace } from './profile.js';
export type { LinkEvent } from './events.js';
export { eventSchedule, eventsUntil } from './events.js';
export type { DirStats } from './stats.js';
export { histQuantile, LATENESS_BUCKET_MS } from './stats.js';
export { LinkError, LinkErrorCode } from './errors.js';
export type { GreedyFlow } from './greedy.js';
export type { MahimahiTrace, RateStep, Service } from './service.js';
export { constantService, OPPORTUNITY_BYTES, steppedService, traceService } from './service.js';
export { loadTrace, parseTrace, resolveTracePath, sharedDataDir } from './trace.js';

/** Options of {@link startLink}. */
export interface LinkOptions {
  /** Address to listen on. Default 127.0.0.1. */
  listenHost?: string;
  /** Port to listen on. Default 0 (any free port; read it from `LinkEmulator.port`). */
  listenPort?: number;
  /** Where each accepted connection is forwarded. */
  targetHost: string;
  targetPort: number;
  /** A profile object or the name of one in profiles.json. */
  profile: LinkProfile | string;
  /** PRNG seed for jitter and timed events. Default 1. */
  seed?: number;
  logger?: Logger;
  /** Monotonic time source; default the system clock. */
  clock?: Clock;
  /** Replaces the timer-backed scheduler (tests). */
  scheduler?: Scheduler;
  /** Aborts listening while starting. */
  signal?: AbortSignal;
  /**
   * Observer of the bottleneck: called as each piece's last byte is serialised, with the model time
   * in ms since the emulator started (exact trace/step times, whatever the event loop's lateness).
   */
  onServed?: (direction: 'up' | 'down', bytes: number, atMs: number) => void;
}

/** Link statistics: per direction (up = client→target) and the number of open connections. */
export interface LinkStats {
  up: DirStats;
  down: DirStats;
  connections: number;
  /** Connections reset because the link refused new ones (outage with refuseNew). */
  refused: number;
  /** Current link state. */
  state: LinkState['name'];
}

/** A running link emulator. */
export interface LinkEmulator {
  /** The port actually listened on. */
  readonly port: number;
  readonly profile: LinkProfile;
  /** Stops timers, resets every connection and stops listening. */
  close(): Promise<void>;
  /** Manual outage: nothing moves while on; `refuseNew` also resets new connections (default false). */
  setOutage(on: boolean, opts?: { refuseNew?: boolean }): void;
  /** Forced disconnect of every connection now (both sockets reset). */
  disconnectAll(): void;
  /**
   * Opens a competing greedy TCP flow through this emulator's own bottleneck ('up': an upload that
   * always has data; 'down': a download), terminated by a sink inside the emulator, not the target.
   */
  startGreedy(direction: 'up' | 'down'): Promise<GreedyFlow>;
  /**
   * Capacity the direction's rate, steps or trace offers in [fromMs, toMs) after the emulator
   * started, bytes (Infinity when unlimited); outages are not subtracted (stats().offeredBytes does).
   * For plotting a scenario's capacity over time.
   */
  capacityBytes(direction: 'up' | 'down', fromMs: number, toMs: number): number;
  /** Time since the emulator started on its own clock, ms: the time base of capacityBytes. */
  elapsedMs(): number;
  stats(): LinkStats;
}

/** The capacity of one direction: a fixed rate, looping rate steps, or a Mahimahi trace. */
export function directionService(d: DirectionProfile, originMs: number): Service {
  if (d.trace !== undefined) return traceService(loadTrace(d.trace), originMs);
  if (d.rateSteps !== undefined) return steppedService(d.rateSteps, originMs);
  return constantService(d.rateBps);
}

/** Cap on what one pipe holds beyond its queue: twice the bandwidth-delay product, at least 256 KiB. */
function pipeConfig(d: DirectionProfile, nominalBps: number): PipeConfig {
  const q = queueLimitBytes(d, nominalBps);
  const bdp = nominalBps > 0 ? ((d.delayMs + d.jitterMs) * nominalBps) / 8000 : 0;
  return { delayMs: d.delayMs, jitterMs: d.jitterMs, rateBps: nominalBps, queueLimitBytes: q, heldLimitBytes: q + Math.max(256 * 1024, 2 * bdp) };
}

/** Starts a TCP proxy that emulates a 5G cell between its clients and one target (DESIGN.md §4). */
export async function startLink(opts: LinkOptions): Promise<LinkEmulator> {
  const profile = typeof opts.profile === 'string' ? getProfile(opts.profile) : opts.profile;
  const seed = opts.seed ?? 1;
  const clock = opts.clock ?? systemClock;
  const sched = opts.scheduler ?? timerScheduler(clock);
  const log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'link', profile: profile.name });
  const upStats = emptyDirStats();
  const downStats = emptyDirStats();
  // ONE bottleneck per direction for every connection: a cell has one uplink buffer per modem,
  // not one per TCP connection. Time 0 of a trace or of rate steps is the emulator's start.
  const origin = sched.now();
  const rttMs = profile.up.delayMs + profile.down.delayMs;
  const bottleneck = (dir: 'up' | 'down', stats: DirStats): Bottleneck => {
    const d = profile[dir];
    const service = directionService(d, origin);
    const queueLimit = queueLimitBytes(d, service.nominalBps);
    const tap = opts.onServed;
    return new Bottleneck(
      service,
      { queueLimitBytes: queueLimit, policy: d.queuePolicy ?? 'backpressure', rttMs, ...(tap ? { onServed: (b: number, end: number) => tap(dir, b, end - origin) } : {}) },
      sched,
      stats,
    );
  };
  const upBn = bottleneck('up', upStats);
  const downBn = bottleneck('down', downStats);
  const upCfg = pipeConfig(profile.up, upBn.service.nominalBps);
  const downCfg = pipeConfig(profile.down, downBn.service.nominalBps);
  const greedy = new Set<GreedyFlow>();
  const entries = new Set<net.Server>();
  const conns = new Set<Connection>();
  let state: LinkState = initialLinkState;
  let refused = 0;
  let connSeq = 0;

  function apply(input: LinkInput): void {
    const before = state.name;
    state = linkTransition(state, input);
    if (state.name !== before) {
      log.info({ from: before, to: state.name }, 'link state');
      upBn.setFrozen(state.name === 'outage');
      downBn.setFrozen(state.name === 'outage');
      for (const c of conns) c.setFrozen(state.name === 'outage');
    }
  }

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => accept(client, opts.targetHost, opts.targetPort));
  function accept(client: net.Socket, targetHost: string, targetPort: number): void {
    if (refusesNew(state)) {
      refused++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const n = connSeq++;
    const conn = new Connection(client, {
      targetHost,
      targetPort,
      up: upCfg,
      down: downCfg,
      upBottleneck: upBn,
      downBottleneck: downBn,
      upStats,
      downStats,
      // Per-connection jitter streams, numbered in accept order: a replay with the same seed and
      // the same connection order gets the same jitter.
      upRng: createRng(seed, `jitter-up-${n}`),
      downRng: createRng(seed, `jitter-down-${n}`),
      sched,
      logger: log,
      onClosed: (c) => conns.delete(c),
    });
    conns.add(conn);
    if (state.name === 'outage') conn.setFrozen(true);
    for (const [dir, until] of [['up', stallUntil.up], ['down', stallUntil.down]] as const) {
      if (until > sched.now()) conn[dir].stall(until);
    }
  }

  async function startGreedy(direction: 'up' | 'down'): Promise<GreedyFlow> {
    // The flow enters through a listener of its own that forwards to its sink instead of the target,
    // through the same two bottlenecks as every other connection.
    let sinkPort = 0;
    const entry = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => accept(client, '127.0.0.1', sinkPort));
    entry.listen(0, '127.0.0.1');
    await once(entry, 'listening');
    entries.add(entry);
    const a = entry.address();
    const flow = await openGreedyFlow(direction, typeof a === 'object' && a ? a.port : 0, (p) => (sinkPort = p));
    greedy.add(flow);
    log.info({ direction }, 'greedy flow started');
    return flow;
  }

  const stallUntil = { up: 0, down: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, Math.max(0, ms));
    timers.add(t);
  };

  function disconnectAll(): void {
    for (const c of conns) c.reset();
  }

  let eventSeq = 0;
  function outageFor(durationMs: number, refuseNew: boolean): void {
    const cause = `event-${eventSeq++}`;
    apply({ type: 'outage-begin', cause, refuseNew });
    later(durationMs, () => apply({ type: 'outage-end', cause }));
  }

  function onEvent(e: LinkEvent): void {
    log.info({ event: e }, 'link event');
    switch (e.kind) {
      case 'stall': {
        const until = sched.now() + e.durationMs;
        for (const dir of e.direction === 'both' ? (['up', 'down'] as const) : [e.direction]) {
          stallUntil[dir] = Math.max(stallUntil[dir], until);
          for (const c of conns) c[dir].stall(until);
        }
        return;
      }
      case 'outage':
        return outageFor(e.durationMs, e.refuseNew);
      case 'disconnect':
        return disconnectAll();
      case 'handover':
        disconnectAll();
        return outageFor(e.durationMs, e.refuseNew);
    }
  }

  server.listen({ host: opts.listenHost ?? '127.0.0.1', port: opts.listenPort ?? 0, ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    await once(server, 'listening');
  } catch (err) {
    throw opts.signal?.aborted ? new LinkError(LinkErrorCode.ABORTED, 'link emulator aborted while starting', { cause: err }) : err;
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  log.info({ port, target: `${opts.targetHost}:${opts.targetPort}`, seed }, 'link emulator listening');

  // Timed events run against the start time, so lateness of one event never shifts the next.
  const startMs = clock.monoMs();
  const nextEvent = eventSchedule(profile, seed);
  const armEvent = (): void => {
    const e = nextEvent();
    if (!e) return;
    later(startMs + e.atMs - clock.monoMs(), () => {
      onEvent(e);
      armEvent();
    });
  };
  armEvent();

  return {
    port,
    profile,
    async close() {
      apply({ type: 'close' });
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const g of greedy) await g.close();
      disconnectAll();
      upBn.close();
      downBn.close();
      for (const e of entries) e.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    setOutage(on, o) {
      apply(on ? { type: 'outage-begin', cause: 'manual', refuseNew: o?.refuseNew ?? false } : { type: 'outage-end', cause: 'manual' });
    },
    disconnectAll,
    startGreedy,
    capacityBytes: (dir, fromMs, toMs) => (dir === 'up' ? upBn : downBn).service.capacity(origin + fromMs, origin + toMs),
    elapsedMs: () => sched.now() - origin,
    stats() {
      upStats.offeredBytes = upBn.offeredBytes();
      downStats.offeredBytes = downBn.offeredBytes();
      return { up: copyDirStats(upStats), down: copyDirStats(downStats), connections: conns.size, refused, state: state.name };
    },
  };
}
