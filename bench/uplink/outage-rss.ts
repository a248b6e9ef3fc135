// Gateway peak RSS while the hub is unreachable and durable traffic piles up in the SQLite outbox
// (issue 3: 10 minutes at 5 Mbit/s, target <= 150 MB), measured on the gateway as a user runs it:
// `telemed gateway --config FILE` in its own process (compiled dist/bin/telemed.js, or the source
// through tsx), with a `load` device offering durable BULK record chunks of 16 KiB and a hub URL
// where nothing listens (every connect refused, reconnect backoff as configured). This process
// only starts it and reads /proc/PID/status: VmRSS sampled every 100 ms and the kernel's own peak,
// VmHWM, at the end. First an idle baseline: the same gateway with no device for --idle-s.
// Usage: node dist/bench/uplink/outage-rss.js [--minutes 10] [--mbps 5] [--runtime compiled|tsx]
//   [--idle-s 15] [--json FILE]   (after `npm run build`; or node --import tsx bench/uplink/outage-rss.ts)
// NODE_OPTIONS given to this process reach the gateway too (e.g. to compare V8 settings).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePortNow } from './outage-port.js';
import { sleep } from './clock.js';

export interface OutageRssOptions {
  /** Length of the outage, minutes. */
  readonly minutes: number;
  /** Offered durable load, Mbit/s (payload bytes; frames add ~1 %). */
  readonly mbps: number;
  /** compiled: node dist/bin/telemed.js (run `npm run build` first); tsx: node --import tsx bin/telemed.ts. */
  readonly runtime: 'compiled' | 'tsx';
  /** Idle baseline: the gateway without devices for this long, seconds (0 = skip). */
  readonly idleS: number;
}

/** Payload of one BULK chunk, bytes: a 16 KiB record chunk as the ECG cart sends them. */
const CHUNK_BYTES = 16_384;
const SAMPLE_MS = 100;
const REPORT_MS = 10_000;
const MB = 2 ** 20;

/** <repo>, whether this file runs from source or from dist/. */
function repoRoot(): string {
  const up = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
  return basename(up) === 'dist' ? dirname(up) : up;
}

/** The command line a user runs: `telemed gateway --config FILE`. */
function gatewayCommand(runtime: OutageRssOptions['runtime'], configFile: string): { argv: string[]; shown: string } {
  const repo = repoRoot();
  if (runtime === 'tsx') {
    const argv = ['--import', 'tsx', join(repo, 'bin', 'telemed.ts'), 'gateway', '--config', configFile];
    return { argv, shown: `node --import tsx bin/telemed.ts gateway --config ${configFile}` };
  }
  const bin = join(repo, 'dist', 'bin', 'telemed.js');
  if (!existsSync(bin)) throw new Error(`${bin} missing: run npm run build first (or --runtime tsx)`);
  return { argv: [bin, 'gateway', '--config', configFile], shown: `node dist/bin/telemed.js gateway --config ${configFile}` };
}

/** The kB fields of /proc/PID/status we report, in MB; undefined once the process is gone. */
function procStatus(pid: number): { rss: number; hwm: number; anon: number; file: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
}

/** CPU seconds (user + system) the process has used, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

interface OutboxStatus { bytes: number; frames: number; refused: number }

async function outboxOf(port: number): Promise<OutboxStatus | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/status`, { signal: AbortSignal.timeout(2000) });
    const body = await res.json() as { outbox?: OutboxStatus };
    return body.outbox;
  } catch {
    return undefined;
  }
}

/** One `telemed gateway` process: started, healthy, sampled until stopped. */
class GatewayUnderTest {
  readonly child: ChildProcess;
  output = '';
  maxRss = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(argv: string[], readonly port: number) {
    this.child = spawn(process.execPath, argv, { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
    const keep = (d: Buffer): void => { this.output = (this.output + d.toString()).slice(-20_000); };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('gateway did not start');
    return pid;
  }

  sample(): ReturnType<typeof procStatus> {
    const s = procStatus(this.pid);
    if (s !== undefined) this.maxRss = Math.max(this.maxRss, s.rss);
    return s;
  }

  async healthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`gateway exited with ${this.child.exitCode} during start:\n${this.output}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`, { signal: AbortSignal.timeout(500) });
        if (res.ok) return;
      } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error(`gateway not healthy within ${timeoutMs} ms:\n${this.output}`);
      await sleep(50);
    }
  }

  /** Final reading (VmHWM is the kernel's peak over the whole life), then SIGTERM and wait. */
  async stop(): Promise<{ rss: number; hwm: number; anon: number; file: number; cpuS: number; exitCode: number | null }> {
    const last = this.sample();
    const cpuS = cpuSeconds(this.pid);
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (last === undefined) throw new Error(`gateway gone before the end:\n${this.output}`);
    const gone = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGTERM');
    const exitCode = await gone;
    return { ...last, cpuS, exitCode };
  }
}

function writeConfig(dir: string, name: string, port: number, deadPort: number, devices: unknown[]): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    gatewayId: 'rss-gw', hub: { url: `ws://127.0.0.1:${deadPort}/uplink`, credential: 'unused' }, port,
    dataDir: join(dir, `${name}-data`), outbox: { maxBytes: 1024 ** 3 }, reconnect: { initialMs: 250, maxMs: 10_000, jitter: 0.5 },
    devices,
  }, null, 2));
  return file;
}

