import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the checkpoint thread copies committed WAL frames into the database file, ms. */
export const WAL_CHECKPOINT_INTERVAL_MS = 250;

/**
 * The thread's code (CommonJS, run with `eval`): its own connection to the same file, a PASSIVE
 * checkpoint on a timer. PASSIVE never waits for the writer and never blocks it; SQLite's WAL
 * locks keep it safe next to the main connection's transactions, and it changes nothing a reader
 * or a crash could see (committed frames are copied, the WAL stays the source of truth until the
 * writer restarts it).
 */
const THREAD_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('cache_size = -256');
const ckpt = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const tick = () => { try { ckpt.run(); } catch { /* busy or gone: the next tick tries again */ } };
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'close') { clearInterval(timer); try { db.close(); } catch { /* closing anyway */ } parentPort.close(); } });
`;

/**
 * Runs the outbox's WAL checkpoints on a thread of their own. With SQLite's automatic checkpoint
 * (every 1000 WAL pages) the commit that crosses the mark copies ~4 MB into the database and
 * fsyncs it on the event loop, inside whichever call committed: a group commit, an ack's delete,
 * a downlink mark. Here the main connection has `wal_autocheckpoint = 0` and this thread does
 * the copying and the database fsync, so the loop only ever pays for its own WAL appends.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private closed = false;

  /** `onFailure` runs once if the thread cannot run (the caller turns automatic checkpoints back on). */
  constructor(file: string, onFailure: (err: Error) => void, intervalMs = WAL_CHECKPOINT_INTERVAL_MS) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { file, module, intervalMs } });
    this.worker.unref();
    this.worker.once('error', (err) => {
      if (!this.closed) onFailure(err);
    });
  }

  /** Stops the thread (asynchronously; the main connection can be closed right after). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.postMessage('close');
  }
}
