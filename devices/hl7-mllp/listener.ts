// The MLLP listener: TCP sockets -> MllpDeframer -> a handler per message -> ACK bytes back on the
// same connection, in order. Hardened for a shared ambulance LAN:
//   - binds 127.0.0.1 unless told otherwise; optional allow-list of peer addresses;
//   - caps: connections in total and per peer address (extra sockets are closed at once), bytes per
//     MLLP block (the deframer drops an over-long block and resynchronises), an idle timeout;
//   - a peer that does not read its ACKs is paused (no unbounded write buffer);
//   - garbage, bad blocks and handler failures are counted by code; the connection and every other
//     sender keep working.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { DEFAULT_MLLP_MAX_FRAME_BYTES, MllpDeframer, mllpEncode } from '../../protocols/hl7v2/index.js';
import { Hl7DeviceError, Hl7DeviceErrorCode } from './errors.js';

export interface MllpListenerOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Peer IP addresses allowed to connect (as the socket reports them, e.g. "127.0.0.1"); empty: any. */
  readonly allowAddresses?: readonly string[];
  readonly maxConnections?: number;
  readonly maxConnectionsPerAddress?: number;
  readonly maxFrameBytes?: number;
  /** Close a connection that sent no byte for this long, ms. 0: never. */
  readonly idleTimeoutMs?: number;
  /** Pause reading from a peer whose unread ACKs exceed this, bytes. */
  readonly maxUnreadAckBytes?: number;
}

/** What the handler returns for one message: the ACK bytes (already encoded) or nothing. */
export type MllpHandler = (payload: Uint8Array, peer: { address: string }) => Uint8Array | undefined;

export interface MllpListenerStats {
  connectionsAccepted: number;
  connectionsRefused: Record<string, number>;
  open: number;
  frames: number;
  acksSent: number;
  /** Framing problems by TM_ERR_MLLP_* code, plus handler failures. */
  errors: Record<string, number>;
  droppedBytes: number;
}

export const MLLP_DEFAULTS = {
  maxConnections: 32,
  maxConnectionsPerAddress: 8,
  idleTimeoutMs: 300_000,
  maxUnreadAckBytes: 1_048_576,
} as const;

export class MllpListener {
  readonly stats: MllpListenerStats = { connectionsAccepted: 0, connectionsRefused: {}, open: 0, frames: 0, acksSent: 0, errors: {}, droppedBytes: 0 };
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly o: MllpListenerOptions, private readonly handler: MllpHandler) {}

  /** Listens; resolves with the bound port. Throws TM_ERR_MLLP_LISTEN. */
  async listen(): Promise<number> {
    const server = createServer({ noDelay: true }, (s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Hl7DeviceError(Hl7DeviceErrorCode.LISTEN, `cannot listen on ${this.o.host ?? '127.0.0.1'}:${this.o.port}: ${err.message}`, { cause: err })));
      server.listen(this.o.port, this.o.host ?? '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    return (server.address() as AddressInfo).port;
  }

  get port(): number | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private refuse(s: Socket, code: string): void {
    this.stats.connectionsRefused[code] = (this.stats.connectionsRefused[code] ?? 0) + 1;
    s.destroy();
  }

  private accept(s: Socket): void {
    const address = s.remoteAddress ?? '';
    const allow = this.o.allowAddresses ?? [];
    if (allow.length > 0 && !allow.includes(address) && !allow.includes(address.replace(/^::ffff:/, ''))) return this.refuse(s, Hl7DeviceErrorCode.ADDRESS_NOT_ALLOWED);
    const mine = this.perAddress.get(address) ?? 0;
    if (this.sockets.size >= (this.o.maxConnections ?? MLLP_DEFAULTS.maxConnections) || mine >= (this.o.maxConnectionsPerAddress ?? MLLP_DEFAULTS.maxConnectionsPerAddress)) {
      return this.refuse(s, Hl7DeviceErrorCode.CONNECTION_LIMIT);
    }
    this.sockets.add(s);
    this.perAddress.set(address, mine + 1);
    this.stats.connectionsAccepted++;
    this.stats.open = this.sockets.size;
    const deframer = new MllpDeframer(this.o.maxFrameBytes ?? DEFAULT_MLLP_MAX_FRAME_BYTES);
    const idle = this.o.idleTimeoutMs ?? MLLP_DEFAULTS.idleTimeoutMs;
    if (idle > 0) {
      s.setTimeout(idle, () => {
        this.count(Hl7DeviceErrorCode.IDLE_TIMEOUT);
        s.destroy();
      });
    }
    const peer = { address };
    const maxUnread = this.o.maxUnreadAckBytes ?? MLLP_DEFAULTS.maxUnreadAckBytes;
    s.on('data', (chunk: Buffer) => {
      for (const ev of deframer.push(chunk)) {
        if (ev.kind === 'error') {
          this.count(ev.code);
          this.stats.droppedBytes += ev.bytes;
          continue;
        }
        this.stats.frames++;
        let ack: Uint8Array | undefined;
        try {
          ack = this.handler(ev.payload, peer);
        } catch {
          // A bug in the handler must not take the listener down with it; the sender times out and retransmits.
          this.count(Hl7DeviceErrorCode.HANDLER);
          continue;
        }
        if (ack === undefined || s.destroyed) continue;
        this.stats.acksSent++;
        s.write(mllpEncode(ack));
        if (s.writableLength > maxUnread && !s.isPaused()) {
          // The peer is not reading its ACKs: stop reading its messages until it does.
          s.pause();
          s.once('drain', () => s.resume());
        }
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      this.sockets.delete(s);
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, n);
      this.stats.open = this.sockets.size;
    });
  }

  private count(code: string): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
  }
}
