import { AckAggregation } from './ack-aggregation.js';
import { CruiseTrim } from './cruise-trim.js';
import { RateEstimator, type AckFeedback } from './rate-estimator.js';
import { resolvePacerOptions, type PacerOptions, type ResolvedPacerOptions } from './pacer-options.js';

export type { PacerOptions } from './pacer-options.js';

/**
 * Pacer states (one field, one transition function `step`):
 * - `waiting`: no rate feedback yet; at most `initialCwndBytes` in flight.
 * - `startup`: feedback arrives; pace at `startupGain` × estimate to find the bottleneck fast.
 * - `drain`: startup overshot; pace at `drainGain` until in-flight is back to one BDP.
 * - `cruise`: pace at `cruiseGain` (< 1) × estimate so the bottleneck queue stays empty. The
 *   estimate is a max over delivery samples, and a receiver that counts late and then catches up
 *   inflates short samples (measured: 10.5–11 Mbit/s on a 10 Mbit/s cell), so cruise also trims
 *   its rate on the queue it sees (CruiseTrim: a ceiling and a cubic curve back to it and past).
 *   With a ceiling the curve is the probe: no `probe` phases (each put 15 ms of queue in front of
 *   CONTROL on a full cell), and an estimate grown to `probeGain` × ceiling means the cell freed
 *   up: back to `startup`.
 * - `probe`: every `probeIntervalMs` (sooner after a startup verdict our own late loop may have
 *   made, see `recheckSoon`), pace at `probeGain` (> 1) for one probe period to find freed
 *   capacity, then `drain`; if by the end of that drain the estimate grew by 10 % or more (the probe's
 *   samples arrive one RTT late), the cell has freed up: back to `startup` to find how much.
 * - `backoff`: the one-way delay to the peer stayed well above its minimum for a whole RTT (a
 *   queue is building, the link slowed down): the estimate is reset to what is delivered now, but
 *   at most halved per backoff, and sending slows until drained. Late acks on our side (a busy
 *   event loop) inflate the RTT, not the one-way delay, so they do not back off.
 * - `backlog` (event): the sender was app-limited (or its own loop too late to drive the pipe), so
 *   the estimate may only be the offered load (or the loop's pace);
 *   when it then stays held for a whole RTT, a backlog appeared: back to `startup` to find the link
 *   (from `startup` itself: a fresh startup, whose rounds measure the full pipe from then on).
 * - `unpaced`: the peer sends no `bytes_received`; nothing to pace on, everything is admitted.
 */
export type PacerState = 'waiting' | 'startup' | 'drain' | 'cruise' | 'probe' | 'backoff' | 'unpaced';
type PacerEvent = 'feedback' | 'no-feedback' | 'plateau' | 'queue' | 'drained' | 'probe-due' | 'probe-done' | 'probe-grew' | 'backlog';

const TRANSITIONS: Readonly<Record<PacerState, Partial<Record<PacerEvent, PacerState>>>> = {
  waiting: { feedback: 'startup', 'no-feedback': 'unpaced' },
  startup: { plateau: 'drain', queue: 'drain', backlog: 'startup' },
  drain: { drained: 'cruise', 'probe-grew': 'startup', backlog: 'startup' },
  cruise: { 'probe-due': 'probe', 'probe-grew': 'startup', queue: 'backoff', backlog: 'startup' },
  probe: { 'probe-done': 'drain', backlog: 'startup' },
  backoff: { drained: 'cruise' },
  unpaced: {},
};

const bpsToBpms = (bps: number): number => bps / 8000;
/** Most extra cwnd for measured ack aggregation, ms of the estimate (a longer stall is not aggregation). */
const MAX_AGGREGATION_MS = 100;
/**
 * No progress in the acks for this long (and at least two round trips) is a silence, ms: the link
 * delivered nothing (a stall, an outage). A queue of the sender's making never stops delivery (the
 * link drains it at its rate, acked every ≤ 10 ms, SESSION.md), so the delays the first acks after
 * a silence carry are the silence's, not a queue's: a 100–400 ms rural-5g stall that catches a
 * record reads as that much queue, a backoff (half the estimate) and a ceiling. 500 ms (the
 * outage rule before) let them through: link model, 5 carts' records over 2.5 minutes of rural-5g,
 * p95 508 → 456 ms.
 */
