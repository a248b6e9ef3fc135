import type { Pacer } from './pacer.js';

const NS_PER_MS = 1e6;
/** Step of the modelled link, ms. */
export const DT = 0.5;

export interface LinkModel {
  /** Bottleneck rate at time t, bytes/ms (0: outage, nothing delivered, no acks). */
  readonly rate: (t: number) => number;
  /** One-way delay each way, ms. */
  readonly delayMs: number;
  /** Bytes that become ready to send in the step starting at t (Infinity: saturated backlog). */
  readonly offered: (t: number) => number;
  /** Extra delay before the sender handles ack number i (its event loop late); acks stay in order. */
  readonly ackLagMs?: (i: number) => number;
  /**
   * How far the receiver's byte count lags at the ack stamped t, ms: bytes that arrived after
   * t − lag are not counted yet (its event loop or the cell's delivery late, then a catch-up
   * burst). Rate samples over short spans then come out above the link rate.
   */
  readonly recvLagMs?: (t: number) => number;
  /**
   * Extra one-way delay of the frame that leaves the bottleneck at t, ms (a cell's jitter); as in
   * simulators/link a later frame never overtakes an earlier one.
   */
  readonly jitterMs?: (t: number) => number;
  /**
   * A stall at t (simulators/link `stall`, both directions): nothing is delivered and no ack comes
   * back while it lasts, the bottleneck keeps serialising; then everything due arrives in a burst.
   */
  readonly stalled?: (t: number) => boolean;
  /** The sender's event loop runs every this many ms (default every step): a late loop; a function of t for one that changes. */
  readonly sendEveryMs?: number | ((t: number) => number);
  readonly endMs: number;
}

/**
 * A bottleneck of `rate` bytes/ms with an unbounded FIFO queue (a held TCP connection loses
 * nothing) and a one-way delay each way. The receiver acks every 10 ms of its clock with
 * bytes_received and receive time; the sender writes ≤ 1000 B frames whenever the pacer allows and
 * marks itself app-limited when it has nothing ready, as gateway/uplink/flow.ts does.
 */
export function runLink(p: Pacer, m: LinkModel, onStep?: (t: number, received: number, offeredSoFar: number, queuedBytes: number) => void): void {
  const queue: number[] = [];
  let served = 0;
  const arrivals: { t: number; bytes: number }[] = [];
  /** (time, cumulative bytes) of every arrival, for the lagging receiver count. */
  const history: { t: number; d: number }[] = [];
  const acks: { t: number; d: number; recv: number }[] = [];
  let ready = 0;
  let offeredSoFar = 0;
  let received = 0;
  let ackedSent = 0;
  let lastAckAt = -Infinity;
  let lastAckArrival = 0;
  let ackCount = 0;
  let lastDue = 0;
  /** When the newest byte arrived: the receiver stamps the read that brought it (hospital/uplink/session.ts). */
  let lastArrivalAt = 0;
  for (let t = 0; t < m.endMs; t += DT) {
    const stall = m.stalled?.(t) ?? false;
    const add = m.offered(t);
    ready = add === Infinity ? Infinity : ready + add;
    offeredSoFar += add === Infinity ? 0 : add;
    while (!stall && acks[0] && acks[0].t <= t) {
      const a = acks.shift();
      if (a) p.onAck({ bytesReceived: a.d, receiveTimeNs: a.recv * NS_PER_MS, ackSendTimeNs: a.recv * NS_PER_MS }, t);
    }
    p.tick(t);
    const every = typeof m.sendEveryMs === 'function' ? m.sendEveryMs(t) : m.sendEveryMs ?? DT;
    while (ready > 0 && t % every === 0) {
      const frame = Math.min(1000, ready);
      if (!p.canSend(frame, t)) break;
      p.onSent(frame, t);
      queue.push(frame);
      ready -= frame;
    }
    if (ready === 0) p.markAppLimited();
    let budget = m.rate(t) * DT;
    while (budget > 0 && queue.length > 0) {
      const head = queue[0] ?? 0;
      const take = Math.min(head - served, budget);
      served += take;
      budget -= take;
      if (served >= head) {
        lastDue = Math.max(lastDue, t + m.delayMs + (m.jitterMs?.(t) ?? 0));
        arrivals.push({ t: lastDue, bytes: head });
        queue.shift();
        served = 0;
      }
    }
    while (!stall && arrivals[0] && arrivals[0].t <= t) {
      received += arrivals.shift()?.bytes ?? 0;
      lastArrivalAt = t;
      if (m.recvLagMs) history.push({ t, d: received });
    }
    // What the receiver has counted by now: everything, or what arrived until t − lag.
    let counted = received;
    if (m.recvLagMs) {
      const upTo = t - m.recvLagMs(t);
      while (history.length > 1 && (history[1]?.t ?? Infinity) <= t - 100) history.shift();
      counted = 0;
      for (const h of history) if (h.t <= upTo) counted = h.d;
      counted = Math.max(counted, ackedSent);
    }
    if (t - lastAckAt >= 10 && counted > ackedSent) {
      lastAckAt = t;
      ackedSent = counted;
      lastAckArrival = Math.max(lastAckArrival, t + m.delayMs + (m.ackLagMs?.(ackCount++) ?? 0));
      // A lagging receiver reads (and stamps) late; an on-time one stamps the arrival it counted.
      acks.push({ t: lastAckArrival, d: counted, recv: m.recvLagMs ? t : lastArrivalAt });
    }
    onStep?.(t, received, offeredSoFar, queue.reduce((a, b) => a + b, 0) - served);
  }
}
