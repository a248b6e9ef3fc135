import {
  CLASS_DEFAULTS, className, encodeEnvelope, type ClassName, type Clock, type EnvelopeInit, type telemed,
} from '../../protocols/index.js';
import { ClassScheduler, FifoScheduler, Pacer, type AckFeedback, type DropReason, type FrameScheduler, type SchedItem } from '../../protocols/transport/index.js';

/** One frame on its way to a gateway. */
export interface DownFrame extends SchedItem {
  readonly seq: number;
  readonly bytes: Uint8Array;
  /** The envelope of a frame built here: re-encoded at the write so send_time_ns is the write time. */
  readonly env?: EnvelopeInit & { header: telemed.v1.IHeader };
}

/** The socket as the downlink sees it (ws.WebSocket fits). */
export interface DownSocket {
  readonly bufferedAmount: number;
  send(bytes: Uint8Array, cb?: (err?: Error) => void): void;
}

export interface DownlinkOptions {
  readonly socket: DownSocket;
  readonly clock: Clock;
  readonly maxFrameBytes: number;
  /**
   * Bound on durable bytes held for this gateway (queued + sent but not yet acked). Policy when
   * full: the new frame is refused (`backpressure` to the caller), nothing held is dropped.
   */
  readonly maxHeldBytes: number;
  /** Bound of each realtime class queue, frames (drop oldest; CONTROL latest-wins per stream). */
  readonly maxQueuedFrames: number;
  readonly onDrop?: (frame: DownFrame, reason: DropReason) => void;
  /**
   * `scheduled` (default): class scheduler and pacer. `fifo`: the baseline of issue 3 (one queue for
   * every class, unpaced, written while the socket holds at most `maxHeldBytes`), what a generic
   * broker does; bench:uplink runs the hub this way opposite a FIFO gateway.
   */
  readonly mode?: 'scheduled' | 'fifo';
}

export type DownlinkSendResult = 'sent' | 'backpressure';

/** Socket-buffer bound, bytes: what sits there is out of the scheduler's hands. */
const SOCKET_BOUND_BYTES = 16 * 1024;

/**
 * The hub's side of one gateway session (DESIGN.md §3, "the same holds on the hub's downlink"):
 * frames go through the per-class scheduler and the BBR-style pacer fed by the gateway's acks, so
 * an arm command (CONTROL, realtime) never waits behind a queue of diagnoses. Durable frames
 * (diagnoses) are held until the gateway acks them (cumulative per stream).
 */
export class Downlink {
  readonly pacer = new Pacer();
  readonly scheduler: FrameScheduler<DownFrame>;
  private readonly unacked = new Map<string, DownFrame[]>();
  private heldBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  private readonly fifo: boolean;

  constructor(private readonly o: DownlinkOptions) {
    this.fifo = o.mode === 'fifo';
    const onDrop = o.onDrop ? { onDrop: o.onDrop } : {};
    this.scheduler = this.fifo
      ? new FifoScheduler<DownFrame>({ maxRealtimeFrames: o.maxQueuedFrames * 6, ...onDrop })
      : new ClassScheduler<DownFrame>({ maxQueuedFrames: () => o.maxQueuedFrames, ...onDrop });
  }

  /** Durable bytes queued or awaiting the gateway's ack. */
  get held(): number {
    return this.heldBytes;
  }

  /** Queues one frame (header already carries the gateway id). */
  send(env: EnvelopeInit & { header: telemed.v1.IHeader }): DownlinkSendResult {
    const h = env.header;
    const cls = className(h.trafficClass ?? 0);
    const name: ClassName = cls === 'unspecified' ? 'bulk' : cls;
    const bytes = encodeEnvelope({ ...env, header: { ...h, sendTimeNs: this.o.clock.nowNs() } }, this.o.maxFrameBytes);
    // Realtime frames are stamped again when written (the size barely changes; durable ones go as stored).
    const durable = h.durable === true;
    if (durable && this.heldBytes + bytes.length > this.o.maxHeldBytes) return 'backpressure';
    const budget = h.budgetMs ?? 0;
    const frame: DownFrame = {
      streamId: h.streamId ?? '', className: name, durable, seq: Number(h.seq ?? 0), bytes, size: bytes.length,
      ...(durable ? {} : { env }),
      deadlineMs: this.o.clock.monoMs() + (budget > 0 ? budget : CLASS_DEFAULTS[name].budgetMs),
    };
    this.enqueue(frame);
    return 'sent';
  }