const SILENCE_MIN_MS = 100;
/**
 * While a startup's verdict is suspect (recheckSoon), cruise probes once our loop has run on time for
 * this many round trips, and at least this long (acks come ≤ 10 ms apart; a probe lasts ≥ 50 ms):
 * BBR's ProbeBW cycle is 8 rounds. A probe on a full cell costs CONTROL about a quarter of its
 * period in queue, once.
 */
const RECHECK_ROUNDS = 10;
const RECHECK_MIN_MS = 100;
/** One backoff lowers the estimate to at least this share of it. */
const BACKOFF_FLOOR = 0.5;

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
  private readonly o: ResolvedPacerOptions;
  private tokens = 0;
  private lastRefillMs: number | undefined;
  private phaseStartMs = 0;
  private startupBest = 0;
  private startupRounds = 0;
  private roundStartMs = 0;
  private blockedSinceMs: number | undefined;
  private probeBaseBw = 0;
  /**
   * Since the last startup the estimate may not be the link's: the sender ran dry (it may be the
   * offered load), or the startup plateaued on rounds that were all late (it found our loop's pace:
   * three rounds of a process too busy building frames to send had read as the pipe's plateau, and
   * cruise then held 3-5 Mbit/s on an 80 Mbit/s path until the next probe 2 s later,
   * bench:throughput's burst, 16k frames/s). Either leaves the pipe not found, and a backlog the
   * loop then does drive (a whole round without lost tokens) restarts startup. Late rounds count
   * only when all three are: a GC pause now and then in a plateau is not a busy loop (counting any
   * late round kept a busy gateway from ever finding the pipe, and its startups put 100 ms of
   * queue in front of CONTROL in bench:uplink).
   */
  private linkUnproven = false;
  /** When our own loop last came too late to send at the pacing rate (tokens lost, see refill). */
  private underdrivenAtMs = -Infinity;
  /** The same, when a backlog was waiting meanwhile (held before) and cwnd did not hold it: the loop late, not idle or ack-clocked. */
  private lateAtMs = -Infinity;
  /** Bytes of pacing budget lost that way since the round began. */
  private lateBytesInRound = 0;
  /** cwnd holds the sender (until a frame passes its check): tokens lost meanwhile waited for acks, not for our loop. */
  private cwndHeld = false;
  /** Startup rounds in a row in which it did. */
  private lateRounds = 0;
  /**
   * Startup rounds since the estimate last grew (the rounds a plateau rests on) in which our loop,
   * with a backlog waiting, lost so much of the pacing budget that growth could not show.
   */
  private lateSinceGrowth = 0;
  /**
   * The startup's verdict (plateau or queue) came while our own loop was too late, in some of the
   * rounds it rests on, to drive the pipe: the estimate may be the loop's pace, not the link's.
   * Cruise then probes once, as soon as the loop has run on time for a few rounds (probeDue), not
   * after `probeIntervalMs`. Once: each probe costs a full cell a little queue and a drain, and a
   * backlog read from the outbox makes the loop late again and again. bench:throughput's burst on
   * loopback: two late rounds and one on time, as the gateway finished building 50 000 frames,
   * made a plateau at 6 Mbit/s; cruise held that until the probe 2 s later (10k frames/s, not ~45k).
   */
  private recheckSoon = false;
  /**
   * `BBR.filled_pipe` (draft-cardwell-iccrg-bbr-congestion-control): the pipe was seen full at
   * least once on this connection (startup plateaued or saw a queue with the sender busy, a
   * ceiling or a backoff was set on a busy sender's queue). From then on the estimate is the link's, and it stays so
   * through app-limited time: the estimator lowers it only on samples of a busy sender, and queue
   * verdicts are taken only on a busy sender's bytes. A backlog after live-only traffic then goes at
   * the link rate at once, not through another startup.
   */
  private filledPipe = false;
  /**
   * Since when the sender has had a backlog (held by the pacer at least once since it last ran
   * dry), ms; undefined while app-limited.
   */
  private heldSinceMs: number | undefined;
  /** Last ack that reported progress, ms. */
  private lastAckMs = -Infinity;
  private readonly aggregation = new AckAggregation();
  /** The cruise cap from the queue delay: ceiling and cubic. */
  private readonly cruiseTrim: CruiseTrim;
  /** No queue verdict (backoff, ceiling) before this, ms: the acks still carry a silence. */
  private verdictsFromMs = 0;

  constructor(opts: PacerOptions = {}) {
    this.o = resolvePacerOptions(opts);
    this.estimator = new RateEstimator(opts.estimator);
    this.cruiseTrim = new CruiseTrim(this.o, this.estimator);
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
    // Ack aggregation: the configured allowance, or what the acks really showed when more (late acks).
    const aggregation = Math.max(bw * this.o.ackAggregationMs, Math.min(this.ackAggregationBytes, bw * MAX_AGGREGATION_MS));
    return Math.max(this.o.minCwndBytes, bw * this.o.minCwndMs, gain * this.bdpBytes() + aggregation);
  }

  /** Cap on the cruise pacing rate from the queue delay, bits/s (Infinity when not trimmed). */
  get cruiseCapBps(): number {
    return this.cruiseTrim.capBpms * 8000;
  }

  /** Bytes the acks lately reported beyond what the estimate explains (late or batched acks), bytes. */
  get ackAggregationBytes(): number {
    return this.aggregation.extraBytes;
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
      this.cwndHeld = true;
      this.blockedSinceMs ??= nowMs;
      this.heldSinceMs ??= nowMs;
      if (nowMs - this.blockedSinceMs >= this.o.feedbackTimeoutMs && this.current === 'waiting') {
        this.step('no-feedback', nowMs);
        return true;
      }
      return false;
    }
    this.blockedSinceMs = undefined;
    this.cwndHeld = false;
    if (priority || this.tokens >= 0) return true;
    this.heldSinceMs ??= nowMs;
    return false;
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
    this.linkUnproven = true;
    this.heldSinceMs = undefined;
  }

  /** Feeds one ack. `bytesReceived` 0 means the peer does not report it. */
  onAck(fb: AckFeedback, nowMs: number): void {
    if (fb.bytesReceived <= 0) {
      if (this.current === 'waiting' && this.estimator.bytesSent > 0) this.step('no-feedback', nowMs);
      return;
    }
    this.blockedSinceMs = undefined;
    const before = this.estimator.bytesDelivered;
    const sample = this.estimator.onAck(fb, nowMs);
    if (this.estimator.bytesDelivered > before) {
      // The cubic's clock stands still through a silence (an outage on a held connection).
      const silence = nowMs - this.lastAckMs;
      const rttNow = this.estimator.minRttMs;
      if (Number.isFinite(silence) && silence > Math.max(SILENCE_MIN_MS, 2 * (Number.isFinite(rttNow) ? rttNow : 0))) {
        // An app-limited silence is the trim's to account for (the curve up to its plateau).
        if (this.heldSinceMs !== undefined) this.cruiseTrim.pause(silence);
        // The first acks after it carry the silence in their delays (bytes held through it), not
        // a queue: no backoff or ceiling on them (one had wiped the ceiling, probes and a startup
        // at 2x followed into the returning cell). Until what was in flight has gone through.
        // The drain term is capped at what cwnd lets fly at the estimate (startup's 2 BDP plus the
        // aggregation allowance): a trickle estimate after a long fade made in-flight ÷ estimate
        // 25–66 s without a verdict (bench/uplink/README.md, 2026-12-07 19:11).
        const e = this.estimator;
        const rtt = Number.isFinite(e.minRttMs) ? e.minRttMs : 0;
        const drainMs = e.btlBwBpms > 0 ? Math.min(e.inflight / e.btlBwBpms, 2 * rtt + MAX_AGGREGATION_MS) : 0;
        this.verdictsFromMs = nowMs + Math.max(3 * rtt, 100) + drainMs;
      }
      this.lastAckMs = nowMs;
    }
    this.aggregation.onAck(this.estimator.bytesDelivered - before, this.estimator.btlBwBpms, nowMs);
    if (this.current === 'waiting') this.step('feedback', nowMs);
    if (sample.rateBpms !== undefined || sample.rttMs !== undefined) this.tick(nowMs);
  }

  /** Time-driven transitions (probe due, probe done, drained); also run from onAck. */
  tick(nowMs: number): void {
    const e = this.estimator;
    const rtt = Number.isFinite(e.minRttMs) ? e.minRttMs : 0;
    const period = Math.max(rtt * 1.5, 50);
    // A queue ends a startup whatever else holds (see 'startup' below).
    if (this.current === 'startup' && this.queueBuilding(nowMs)) return this.step('queue', nowMs);
    // In startup this restarts it: the rounds so far measured the offered load, not the link, and
    // their growth test starts over on the full pipe (it was a no-op there, and every later tick
    // returned here before the plateau and queue checks: 35 s at 2x into a full urban-5g cell).
    if (this.backlogAfterAppLimited(nowMs, rtt)) return this.step('backlog', nowMs);
    switch (this.current) {
      case 'startup': {
        if (nowMs - this.roundStartMs < Math.max(rtt, 20)) return;
        this.lateRounds = this.underdrivenAtMs >= this.roundStartMs ? this.lateRounds + 1 : 0;
        // Late enough that the round could not show 25 % growth: more of the budget lost than startup's
        // gain leaves over that (1 − 1.25 / 2). A few ms now and then (timers, outbox reads) is not.
        const pending = this.lateBytesPending(nowMs);
        const late = this.lateBytesInRound + pending > (1 - 1.25 / this.o.startupGain) * this.rateBpms() * (nowMs - this.roundStartMs);
        // The pending part is this round's; the refill that comes will count it again.
        this.lateBytesInRound = -pending;
        this.roundStartMs = nowMs;
        // BBR: three rounds without 25 % growth means the pipe is full.
        if (e.btlBwBpms >= this.startupBest * 1.25) {
          this.startupBest = e.btlBwBpms;
          this.startupRounds = 0;
          this.lateSinceGrowth = 0;
          return;
        }
        if (late) this.lateSinceGrowth += 1;
        if (++this.startupRounds >= 3) {
          if (this.lateRounds >= 3) this.linkUnproven = true;
          this.step('plateau', nowMs);
        }
        return;
      }
      case 'drain':
      case 'backoff': {
        if (e.inflight > this.bdpBytes() && nowMs - this.phaseStartMs < 4 * period) return;
        const grew = this.current === 'drain' && this.probeBaseBw > 0 && e.btlBwBpms >= this.probeBaseBw * 1.1;
        this.probeBaseBw = 0;
        return this.step(grew ? 'probe-grew' : 'drained', nowMs);
      }
      case 'cruise': {
        if (nowMs >= this.verdictsFromMs && this.queueBuilding(nowMs)) {
          // Never below half the estimate per backoff: one verdict cannot sink it to the floor
          // (an outage's zero delivery, a burst of late acks); a real drop backs off again.
          const now = e.recentRate(nowMs, period);
          e.resetBw(Math.max(now, e.btlBwBpms * BACKOFF_FLOOR), nowMs);
          return this.step('queue', nowMs);
        }
        if (this.cruiseTrim.run(nowMs, this.heldSinceMs !== undefined, this.verdictsFromMs)) this.filledPipe = true;
        // The cubic climbing past the ceiling found a freed cell: startup finds how much.
        const ceiling = this.cruiseTrim.ceilingBpms;
        if (ceiling !== undefined && e.btlBwBpms >= ceiling * this.o.probeGain) return this.step('probe-grew', nowMs);
        // A probe learns only when there is a backlog to send at probeGain: one due while
        // app-limited waits for the next backlog (the link may have freed meanwhile).
        if (ceiling === undefined && this.heldSinceMs !== undefined && this.probeDue(nowMs, rtt)) this.step('probe-due', nowMs);
        return;
      }
      case 'probe':
        if (nowMs - this.phaseStartMs >= period) this.step('probe-done', nowMs);
        return;
      default:
        return;
    }
  }

  /**
   * A cruise probe is due after `probeIntervalMs`; while recheckSoon, already once our loop has run on
   * time for RECHECK_ROUNDS round trips (≥ RECHECK_MIN_MS): a probe it cannot drive learns nothing,
   * and the drain after it only slows a sender that is its own bottleneck.
   */
  private probeDue(nowMs: number, rtt: number): boolean {
    if (nowMs - this.phaseStartMs >= this.o.probeIntervalMs) return true;
    return this.recheckSoon && nowMs - Math.max(this.phaseStartMs, this.lateAtMs) >= Math.max(RECHECK_ROUNDS * rtt, RECHECK_MIN_MS);
  }

  /**
   * A queue is building when even the smallest one-way delay over the last RTT is well above its
   * minimum (by `queueRttFactor` × min RTT + `queueRttSlackMs`). One-way, not RTT: acks handled
   * late by our own busy event loop inflate the RTT but not the receiver's receive times; on RTT,
   * each late bunch reset the estimate to "what was just delivered" and it sank round after round.
   */
  private queueBuilding(nowMs: number): boolean {
    const e = this.estimator;
    if (!Number.isFinite(e.minRttMs)) return false;
    const window = Math.max(e.minRttMs, 20);
    const recent = e.recentQueueDelay(nowMs, window);
    const threshold = e.minRttMs * this.o.queueRttFactor + this.o.queueRttSlackMs;
    // Only bytes sent with a backlog: under app-limited traffic a queue is the link's (a stall
    // held everything, the cell slowed under the offered load), not the pacing rate's, and the
    // delivery it shows is the offered load: backing off on it halved a 5 Mbit/s estimate at every
    // rural-5g stall until records trickled at the live traffic's rate.
    return recent.busy >= 2 && recent.busyMin > threshold && nowMs - this.phaseStartMs >= window;
  }


  /**
   * Held for a whole RTT after running dry, with acks still coming, and the estimate never
   * measured on a full pipe: it is the old offered load, too low. Without acks (an outage) startup
   * would learn nothing and only fill the queue. With the link found it is not: a 180 kB record
   * every 2 s on a live-only load sent startup (2 × the estimate) into a 10 Mbit/s cell each time,
   * 45 ms of queue in front of CONTROL (bench:uplink saturated-cell without its backlog: p99 69 ms).
   */
  private backlogAfterAppLimited(nowMs: number, rtt: number): boolean {
    if (this.filledPipe || !this.linkUnproven || this.heldSinceMs === undefined) return false;
    const round = Math.max(rtt, 20);
    // A loop still too late to drive the backlog would only restart the startup on its own pace.
    return nowMs - this.heldSinceMs >= round && nowMs - this.lastAckMs <= round && nowMs - this.underdrivenAtMs >= round;
  }

  private step(ev: PacerEvent, nowMs: number): void {
    const next = TRANSITIONS[this.current][ev];
    if (next === undefined) return;
    // Startup ends on a full pipe (plateau or queue) unless the sender ran dry meanwhile (then the
    // plateau is the offered load); a backoff is a queue verdict.
    if ((this.current === 'startup' && next === 'drain' && !this.linkUnproven) || next === 'backoff') this.filledPipe = true;
    // A verdict resting on rounds our loop was too late to drive is re-checked by one probe soon
    // (recheckSoon), started once the loop has run on time for a few rounds (probeDue).
    if (this.current === 'startup' && next === 'drain') this.recheckSoon = this.lateSinceGrowth > 0;
    if (next === 'probe' || next === 'backoff') this.recheckSoon = false;
    this.current = next;
    this.phaseStartMs = nowMs;
    this.roundStartMs = nowMs;
    this.lateBytesInRound = 0;
    if (next === 'probe') this.probeBaseBw = this.estimator.btlBwBpms;
    if (next === 'cruise') this.cruiseTrim.start(nowMs);
    if (next === 'startup' || next === 'backoff') {
      // A new estimate: the old ceiling described another link.
      this.cruiseTrim.reset();
    }
    if (next === 'startup') {
      this.linkUnproven = false;
      this.lateRounds = 0;
      this.lateSinceGrowth = 0;
      this.recheckSoon = false;
      this.heldSinceMs = undefined;
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
    const cap = this.cruiseTrim.capBpms;
    if (this.current === 'cruise' && cap !== Infinity) return Math.min(cap, bw * this.o.probeGain);
    return bw * this.gain();
  }

  /** Budget a loop still late now has lost since the last refill (counted there when it comes), bytes. */
  private lateBytesPending(nowMs: number): number {
    if (this.lastRefillMs === undefined || this.heldSinceMs === undefined || this.cwndHeld) return 0;
    const rate = this.rateBpms();
    const earned = this.tokens + Math.max(0, nowMs - this.lastRefillMs) * rate;
    const cap = Math.max(2048, rate * this.o.burstMs);
    return earned > cap + rate ? earned - cap : 0;
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
    if (earned > cap + rate && this.current !== 'waiting') {
      this.estimator.markUnderdriven();
      this.underdrivenAtMs = nowMs;
      if (this.heldSinceMs !== undefined && !this.cwndHeld) {
        this.lateAtMs = nowMs;
        this.lateBytesInRound += earned - cap;
      }
    }
    this.tokens = Math.min(cap, earned);
    this.lastRefillMs = nowMs;
  }
}
