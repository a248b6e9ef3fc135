import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';

export interface HubSupervisorOptions {
  configFile: string;
  /** Base URL of the hub, polled at /healthz. */
  url: string;
  logFile: string;
  /** Restart the hub when it exits on its own (default true). */
  restart: boolean;
  onEvent: (line: string) => void;
  /** Delay before a restart, ms (default 2000). */
  restartDelayMs?: number;
  /** The CA of the hub's certificate when `url` is https:// (fetch cannot take one; node:https can). */
  ca?: Buffer;
}

/** GET url over HTTPS trusting only `ca`; resolves the status code. */
function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

type State = 'idle' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

/**
 * Runs the hub as a child process (the same CLI entry, `hospital` command) so it can be killed
 * and restarted independently of the gateways, as in a real deployment.
 */
export class HubSupervisor {
  private state: State = 'idle';
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: HubSupervisorOptions) {}

  get pid(): number | undefined { return this.child?.pid; }

  async start(): Promise<void> {
    this.spawnChild();
    await this.waitHealthy(30_000);
    this.state = 'running';
  }

  private spawnChild(): void {
    this.state = 'starting';
    const entry = process.argv[1];
    if (entry === undefined) throw new Error('cannot find the telemed entry script');
    const fd = openSync(this.opts.logFile, 'a');
    const child = spawn(process.execPath, [...process.execArgv, entry, 'hospital', '--config', this.opts.configFile], {
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.state === 'stopping' || this.state === 'stopped') return;
      this.opts.onEvent(`hub exited (${signal ?? `code ${code}`})${this.opts.restart ? `; restarting in ${(this.opts.restartDelayMs ?? 2000) / 1000} s` : ''}`);
      if (!this.opts.restart) return;
      this.state = 'restarting';
      this.restartTimer = setTimeout(() => {
        this.spawnChild();
        this.waitHealthy(30_000).then(
          () => { this.state = 'running'; this.opts.onEvent(`hub is back (pid ${this.child?.pid ?? '?'})`); },
          (err: unknown) => this.opts.onEvent(`hub did not come back: ${(err as Error).message}`),
        );
      }, this.opts.restartDelayMs ?? 2000);
    });
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child === undefined) throw new Error(`hub exited during start; see ${this.opts.logFile}`);
      try {
        const url = `${this.opts.url}/healthz`;
        const ok = this.opts.ca !== undefined ? await httpsStatus(url, this.opts.ca) === 200 : (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
        if (ok) return;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`hub not healthy after ${timeoutMs} ms; see ${this.opts.logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.state = 'stopping';
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    this.state = 'stopped';
  }
}
