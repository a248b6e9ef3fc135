import { RateEstimator, type AckFeedback, type RateEstimatorOptions } from './rate-estimator.js';

/**
 * Pacer states (one field, one transition function `step`):
 * - `waiting`: no rate feedback yet; at most `initialCwndBytes` in flight.
 * - `startup`: feedback arrives; pace at `startupGain` × estimate to find the bottleneck fast.
 * - `drain`: startup overshot; pace at `drainGain` until in-flight is back to one BDP.
 * - `cruise`: pace at `cruiseGain` (< 1) × estimate so the bottleneck queue stays empty.
 * - `probe`: every `probeIntervalMs`, pace at `probeGain` (> 1) for one probe period to find freed
 *   capacity, then `drain`; if by the end of that drain the estimate grew by 10 % or more (the probe's
 *   samples arrive one RTT late), the cell has freed up: back to `startup` to find how much.
 * - `backoff`: RTT stayed well above the minimum for a whole RTT (a queue is building, the link
 *   slowed down): the estimate is reset to what is delivered now and sending slows until drained.
 * - `unpaced`: the peer sends no `bytes_received`; nothing to pace on, everything is admitted.
 */
export type PacerState = 'waiting' | 'startup' | 'drain' | 'cruise' | 'probe' | 'backoff' | 'unpaced';
type PacerEvent = 'feedback' | 'no-feedback' | 'plateau' | 'queue' | 'drained' | 'probe-due' | 'probe-done' | 'probe-grew';

const TRANSITIONS: Readonly<Record<PacerState, Partial<Record<PacerEvent, PacerState>>>> = {
  waiting: { feedback: 'startup', 'no-feedback': 'unpaced' },
  startup: { plateau: 'drain', queue: 'drain' },
  drain: { drained: 'cruise', 'probe-grew': 'startup' },
  cruise: { 'probe-due': 'probe', queue: 'backoff' },
  probe: { 'probe-done': 'drain' },
  backoff: { drained: 'cruise' },
  unpaced: {},
};

/** Pacer settings. Rates in bits/s, sizes in bytes, times in ms. */
export interface PacerOptions {
  /** Pacing rate before the first estimate, bits/s. Default 2_000_000. */
  readonly initialRateBps?: number;
  /** Bytes in flight allowed before the first feedback. Default 32 KiB. */
  readonly initialCwndBytes?: number;
  /** Smallest congestion window, bytes. Default 8 KiB. */
  readonly minCwndBytes?: number;
  /** cwnd = cwndGain × BDP + bandwidth × ackAggregationMs (BDP = bandwidth × min RTT); startupGain in startup and probe. Default 1.25. */
  readonly cwndGain?: number;
  /** Extra cwnd for the receiver's ack batching: bandwidth × this, ms (SESSION.md: acks ≤ 10 ms apart). Default 10. */
  readonly ackAggregationMs?: number;
  /**
   * cwnd is at least bandwidth × this, ms. Default 25: on a short-RTT link (loopback) acks come
   * ≥ 10 ms apart and late under load; a cwnd of ~11 ms of the estimate delivered less than the
   * estimate every ack round, so the estimate spiralled down to the 8 KiB floor (6 Mbit/s).
   */
  readonly minCwndMs?: number;
  /** Default 0.95. */
  readonly cruiseGain?: number;
  /** Default 1.25. */
  readonly probeGain?: number;
  /** Default 2. */
  readonly startupGain?: number;
  /** Used in drain and backoff. Default 0.75. */
  readonly drainGain?: number;
  /** Time in cruise between probes. Default 2000. */
  readonly probeIntervalMs?: number;
  /** RTT above `min × (1 + queueRttFactor) + queueRttSlackMs` for a whole RTT means a queue. Defaults 0.5, 10. */
  readonly queueRttFactor?: number;
  readonly queueRttSlackMs?: number;
  /** Extra bytes CONTROL may put in flight beyond cwnd (it is never held for cwnd below this). Default 4096. */
  readonly priorityHeadroomBytes?: number;
  /** Token-bucket depth in ms of the pacing rate (at least 2 KiB). Default 4: a JS timer fires ≥ 1 ms apart, later under load. */
  readonly burstMs?: number;
  /** With this long of no feedback while blocked, switch to `unpaced`. Default 1000. */
  readonly feedbackTimeoutMs?: number;
  readonly estimator?: RateEstimatorOptions;
}

const bpsToBpms = (bps: number): number => bps / 8000;

/**
 * BBR-style pacer (pure: `nowMs` is passed in, no timers). The sender asks `canSend` before each
 * frame, reports each write with `onSent` (every message, session frames too: the peer's
 * `bytes_received` counts them all), feeds acks to `onAck`, and waits until `nextSendMs` when
 * held. Bytes in the socket's own buffers are counted in flight, because `onSent` is called when
 * the message is handed to the socket, not when it leaves the machine.
 */