  /**
   * Queues a durable frame from the hub's downlink outbox (already numbered, encoded and on disk;
   * its cap was checked there, so none here). A frame at or below what this session already holds
   * for its stream is skipped: it is on its way.
   */
  sendStored(f: { readonly streamId: string; readonly seq: number; readonly trafficClass: number; readonly env: Uint8Array }): void {
    const last = this.unacked.get(f.streamId)?.at(-1)?.seq ?? 0;
    if (f.seq <= last) return;
    const cls = className(f.trafficClass);
    const name: ClassName = cls === 'unspecified' ? 'bulk' : cls;
    this.enqueue({
      streamId: f.streamId, className: name, durable: true, seq: f.seq, bytes: f.env, size: f.env.length,
      deadlineMs: this.o.clock.monoMs() + CLASS_DEFAULTS[name].budgetMs,
    });
  }

  private enqueue(frame: DownFrame): void {
    this.scheduler.enqueue(frame);
    if (frame.durable) {
      this.heldBytes += frame.size;
      const list = this.unacked.get(frame.streamId) ?? [];
      list.push(frame);
      this.unacked.set(frame.streamId, list);
    }
    this.pump();
  }

  /** Counts a session frame (HelloAck, Ping, Pong, Ack) written outside the scheduler. */
  onSessionBytes(n: number): void {
    this.pacer.onSent(n, this.o.clock.monoMs());
  }

  /** A gateway Ack: delivery feedback for the pacer, and durable frames it now holds are released. */
  onAck(ack: telemed.v1.IAck, ackSendTimeNs: number): void {
    const fb: AckFeedback = { bytesReceived: Number(ack.bytesReceived ?? 0), receiveTimeNs: Number(ack.receiveTimeNs ?? 0), ackSendTimeNs };
    this.pacer.onAck(fb, this.o.clock.monoMs());
    for (const s of ack.streams ?? []) {
      const list = this.unacked.get(s.streamId ?? '');
      if (!list) continue;
      const upTo = Number(s.seq ?? 0);
      while (list.length > 0 && (list[0]?.seq ?? Infinity) <= upTo) this.heldBytes -= list.shift()?.size ?? 0;
      if (list.length === 0) this.unacked.delete(s.streamId ?? '');
    }
    this.pump();
  }

  /** Writes what pacing allows; arms a timer for the rest. */
  pump(): void {
    if (this.closed) return;
    const bound = this.fifo ? this.o.maxHeldBytes : SOCKET_BOUND_BYTES;
    while (this.o.socket.bufferedAmount <= bound) {
      const now = this.o.clock.monoMs();
      if (this.fifo) {
        const f = this.scheduler.next(now);
        if (!f) return;
        this.o.socket.send(this.wire(f), () => this.pump());
        continue;
      }
      const rtt = this.pacer.estimator.minRttMs;
      const f = this.scheduler.next(now, {
        transitMs: Number.isFinite(rtt) ? rtt / 2 : 0,
        admit: (x) => this.pacer.canSend(x.size, now, x.className === 'control'),
      });
      if (!f) {
        if (this.scheduler.queuedFrames > 0) this.hold(now);
        else this.pacer.markAppLimited();
        return;
      }
      this.pacer.onSent(f.size, now);
      this.o.socket.send(this.wire(f), () => this.pump());
    }
  }

  /**
   * The bytes to write: a realtime frame with send_time_ns of now (capture → send is then the time
   * it waited here, send → receipt the link's), a durable one as encoded.
   */
  private wire(f: DownFrame): Uint8Array {
    if (f.env === undefined) return f.bytes;
    return encodeEnvelope({ ...f.env, header: { ...f.env.header, sendTimeNs: this.o.clock.nowNs() } }, this.o.maxFrameBytes);
  }

  /** Session over: stop, and hand back durable frames the gateway never acked (oldest first). */
  close(): DownFrame[] {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.scheduler.clear('link_down');
    const out = [...this.unacked.values()].flat();
    this.unacked.clear();
    this.heldBytes = 0;
    return out;
  }

  private hold(now: number): void {
    if (this.timer !== null) return;
    this.pacer.tick(now);
    const at = this.pacer.nextSendMs(now) ?? now + 50;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(1, Math.ceil(at - now)));
    this.timer.unref();
  }
}
