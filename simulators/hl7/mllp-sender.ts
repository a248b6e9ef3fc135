// Original-mode HL7 sender over MLLP (HL7 v2.6 §2.9.2, Appendix C): one message in flight, the
// next only after its ACK. No ACK within `ackTimeoutMs` or an AE: the same bytes (same control id)
// again, up to `maxAttempts`; AR: dropped and counted (the receiver will never take it). A broken
// connection is reopened with backoff and the message in flight re-sent. Alarms go ahead of
// queued numerics. The receiver's duplicate memory makes the re-sends harmless.
import { connect, type Socket } from 'node:net';
import { MllpDeframer, mllpEncode } from '../../protocols/hl7v2/index.js';

export interface MllpSenderOptions {
  readonly host: string;
  readonly port: number;
  /** Default 2000 ms. */
  readonly ackTimeoutMs?: number;
  /** Sends of one message before it is dropped. Default 5. */
  readonly maxAttempts?: number;
  /** Queued messages kept; past it the oldest numerics are dropped (never alarms). Default 3600. */
  readonly maxQueue?: number;
  readonly reconnect?: { readonly initialMs: number; readonly maxMs: number };
}

export interface MllpSenderStats {
  sent: number;
  acks: { AA: number; AE: number; AR: number };
  retransmits: number;
  timeouts: number;
  /** Dropped: AR, too many attempts, or queue overflow. */
  dropped: number;
  connects: number;
}

interface Outgoing {
  readonly controlId: string;
  readonly bytes: Uint8Array;
  readonly alarm: boolean;
  attempts: number;
}

export class MllpSender {
  readonly stats: MllpSenderStats = { sent: 0, acks: { AA: 0, AE: 0, AR: 0 }, retransmits: 0, timeouts: 0, dropped: 0, connects: 0 };
  private readonly queue: Outgoing[] = [];
  private socket: Socket | null = null;
  private connecting = false;
  private inFlight: Outgoing | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;

  constructor(private readonly o: MllpSenderOptions) {}

  /** Queues one message; its control id is read from MSH-10. */
  enqueue(message: string, alarm = false): void {
    const controlId = message.split('\r')[0]!.split('|')[9] ?? '';
    const item: Outgoing = { controlId, bytes: new TextEncoder().encode(message), alarm, attempts: 0 };
    if (alarm) {
      const at = this.queue.findIndex((q) => !q.alarm);
      if (at < 0) this.queue.push(item); else this.queue.splice(at, 0, item);
    } else {
      this.queue.push(item);
    }
    const max = this.o.maxQueue ?? 3600;
    while (this.queue.length > max) {
      const i = this.queue.findIndex((q) => !q.alarm);
      if (i < 0) break;
      this.queue.splice(i, 1);
      this.stats.dropped++;
    }
    this.pump();
  }

  get pending(): number {
    return this.queue.length + (this.inFlight ? 1 : 0);
  }

  /** Drops the connection (a monitor reboot); the message in flight is sent again on the next one. */
  reconnect(): void {
    this.socket?.destroy();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
    this.socket = null;
  }

  private pump(): void {
    if (this.stopped || this.inFlight || this.connecting) return;
    if (!this.socket) return this.open();
    const next = this.queue.shift();
    if (!next) return;
    this.inFlight = next;
    this.transmit();
  }

  private transmit(): void {
    const m = this.inFlight;
    const s = this.socket;
    if (!m || !s) return;
    if (m.attempts > 0) this.stats.retransmits++;
    m.attempts++;
    this.stats.sent++;
    s.write(mllpEncode(m.bytes));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stats.timeouts++;
      this.retryOrDrop();
    }, this.o.ackTimeoutMs ?? 2000);
  }

  private retryOrDrop(): void {
    const m = this.inFlight;
    if (!m) return;
    if (m.attempts >= (this.o.maxAttempts ?? 5)) {
      this.stats.dropped++;
      this.inFlight = null;
      this.pump();
      return;
    }
    this.transmit();
  }

  private open(): void {
    this.connecting = true;
    const s = connect({ host: this.o.host, port: this.o.port, noDelay: true });
    const deframer = new MllpDeframer(65_536);
    s.on('connect', () => {
      this.connecting = false;
      this.failures = 0;
      this.socket = s;
      this.stats.connects++;
      if (this.inFlight) this.transmit(); else this.pump();
    });
    s.on('data', (b: Buffer) => {
      for (const ev of deframer.push(b)) if (ev.kind === 'frame') this.onAck(Buffer.from(ev.payload).toString('latin1'));
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      this.connecting = false;
      if (this.socket === s) this.socket = null;
      if (this.timer) clearTimeout(this.timer);
      if (this.stopped) return;
      const cfg = this.o.reconnect ?? { initialMs: 250, maxMs: 5000 };
      const delay = Math.min(cfg.maxMs, cfg.initialMs * 2 ** Math.min(this.failures++, 20));
      this.retryTimer = setTimeout(() => this.pump(), delay);
    });
  }

  private onAck(text: string): void {
    const msa = text.split(/\r|\n/).find((l) => l.startsWith('MSA'));
    if (!msa) return;
    const [, code, control] = msa.split('|');
    const m = this.inFlight;
    if (!m || control !== m.controlId) return; // an ACK of an earlier send: already settled
    if (this.timer) clearTimeout(this.timer);
    if (code === 'AA' || code === 'CA') {
      this.stats.acks.AA++;
      this.inFlight = null;
      this.pump();
    } else if (code === 'AE' || code === 'CE') {
      this.stats.acks.AE++;
      this.retryOrDrop();
    } else {
      this.stats.acks.AR++;
      this.stats.dropped++;
      this.inFlight = null;
      this.pump();
    }
  }
}