export class Pacer {
  readonly estimator: RateEstimator;
  private current: PacerState = 'waiting';
  private readonly o: Required<Omit<PacerOptions, 'estimator'>>;
  private tokens = 0;
  private lastRefillMs: number | undefined;
  private phaseStartMs = 0;
  private startupBest = 0;
  private startupRounds = 0;
  private roundStartMs = 0;
  private blockedSinceMs: number | undefined;
  private probeBaseBw = 0;

  constructor(opts: PacerOptions = {}) {
    this.o = {
      initialRateBps: opts.initialRateBps ?? 2_000_000,
      initialCwndBytes: opts.initialCwndBytes ?? 32 * 1024,
      minCwndBytes: opts.minCwndBytes ?? 8 * 1024,
      cwndGain: opts.cwndGain ?? 1.25,
      ackAggregationMs: opts.ackAggregationMs ?? 10,
      minCwndMs: opts.minCwndMs ?? 25,
      cruiseGain: opts.cruiseGain ?? 0.95,
      probeGain: opts.probeGain ?? 1.25,
      startupGain: opts.startupGain ?? 2,
      drainGain: opts.drainGain ?? 0.75,
      probeIntervalMs: opts.probeIntervalMs ?? 2000,
      queueRttFactor: opts.queueRttFactor ?? 0.5,
      queueRttSlackMs: opts.queueRttSlackMs ?? 10,
      priorityHeadroomBytes: opts.priorityHeadroomBytes ?? 4096,
      burstMs: opts.burstMs ?? 4,
      feedbackTimeoutMs: opts.feedbackTimeoutMs ?? 1000,
    };
    this.estimator = new RateEstimator(opts.estimator);
  }

  get state(): PacerState {
    return this.current;
  }

  /** Current pacing rate, bits/s (Infinity when unpaced). */
  get pacingRateBps(): number {
    return this.rateBpms() * 8000;
  }

  /** Current congestion window, bytes (Infinity when unpaced). */
  get cwndBytes(): number {
    if (this.current === 'unpaced') return Infinity;
    if (this.current === 'waiting' || this.estimator.btlBwBpms === 0 || !Number.isFinite(this.estimator.minRttMs)) return this.o.initialCwndBytes;
    // Startup and probe need room for their extra rate, or the probe would be cwnd-limited and learn nothing.
    const gain = this.current === 'startup' || this.current === 'probe' ? this.o.startupGain : this.o.cwndGain;
    const bw = this.estimator.btlBwBpms;
    return Math.max(this.o.minCwndBytes, bw * this.o.minCwndMs, gain * this.bdpBytes() + bw * this.o.ackAggregationMs);
  }

  /** Bandwidth-delay product, bytes (0 before estimates). */
  bdpBytes(): number {
    const rtt = this.estimator.minRttMs;
    return Number.isFinite(rtt) ? this.estimator.btlBwBpms * rtt : 0;
  }

  /** May a frame of `bytes` be written now? `priority` (CONTROL) may use the cwnd headroom and borrow tokens. */
  canSend(bytes: number, nowMs: number, priority = false): boolean {
    if (this.current === 'unpaced') return true;
    this.refill(nowMs);
    const inflight = this.estimator.inflight;
    const cwnd = this.cwndBytes + (priority ? this.o.priorityHeadroomBytes : 0);
    // A frame larger than what cwnd has left goes once the pipe is three-quarters drained, or a frame
    // bigger than the whole cwnd (a 40 kB video frame on a slow cell) would never go and would block
    // every class below it.
    if (inflight + bytes > cwnd && inflight > cwnd / 4) {
      this.blockedSinceMs ??= nowMs;
      if (nowMs - this.blockedSinceMs >= this.o.feedbackTimeoutMs && this.current === 'waiting') {
        this.step('no-feedback', nowMs);
        return true;
      }
      return false;
    }
    this.blockedSinceMs = undefined;
    return priority || this.tokens >= 0;
  }

  /** Records a message handed to the socket. */
  onSent(bytes: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= bytes;
    this.estimator.onSend(bytes, nowMs);
  }

  /** When a held frame may go, monotonic ms; undefined while cwnd-limited (wait for an ack). */
  nextSendMs(nowMs: number): number | undefined {
    if (this.current === 'unpaced') return nowMs;
    this.refill(nowMs);
    if (this.estimator.inflight > 0 && this.estimator.inflight >= this.cwndBytes) return undefined;
    return this.tokens >= 0 ? nowMs : nowMs + -this.tokens / this.rateBpms();
  }

  /** The sender had nothing to send (rate samples until now understate the link). */
  markAppLimited(): void {
    this.estimator.markAppLimited();
  }

