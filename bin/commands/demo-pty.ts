// The demo's serial lines (issue 10 item 7): the clinic's ECG cart and the ambulance's GPS each
// talk to their gateway's real driver over a socat pty pair, as a USB serial device would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { TelemedError } from '../../protocols/errors.js';

/** socat is a Debian package (README quick start); without it the demo has no serial devices. */
export const SOCAT_MISSING = 'TM_ERR_DEMO_SOCAT_MISSING';

/** Throws TM_ERR_DEMO_SOCAT_MISSING with the install command when `socat` is not on the PATH. */
export function requireSocat(): void {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  if (r.error === undefined && r.status === 0) return;
  throw new TelemedError(SOCAT_MISSING,
    'socat not found: the demo runs the ECG cart and the GPS on serial ptys made by socat. Install it with `sudo apt-get install -y socat` (Debian/Ubuntu) and start the demo again');
}

/** A running `socat pty,link=A pty,link=B`: bytes written to one end come out of the other. */
export interface DemoPty {
  readonly a: string;
  readonly b: string;
  /** SIGTERM, resolved when socat has exited (the links vanish with it). Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts socat and resolves once both links exist (its "starting data transfer loop" line). */
export async function startPty(a: string, b: string, timeoutMs = 10_000): Promise<DemoPty> {
  const proc: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`socat did not start within ${timeoutMs} ms: ${err}`)); }, timeoutMs);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('starting data transfer loop')) { clearTimeout(timer); resolve(); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`socat exited with ${code}: ${err}`)); });
  });
  proc.stderr?.resume();
  return {
    a, b,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}