export async function outageRss(o: OutageRssOptions): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(os.tmpdir(), 'telemed-outage-rss-'));
  const loadBefore = os.loadavg();
  try {
    const deadPort = await freePortNow(); // nothing listens here: every connect is refused

    let baseline: Record<string, unknown> | undefined;
    if (o.idleS > 0) {
      const port = await freePortNow();
      const { argv } = gatewayCommand(o.runtime, writeConfig(dir, 'idle', port, deadPort, []));
      const gw = new GatewayUnderTest(argv, port);
      await gw.healthy();
      const startedRss = gw.sample()?.rss ?? NaN;
      await sleep(o.idleS * 1000);
      const end = await gw.stop();
      baseline = {
        idleS: o.idleS, rssAtHealthyMB: round1(startedRss), rssMB: round1(end.rss), rssAnonMB: round1(end.anon), rssFileMB: round1(end.file),
        peakRssSampledMB: round1(gw.maxRss), vmHwmMB: round1(end.hwm),
      };
      process.stderr.write(`[outage-rss] idle baseline ${JSON.stringify(baseline)}\n`);
    }

    const port = await freePortNow();
    const durableHz = (o.mbps * 1e6 / 8) / CHUNK_BYTES;
    const configFile = writeConfig(dir, 'outage', port, deadPort, [{ kind: 'load', id: 'cart-1', durableHz, chunkBytes: CHUNK_BYTES }]);
    const { argv, shown } = gatewayCommand(o.runtime, configFile);
    const gw = new GatewayUnderTest(argv, port);
    await gw.healthy();
    const t0 = performance.now();
    const samples: Record<string, number>[] = [];
    let nextReport = t0;
    while (performance.now() - t0 < o.minutes * 60_000) {
      const now = performance.now();
      if (now >= nextReport) {
        nextReport += REPORT_MS;
        const s = gw.sample();
        const box = await outboxOf(port);
        if (s === undefined) throw new Error(`gateway gone during the outage:\n${gw.output}`);
        const row = {
          tS: Math.round((now - t0) / 1000), rssMB: round1(s.rss), rssAnonMB: round1(s.anon), rssFileMB: round1(s.file), vmHwmMB: round1(s.hwm),
          outboxMB: round1((box?.bytes ?? NaN) / MB), refused: box?.refused ?? NaN,
        };
        samples.push(row);
        process.stderr.write(`[outage-rss] ${JSON.stringify(row)}\n`);
      }
      await sleep(Math.min(1000, Math.max(0, nextReport - performance.now())));
    }
    const box = await outboxOf(port);
    const elapsedS = (performance.now() - t0) / 1000;
    const end = await gw.stop();
    // What actually reached the outbox per second (framed bytes, incl. ~1 % of headers), from t=0 on.
    const storedMbps = ((box?.bytes ?? NaN) - (samples[0]?.['outboxMB'] ?? NaN) * MB) * 8 / 1e6 / elapsedS;
    const peakRssMB = round1(gw.maxRss);
    const vmHwmMB = round1(end.hwm);
    const worst = Math.max(peakRssMB, vmHwmMB);
    const offeredMB = durableHz * CHUNK_BYTES * o.minutes * 60 / MB;
    return {
      bench: 'outage-rss', runtime: o.runtime, command: shown, nodeOptions: process.env['NODE_OPTIONS'] ?? '',
      minutes: o.minutes, offeredMbps: o.mbps, offeredPayloadMB: round1(offeredMB),
      storedMbps: Math.round(storedMbps * 100) / 100, outboxMBAtEnd: round1((box?.bytes ?? NaN) / MB), outboxFramesAtEnd: box?.frames ?? null, refused: box?.refused ?? null,
      baseline: baseline ?? null,
      peakRssSampledMB: peakRssMB, vmHwmMB, rssAtEndMB: round1(end.rss), rssAnonAtEndMB: round1(end.anon), rssFileAtEndMB: round1(end.file),
      gatewayCpuS: round1(end.cpuS), gatewayCpuPerMinuteS: round1(end.cpuS / o.minutes), exitCode: end.exitCode,
      samples,
      target: { target: 'gateway peak RSS through the outage (max of sampled VmRSS and VmHWM)', limit: '<= 150 MB', value: worst, pass: worst <= 150 },
      machine: { cpus: os.cpus().length, loadavgBefore: loadBefore, loadavgAfter: os.loadavg(), node: process.version },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = /outage-rss\.[jt]s$/.test(process.argv[1] ?? '');
if (isMain) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const runtime = arg('--runtime') ?? 'compiled';
  if (runtime !== 'compiled' && runtime !== 'tsx') throw new Error(`--runtime ${runtime}: compiled or tsx`);
  const out = await outageRss({
    minutes: Number(arg('--minutes') ?? 10), mbps: Number(arg('--mbps') ?? 5), runtime, idleS: Number(arg('--idle-s') ?? 15),
  });
  const json = arg('--json');
  if (json !== undefined) writeFileSync(json, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}
