import type { Writable } from 'node:stream';
import { pino } from 'pino';
import { LINK_HELP, parseLinkArgs } from './args.js';
import { histQuantile, LATENESS_BUCKET_MS, startLink, type DirStats, type LinkStats } from './index.js';
import { describeRate, getProfile, profileNames, withQueuePolicy, withUplinkTrace } from './profile.js';

/** Injectable I/O of {@link linkCommand}; defaults are the process's. */
export interface LinkCommandIo {
  readonly stdout?: Writable;
  /** Stops the command (default: SIGINT or SIGTERM). */
  readonly signal?: AbortSignal;
  /** Stats print interval in ms (default 1000). */
  readonly intervalMs?: number;
}

const mbps = (bytes: number, ms: number): string => ((bytes * 8) / (ms * 1000)).toFixed(2);
const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

/** One concise stats line: throughput over the last interval and current queue occupancy. */
export function formatStats(s: LinkStats, prev: LinkStats | undefined, elapsedMs: number, tS: number): string {
  const dUp = s.up.bytesOut - (prev?.up.bytesOut ?? 0);
  const dDown = s.down.bytesOut - (prev?.down.bytesOut ?? 0);
  return (
    `t=${tS}s state=${s.state} conns=${s.connections} ` +
    `up ${mbps(dUp, elapsedMs)} Mbit/s q=${kb(s.up.queuedBytes)}kB held=${kb(s.up.heldBytes)}kB | ` +
    `down ${mbps(dDown, elapsedMs)} Mbit/s q=${kb(s.down.queuedBytes)}kB held=${kb(s.down.heldBytes)}kB` +
    // Drop-tail only: drops so far (each is sent again, README "Drop-tail").
    (s.up.drops + s.down.drops > 0 ? ` drops up=${s.up.drops} down=${s.down.drops}` : '')
  );
}

function describeProfiles(): string {
  return profileNames()
    .map((n) => {
      const p = getProfile(n);
      const d = (x: typeof p.up): string => `${describeRate(x)}, ${x.delayMs}±${x.jitterMs} ms`;
      return `${n.padEnd(19)} up ${d(p.up)}; down ${d(p.down)}\n${' '.repeat(20)}${p.description}`;
    })
    .join('\n');
}

/** `telemed sim link ...`: runs the link emulator until SIGINT/SIGTERM (or `io.signal`). */
export async function linkCommand(argv: string[], io: LinkCommandIo = {}): Promise<void> {
  const out = io.stdout ?? process.stdout;
  const args = parseLinkArgs(argv);
  if (args.help) return void out.write(LINK_HELP + '\n');
  if (args.list) return void out.write(describeProfiles() + '\n');

  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  if (!io.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const signal = io.signal ?? ac.signal;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, process.stderr);
  let profile = getProfile(args.profile);
  if (args.trace !== undefined) profile = withUplinkTrace(profile, args.trace);
  if (args.dropTail) profile = withQueuePolicy(profile, 'drop-tail');
  try {
    const link = await startLink({
      listenHost: args.listenHost,
      listenPort: args.listenPort,
      targetHost: args.targetHost,
      targetPort: args.targetPort,
      profile,
      seed: args.seed,
      logger,
      signal,
    });
    const hostShown = args.listenHost.includes(':') ? `[${args.listenHost}]` : args.listenHost;
    out.write(`link ${profile.name} (up ${describeRate(profile.up)}) listening on ${hostShown}:${link.port} -> ${args.targetHost}:${args.targetPort} (seed ${args.seed})\n`);
    for (const dir of args.greedy) {
      await link.startGreedy(dir);
      out.write(`greedy ${dir} flow started through the same cell\n`);
    }
    const interval = io.intervalMs ?? 1000;
    const started = performance.now();
    let prev: LinkStats | undefined;
    let prevAt = started;
    const timer = setInterval(() => {
      const now = performance.now();
      const s = link.stats();
      const tS = Math.round((now - started) / 1000);
      out.write((args.json ? JSON.stringify({ t: tS, ...s, up: brief(s.up, prev?.up), down: brief(s.down, prev?.down) }) : formatStats(s, prev, now - prevAt, tS)) + '\n');
      prev = s;
      prevAt = now;
    }, interval);
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    clearInterval(timer);
    await link.close();
    out.write('link closed\n');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A direction's counters for the JSON lines: the histograms as p50/p99 over the last interval, ms. */
function brief(d: DirStats, prev: DirStats | undefined): Omit<DirStats, 'queueDelayHist' | 'latenessHist'> & Record<string, number | null> {
  const { queueDelayHist, latenessHist, ...rest } = d;
  return {
    ...rest,
    queueDelayP50Ms: histQuantile(queueDelayHist, prev?.queueDelayHist ?? null, 0.5, 1),
    queueDelayP99Ms: histQuantile(queueDelayHist, prev?.queueDelayHist ?? null, 0.99, 1),
    latenessP99Ms: histQuantile(latenessHist, prev?.latenessHist ?? null, 0.99, LATENESS_BUCKET_MS),
  };
}
