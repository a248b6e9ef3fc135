import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Fails with how to install it when the victoria-metrics binary is missing (never a silent skip). */
export function requireVictoriaMetrics(): void {
  const r = spawnSync('victoria-metrics', ['-version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) throw new Error('victoria-metrics not found: run `apt-get install -y victoria-metrics` (or `npm run test:setup` as root)');
}

/** A free loopback TCP port (bound on 0, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One VictoriaMetrics process on 127.0.0.1:`port` storing in `dataDir`. */
export interface RunningVm {
  readonly url: string;
  readonly proc: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts VictoriaMetrics as a single-node InfluxDB stand-in (it accepts /api/v2/write) and waits for
 * /health. `-dedup.minScrapeInterval=1ms` keeps one sample per series and millisecond, which is
 * InfluxDB's rule (same series + timestamp overwrites): without it VictoriaMetrics keeps both
 * copies of a rewritten point. `-search.latencyOffset=0s` makes fresh samples queryable at once.
 */
export async function startVictoriaMetrics(port: number, dataDir: string, timeoutMs = 20_000): Promise<RunningVm> {
  requireVictoriaMetrics();
  const proc = spawn('victoria-metrics', [
    `-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dataDir}`, '-search.latencyOffset=0s', '-dedup.minScrapeInterval=1ms', '-loggerLevel=ERROR',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`victoria-metrics exited with ${proc.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`victoria-metrics did not answer /health within ${timeoutMs} ms: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, proc,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) { resolve(); return; }
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => { clearTimeout(kill); resolve(); });
      proc.kill('SIGTERM');
    }),
  };
}

/** One exported series: its labels and samples. */
export interface ExportedSeries { metric: Record<string, string>; values: number[]; timestamps: number[] }

/** Every series matching `match` (PromQL series selector) via /api/v1/export (JSON lines). */
export async function exportSeries(url: string, match: string): Promise<ExportedSeries[]> {
  await fetch(`${url}/internal/force_flush`).catch(() => undefined);
  const res = await fetch(`${url}/api/v1/export`, { method: 'POST', body: new URLSearchParams({ 'match[]': match }) });
  if (!res.ok) throw new Error(`export failed: ${res.status} ${await res.text()}`);
  return (await res.text()).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ExportedSeries);
}
