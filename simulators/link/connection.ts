import net from 'node:net';
import type { Logger } from 'pino';
import type { Bottleneck } from './bottleneck.js';
import { Pipe, type PipeConfig } from './pipe.js';
import type { Rng } from './prng.js';
import type { Scheduler } from './scheduler.js';
import type { DirStats } from './stats.js';

/** Everything one proxied connection needs from its emulator. */
export interface ConnectionDeps {
  readonly targetHost: string;
  readonly targetPort: number;
  readonly up: PipeConfig;
  readonly down: PipeConfig;
  /** The emulator's one bottleneck per direction, shared by all its connections. */
  readonly upBottleneck: Bottleneck;
  readonly downBottleneck: Bottleneck;
  readonly upStats: DirStats;
  readonly downStats: DirStats;
  readonly upRng: Rng;
  readonly downRng: Rng;
  readonly sched: Scheduler;
  readonly logger: Logger;
  readonly onClosed: (c: Connection) => void;
}

/** A client socket, its socket to the target, and the two pipes between them (through the shared bottlenecks). */
export class Connection {
  readonly target: net.Socket;
  readonly up: Pipe;
  readonly down: Pipe;
  private closedCount = 0;
  private done = false;

  constructor(
    readonly client: net.Socket,
    private readonly deps: ConnectionDeps,
  ) {
    client.setNoDelay(true);
    // allowHalfOpen: a FIN travels through the pipe like data instead of closing both ways at once.
    this.target = net.connect({ host: deps.targetHost, port: deps.targetPort, allowHalfOpen: true, noDelay: true });
    this.up = new Pipe(client, this.target, deps.up, deps.sched, deps.upRng, deps.upStats, deps.upBottleneck);
    this.down = new Pipe(this.target, client, deps.down, deps.sched, deps.downRng, deps.downStats, deps.downBottleneck);
    this.watch(client, 'client', this.down);
    this.watch(this.target, 'target', this.up);
  }

  private watch(sock: net.Socket, side: 'client' | 'target', inbound: Pipe): void {
    let readEnded = false;
    sock.on('end', () => {
      readEnded = true;
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      // A peer going away is normal for a proxy; it is not our fault, so info, not error.
      this.deps.logger.info({ side, code: err.code }, 'link socket error; closing connection');
      this.reset();
    });
    sock.on('close', () => {
      // Nothing can be written into a closed socket any more.
      inbound.destroy();
      // Closed without its FIN having come through: an abort, so abort the other side too.
      if (!readEnded) this.reset();
      if (++this.closedCount === 2) this.finish();
    });
  }

  /** Forced disconnect: both sockets reset at once, held bytes dropped. */
  reset(): void {
    this.up.destroy();
    this.down.destroy();
    for (const s of [this.client, this.target]) {
      if (s.destroyed) continue;
      // RST, not FIN: the peer must see an abrupt loss, as after a cell drops the bearer.
      // A socket still connecting has nothing to reset; resetAndDestroy would wait for connect.
      if (s.connecting) s.destroy();
      else s.resetAndDestroy();
    }
  }

  /** Outage on/off for both directions. */
  setFrozen(frozen: boolean): void {
    this.up.setFrozen(frozen);
    this.down.setFrozen(frozen);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.deps.onClosed(this);
  }
}
