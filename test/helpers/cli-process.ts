import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpsGet } from './tls-fixture.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * One `telemed <command> --config FILE` as a real child process, run from source through tsx, with
 * a /healthz to wait for. Tests SIGKILL it mid-stream and start it again on the same data
 * directory and port, as an operator or a crash would.
 */
export class CliProcess {
  child: ChildProcess | undefined;
  output = '';

  /** Set when the process serves HTTPS with a certificate of this CA (a hub with `tls`). */
  httpsCa: Buffer | undefined;

  constructor(readonly command: 'hospital' | 'gateway', readonly configFile: string, readonly port: number,
    private readonly logLevel = 'warn') {}

  get url(): string { return `${this.httpsCa === undefined ? 'http' : 'https'}://127.0.0.1:${this.port}`; }

  private async healthy(): Promise<boolean> {
    if (this.httpsCa !== undefined) return (await httpsGet(`${this.url}/healthz`, this.httpsCa)).status === 200;
    return (await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(500) })).ok;
  }

  /** Starts the process and waits until it answers /healthz with 200. */
  async start(timeoutMs = 20_000): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'bin', 'telemed.ts'), this.command, '--config', this.configFile], {
      cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: this.logLevel },
    });
    child.stdout?.on('data', (d: Buffer) => { this.output += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { this.output += d.toString(); });
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${this.command} exited with ${child.exitCode} during start:\n${this.output}`);
      try {
        if (await this.healthy()) return;
      } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error(`${this.command} not healthy within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Ends the process with a signal and waits for it to be gone and its output read to the end.
   * 'close', not 'exit': at 'exit' the pipes may still hold lines the process wrote just before the
   * signal (a delivery logged an instant before SIGKILL was then missing from `output`).
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('close', () => r()));
    child.kill(signal);
    await gone;
    this.child = undefined;
  }
}

/** A free loopback port (bind 0, read, close). A restarted service keeps its port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `fn` until it returns a truthy value or the bound passes. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) { last = err; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
