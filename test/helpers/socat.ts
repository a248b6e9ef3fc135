import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A socat-made pty pair: bytes written to `a` come out of `b` and back. socat ignores baud. */
export interface PtyPair {
  readonly a: string;
  readonly b: string;
  readonly proc: ChildProcess;
  /** Kills socat (SIGKILL): both ptys vanish, like a pulled USB cable. */
  kill(): Promise<void>;
}

export function requireSocat(): void {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) throw new Error('socat not found: run `apt-get install -y socat` (or `npm run test:setup` as root)');
}

export function makeTempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B` and waits until it relays. */
export async function startPtyPair(a: string, b: string, timeoutMs = 10_000): Promise<PtyPair> {
  requireSocat();
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`socat did not start within ${timeoutMs} ms: ${err}`)), timeoutMs);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      // socat logs this once both ptys exist and their links are made.
      if (err.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`socat exited with ${code}: ${err}`));
    });
  });
  proc.stderr?.resume();
  return {
    a,
    b,
    proc,
    kill: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
}
