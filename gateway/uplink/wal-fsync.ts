// The outbox's WAL fsync off the event loop (SqliteOutbox.setDownlinkHighSynced), split from
// sqlite-outbox.ts: a commit made under `synchronous = NORMAL` is written to the WAL but not
// waited for; this fsyncs the WAL file on libuv's thread pool, in commit order.
import { closeSync, fsync, openSync } from 'node:fs';
import { GatewayError, GatewayErrorCode } from '../errors.js';

export class WalFsync {
  private fd: number | undefined;
  /** fsyncs in flight; the descriptor is closed when the last one is done after close(). */
  private syncing = 0;
  private closed = false;
  /** Settles after every earlier fsync: writes are reported on disk in commit order. */
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly walPath: string) {}

  /** A promise for the WAL fsync that covers what was just committed, settled after every earlier one. */
  synced(): Promise<void> {
    const fsynced = this.fsyncWal();
    fsynced.catch(() => undefined); // handled through inOrder (it may reject before its turn comes)
    const inOrder = this.tail.then(() => fsynced);
    this.tail = inOrder.catch(() => undefined);
    return inOrder;
  }

  /** Closes the descriptor now, or once the fsyncs in flight are done. */
  close(): void {
    this.closed = true;
    if (this.syncing === 0) this.closeFd();
  }

  /** fsync of the WAL file on the thread pool (any descriptor of the file flushes all its pages). */
  private fsyncWal(): Promise<void> {
    try {
      this.fd ??= openSync(this.walPath, 'r');
    } catch (err) {
      return Promise.reject(new GatewayError(GatewayErrorCode.OUTBOX_STORE, `cannot open the outbox WAL: ${(err as Error).message}`, { cause: err }));
    }
    const fd = this.fd;
    this.syncing += 1;
    return new Promise<void>((resolve, reject) => {
      fsync(fd, (err) => {
        this.syncing -= 1;
        if (this.closed && this.syncing === 0) this.closeFd();
        if (err) reject(new GatewayError(GatewayErrorCode.OUTBOX_STORE, `outbox WAL fsync failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
