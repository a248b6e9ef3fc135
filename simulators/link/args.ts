import net from 'node:net';
import { LinkError, LinkErrorCode } from './errors.js';

export const LINK_HELP = `usage: telemed sim link --profile P --target HOST:PORT [--listen HOST:PORT] [--seed N] [--json] [--allow-remote]
                        [--trace FILE] [--drop-tail] [--greedy up|down ...]
       telemed sim link --list

A TCP proxy that emulates a 5G cell (delay, jitter, rate, bottleneck queue, stalls, outages,
flapping, disconnects, handovers) between its clients and one target.

  --profile P        profile name from simulators/link/profiles.json (see --list)
  --target HOST:PORT where every accepted connection is forwarded
  --listen HOST:PORT where to listen (default 127.0.0.1:0 = a free port, printed at start)
  --seed N           seed for jitter and timed events (default 1): same seed, same schedule
  --trace FILE       uplink capacity from a Mahimahi trace (one line = one 1500-byte delivery
                     opportunity at that ms; the file loops); the profile (default saturated-cell)
                     keeps its delays, queue, downlink and events. FILE absolute, or relative to the
                     shared data folder ($TELEMED_SHARED_DATA), e.g. cellular-traces/ATT-LTE-driving.up
  --drop-tail        a full queue drops the arriving piece instead of stopping the sender (README)
  --greedy DIR       open a competing greedy TCP flow (up or down) through the same cell; repeatable
  --json             one JSON object of stats per second instead of a text line
  --allow-remote     allow listening on a non-loopback address
  --list             list the profiles and exit
  --help             this text

Prints one line of stats per second; stops cleanly on SIGINT/SIGTERM.`;

/** Parsed `telemed sim link` arguments. */
export interface LinkArgs {
  readonly help: boolean;
  readonly list: boolean;
  readonly json: boolean;
  readonly profile: string;
  readonly listenHost: string;
  readonly listenPort: number;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly seed: number;
  /** Mahimahi trace for the uplink, or undefined. */
  readonly trace: string | undefined;
  readonly dropTail: boolean;
  /** Greedy flows to open, one entry per flow. */
  readonly greedy: readonly ('up' | 'down')[];
}

function hostPort(v: string, flag: string): { host: string; port: number } {
  // Accept [v6]:port as well as host:port.
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:]+):(\d+)$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m?.[1] || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LinkError(LinkErrorCode.BAD_ARGS, `${flag} wants HOST:PORT, got "${v}"`);
  }
  return { host: m[1], port };
}

/** Whether an address is loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return net.isIPv4(host) && host.startsWith('127.');
}

/** Parses and checks the arguments; throws LinkError TM_ERR_LINK_BAD_ARGS / TM_ERR_LINK_REMOTE_REFUSED. */
export function parseLinkArgs(argv: readonly string[]): LinkArgs {
  const flags = new Set(['--help', '-h', '--list', '--json', '--allow-remote', '--drop-tail']);
  const values = new Map<string, string>();
  const greedy: ('up' | 'down')[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const eq = a.indexOf('=');
    const [key, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (flags.has(key)) {
      seen.add(key === '-h' ? '--help' : key);
    } else if (['--profile', '--listen', '--target', '--seed', '--trace', '--greedy'].includes(key)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new LinkError(LinkErrorCode.BAD_ARGS, `${key} needs a value`);
      if (key === '--greedy') {
        if (v !== 'up' && v !== 'down') throw new LinkError(LinkErrorCode.BAD_ARGS, `--greedy wants up or down, got "${v}"`);
        greedy.push(v);
      } else values.set(key, v);
    } else {
      throw new LinkError(LinkErrorCode.BAD_ARGS, `unknown argument "${a}" (see --help)`);
    }
  }
  const help = seen.has('--help');
  const list = seen.has('--list');
  const trace = values.get('--trace');
  const base = {
    help, list, json: seen.has('--json'), profile: '', listenHost: '127.0.0.1', listenPort: 0, targetHost: '', targetPort: 0, seed: 1,
    trace, dropTail: seen.has('--drop-tail'), greedy,
  };
  if (help || list) return base;

  const problems: string[] = [];
  // With a trace the profile only lends delays, queue and downlink: the saturated cell's by default.
  const profile = values.get('--profile') ?? (trace ? 'saturated-cell' : undefined);
  if (!profile) problems.push('--profile is required (or --trace FILE)');
  const target = values.get('--target');
  if (!target) problems.push('--target is required');
  if (problems.length) throw new LinkError(LinkErrorCode.BAD_ARGS, `${problems.join('; ')} (see --help)`);
  const t = hostPort(target ?? '', '--target');
  const l = hostPort(values.get('--listen') ?? '127.0.0.1:0', '--listen');
  const seedRaw = values.get('--seed') ?? '1';
  const seed = Number(seedRaw);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new LinkError(LinkErrorCode.BAD_ARGS, `--seed wants an integer in 0..4294967295, got "${seedRaw}"`);
  }
  if (!isLoopback(l.host) && !seen.has('--allow-remote')) {
    throw new LinkError(LinkErrorCode.REMOTE_REFUSED, `refusing to listen on non-loopback "${l.host}" without --allow-remote`);
  }
  return { ...base, profile: profile ?? '', listenHost: l.host, listenPort: l.port, targetHost: t.host, targetPort: t.port, seed };
}
