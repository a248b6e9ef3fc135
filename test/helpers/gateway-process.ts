import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './hub-process.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The gateway as a real child process (`telemed gateway`, run from source through tsx), so a test
 * can SIGKILL it mid-stream and start it again on the same data directory (its outbox.db).
 */
export class GatewayProcess {
  child: ChildProcess | undefined;
  output = '';
  constructor(readonly configFile: string, readonly port: number) {}

  /** Writes the config (port chosen here unless given) next to the data directory. */
  static async create(dir: string, config: Record<string, unknown>): Promise<GatewayProcess> {
    const port = (config['port'] as number | undefined) ?? await freePort();
    const file = join(dir, 'gateway.json');
    const gw = new GatewayProcess(file, port);
    await gw.writeConfig(config);
    return gw;
  }

  /** Replaces the config used by the next start(). */
  async writeConfig(config: Record<string, unknown>): Promise<void> {
    await writeFile(this.configFile, JSON.stringify({ host: '127.0.0.1', ...config, port: this.port }));
  }

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  /** Starts the process and waits until its local API answers /healthz. */
  async start(timeoutMs = 20_000): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'bin', 'telemed.ts'), 'gateway', '--config', this.configFile], {
      cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    child.stdout?.on('data', (d: Buffer) => { this.output += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { this.output += d.toString(); });
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode} during start:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(500) });
        if (res.ok) return;
      } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error(`gateway not healthy within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ends the process with a signal and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await gone;
    this.child = undefined;
  }
}