  /** Feeds one ack. `bytesReceived` 0 means the peer does not report it. */
  onAck(fb: AckFeedback, nowMs: number): void {
    if (fb.bytesReceived <= 0) {
      if (this.current === 'waiting' && this.estimator.bytesSent > 0) this.step('no-feedback', nowMs);
      return;
    }
    this.blockedSinceMs = undefined;
    const sample = this.estimator.onAck(fb, nowMs);
    if (this.current === 'waiting') this.step('feedback', nowMs);
    if (sample.rateBpms !== undefined || sample.rttMs !== undefined) this.tick(nowMs);
  }

  /** Time-driven transitions (probe due, probe done, drained); also run from onAck. */
  tick(nowMs: number): void {
    const e = this.estimator;
    const rtt = Number.isFinite(e.minRttMs) ? e.minRttMs : 0;
    const period = Math.max(rtt * 1.5, 50);
    switch (this.current) {
      case 'startup': {
        if (this.queueBuilding(nowMs)) return this.step('queue', nowMs);
        if (nowMs - this.roundStartMs < Math.max(rtt, 20)) return;
        this.roundStartMs = nowMs;
        // BBR: three rounds without 25 % growth means the pipe is full.
        if (e.btlBwBpms >= this.startupBest * 1.25) {
          this.startupBest = e.btlBwBpms;
          this.startupRounds = 0;
        } else if (++this.startupRounds >= 3) this.step('plateau', nowMs);
        return;
      }
      case 'drain':
      case 'backoff': {
        if (e.inflight > this.bdpBytes() && nowMs - this.phaseStartMs < 4 * period) return;
        const grew = this.current === 'drain' && this.probeBaseBw > 0 && e.btlBwBpms >= this.probeBaseBw * 1.1;
        this.probeBaseBw = 0;
        return this.step(grew ? 'probe-grew' : 'drained', nowMs);
      }
      case 'cruise':
        if (this.queueBuilding(nowMs)) {
          const now = e.recentRate(nowMs, period);
          if (now > 0) e.resetBw(now, nowMs);
          return this.step('queue', nowMs);
        }
        if (nowMs - this.phaseStartMs >= this.o.probeIntervalMs) this.step('probe-due', nowMs);
        return;
      case 'probe':
        if (nowMs - this.phaseStartMs >= period) this.step('probe-done', nowMs);
        return;
      default:
        return;
    }
  }

  /** A queue is building when even the smallest RTT over the last RTT is well above the minimum. */
  private queueBuilding(nowMs: number): boolean {
    const e = this.estimator;
    if (!Number.isFinite(e.minRttMs)) return false;
    const window = Math.max(e.minRttMs, 20);
    const recent = e.recentRtt(nowMs, window);
    const threshold = e.minRttMs * (1 + this.o.queueRttFactor) + this.o.queueRttSlackMs;
    return recent.n >= 2 && recent.min > threshold && nowMs - this.phaseStartMs >= window;
  }

  private step(ev: PacerEvent, nowMs: number): void {
    const next = TRANSITIONS[this.current][ev];
    if (next === undefined) return;
    this.current = next;
    this.phaseStartMs = nowMs;
    this.roundStartMs = nowMs;
    if (next === 'probe') this.probeBaseBw = this.estimator.btlBwBpms;
    if (next === 'startup') {
      this.startupBest = this.estimator.btlBwBpms;
      this.startupRounds = 0;
    }
  }

  private gain(): number {
    switch (this.current) {
      case 'startup': return this.o.startupGain;
      case 'probe': return this.o.probeGain;
      case 'drain':
      case 'backoff': return this.o.drainGain;
      default: return this.o.cruiseGain;
    }
  }

  private rateBpms(): number {
    if (this.current === 'unpaced') return Infinity;
    const bw = this.estimator.btlBwBpms;
    if (this.current === 'waiting' || bw === 0) return bpsToBpms(this.o.initialRateBps) * (this.current === 'startup' ? this.o.startupGain : 1);
    return bw * this.gain();
  }

  private refill(nowMs: number): void {
    if (this.lastRefillMs === undefined) {
      this.lastRefillMs = nowMs;
      this.tokens = Math.max(2048, this.rateBpms() * this.o.burstMs);
      return;
    }
    const rate = this.rateBpms();
    const cap = Math.max(2048, rate * this.o.burstMs);
    const earned = this.tokens + Math.max(0, nowMs - this.lastRefillMs) * rate;
    // Tokens lost to a full bucket mean our own event loop came late: the link was not driven at
    // the pacing rate, so the delivery samples of this stretch understate it and must not lower it.
    if (earned > cap + rate && this.current !== 'waiting') this.estimator.markAppLimited();
    this.tokens = Math.min(cap, earned);
    this.lastRefillMs = nowMs;
  }
}
