import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { isTelemedError } from '../../protocols/index.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import { readEcgOnThread } from './import-thread.js';

export interface WatchFolderOptions {
  readonly dir: string;
  /** Poll period, ms. */
  readonly intervalMs: number;
  /** Takes one imported record (throws a coded error to fail the file). */
  /** Stores the record; returns its (opaque) record id. */
  readonly ingest: (record: EcgRecord) => string;
  readonly log: Logger;
}

/** Files a cart writes next to a WFDB header; they move with it and are never imported alone. */
const WFDB_DATA = /\.(dat|atr|qrs|ann|ecg)$/i;

/**
 * Imports ECG files a cart exports into a folder, each once: a file is taken when its size is the
 * same on two polls in a row (the cart finished writing), then moved to `done/`, or to `failed/`
 * with a `<name>.error.txt` holding the TM_ERR_* code. Polling rather than fs.watch: network shares
 * and some carts' USB exports do not deliver change events. One file at a time (bounded work).
 */
export class WatchFolder {
  private timer: NodeJS.Timeout | null = null;
  private readonly seenSize = new Map<string, number>();
  private running = false;
  private stopped = false;
  imported = 0;
  failed = 0;

  constructor(private readonly o: WatchFolderOptions) {}

  async start(): Promise<void> {
    await mkdir(join(this.o.dir, 'done'), { recursive: true });
    await mkdir(join(this.o.dir, 'failed'), { recursive: true });
    this.timer = setInterval(() => void this.poll(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One scan; exported for tests. Overlapping polls are skipped. */
  async poll(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      const names = (await readdir(this.o.dir, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => d.name);
      for (const name of names) {
        if (this.stopped) break;
        if (WFDB_DATA.test(name)) continue;
        const size = (await stat(join(this.o.dir, name))).size;
        const before = this.seenSize.get(name);
        this.seenSize.set(name, size);
        if (before !== size) continue;
        this.seenSize.delete(name);
        await this.importOne(name, names);
      }
    } catch (err) {
      this.o.log.error({ err, dir: this.o.dir }, 'ECG watch folder scan failed');
    } finally {
      this.running = false;
    }
  }

  private async importOne(name: string, all: readonly string[]): Promise<void> {
    const path = join(this.o.dir, name);
    const companions = /\.hea$/i.test(name) ? all.filter((n) => n !== name && n.startsWith(`${name.slice(0, -4)}.`)) : [];
    let failure: { code: string; message: string } | null = null;
    let recordId = '';
    try {
      // Read on a thread of its own (import-thread.ts): a dropped file is untrusted, and a large or
      // hostile one must not stall the gateway's event loop.
      const record = await readEcgOnThread({ kind: 'file', path });
      recordId = this.o.ingest(record);
    } catch (err) {
      if (!isTelemedError(err)) this.o.log.error({ errName: (err as Error).name }, 'ECG import failed unexpectedly');
      failure = isTelemedError(err) ? { code: err.code, message: err.message } : { code: 'TM_ERR_INTERNAL', message: 'import failed' };
    }
    const to = join(this.o.dir, failure === null ? 'done' : 'failed');
    for (const n of [name, ...companions]) await rename(join(this.o.dir, n), join(to, basename(n)));
    if (failure === null) {
      this.imported += 1;
      // Never the file name: it may be the patient's (issue 12 item 10).
      this.o.log.info({ recordId }, 'ECG file imported');
    } else {
      this.failed += 1;
      await writeFile(join(to, `${name}.error.txt`), `${failure.code}\n${failure.message}\n`);
      this.o.log.info({ code: failure.code }, 'ECG file refused (see the .error.txt in failed/)');
    }
  }
}
