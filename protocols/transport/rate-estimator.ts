/** What an Ack tells the sender about delivery (protocols/telemed.proto `Ack`). */
export interface AckFeedback {
  /** Cumulative bytes the peer has taken off the socket on this session. */
  readonly bytesReceived: number;
  /** Peer clock, Unix ns, when it had received `bytesReceived` bytes. */
  readonly receiveTimeNs: number;
  /** Peer clock, Unix ns, when it sent the Ack (header.send_time_ns); 0 when unknown. */
  readonly ackSendTimeNs: number;
}

/** One delivery-rate or RTT observation. */
export interface RateSample {
  /** Bytes per ms delivered at the peer over the sample span; undefined when the span is too short. */
  readonly rateBpms?: number;
  /** Round-trip time of the newest acknowledged byte minus the peer's hold time, ms. */
  readonly rttMs?: number;
  /** True when the sender was idle for part of the span (the rate understates the link). */
  readonly appLimited: boolean;
}

/** Estimator settings; times in ms. */
export interface RateEstimatorOptions {
  /** Window of the bottleneck-bandwidth max filter, ms. Default 2500 (more than one probe cycle). */
  readonly bwWindowMs?: number;
  /** Window of the min-RTT filter, ms. Default 10000. */
  readonly rttWindowMs?: number;
  /**
   * A rate sample spans at least this much of the peer's receive clock, ms. Default 60: a receiver
   * that counts late and catches up inflates a sample by about lag ÷ span, and the max filter keeps
   * the worst one (link model, receiver lag 0–7 ms: estimate 1.16 × the link at 40 ms, 1.11 at 60;
   * 80 delayed a burst after app-limited traffic past its 400 ms bound).
   */
  readonly sampleSpanMs?: number;
  /** Send records kept for RTT matching (bounded; oldest dropped). Default 8192. */
  readonly maxSendRecords?: number;
}

/** Longest own-burst transmission taken off a one-way delay sample, ms (a chunk is ~3 ms). */
const OWN_BURST_MAX_MS = 4;

interface Timed {
  readonly t: number;
  readonly v: number;
  readonly appLimited: boolean;
}

/** An RTT or one-way-delay sample: taken at `t`, expires by `a` (moved on past silences). */
interface Aged extends Timed {
  readonly a: number;
}

/** A delivery-rate sample: taken at `t`, `b` on the busy clock (the time the window ages with). */
interface BwSample extends Timed {
  readonly b: number;
}

/**
 * Bottleneck bandwidth and RTT from acks (the BBR model, Cardwell et al. 2016): the delivery rate
 * is measured on the RECEIVER's clock (Δbytes_received / Δreceive_time), so ack batching and the
 * return path do not distort it; the max over a window is the bottleneck rate. RTT samples match
 * the acknowledged byte to its local send time and subtract the peer's hold time
 * (ack send − receive, both on its clock); the min over a window is the propagation RTT.
 * App-limited samples (draft-cheng-iccrg-delivery-rate-estimation, as BBR uses them: sent while
 * the sender had nothing more to send, so they measure the offered load, not the link) may raise
 * the bandwidth estimate but never lower it, and the max filter's window ages only with busy time (samples the sender drove at its
 * pacing rate, gaps up to the window): minutes of live-only traffic or a silence (an outage) leave
 * the rate measured on the last full pipe in place, so a record that follows goes at the link rate.
 */
export class RateEstimator {
  private readonly bwWindowMs: number;
  private readonly rttWindowMs: number;
  private readonly spanMs: number;
  private readonly maxRecords: number;
  /**
   * Per message, oldest first: cumulative bytes sent, local ms, and the cumulative count where the
   * burst it belongs to began (messages written at the same ms enter the bottleneck together).
   */
  private sends: { cum: number; t: number; start: number }[] = [];
  private sendHead = 0;
  /** Recent acks on the peer's clock: (ms, cumulative bytes received). */
  private readonly acks: { t: number; d: number }[] = [];
  private readonly bwSamples: BwSample[] = [];
  /** Busy clock, ms: advances only between samples taken while the sender was busy. */
  private busyMs = 0;
  private lastBwSampleMs: number | undefined;
  private readonly rttSamples: Aged[] = [];
  /** Receive time (peer clock) minus send time (ours) of the acked byte: a constant offset + the one-way delay. */
  private readonly owdSamples: Aged[] = [];
  private minOwd = Infinity;
  /**
   * One-way delays of bytes sent with a backlog, aged only by such samples: the baseline of a busy
   * sender's queue delay (see recentQueueDelay).
   */
  private readonly busyOwdSamples: Aged[] = [];
  private minBusyOwd = Infinity;
  private bw = 0;
  private minRtt = Infinity;
  private sent = 0;
  private delivered = 0;
  private appLimitedUntil = 0;
  /** Bytes up to this were sent with no backlog behind them (see markAppLimited). */
  private idleUntil = 0;

  constructor(o: RateEstimatorOptions = {}) {
    this.bwWindowMs = o.bwWindowMs ?? 2500;
    this.rttWindowMs = o.rttWindowMs ?? 10_000;
    this.spanMs = o.sampleSpanMs ?? 60;
    this.maxRecords = o.maxSendRecords ?? 8192;
  }

  /** Bytes written to the socket on this session. */
  get bytesSent(): number {
    return this.sent;
  }
  /** Bytes the peer has reported received. */
  get bytesDelivered(): number {
    return this.delivered;
  }
  /** Sent but not yet reported received: socket buffers, kernel, network queue. */
  get inflight(): number {
    return Math.max(0, this.sent - this.delivered);
  }
  /** Bottleneck bandwidth estimate, bytes/ms (0 before the first sample). */
  get btlBwBpms(): number {
    return this.bw;
  }
  /** Propagation RTT estimate, ms (Infinity before the first sample). */
  get minRttMs(): number {
    return this.minRtt;
  }

  /** Records one message written to the socket. */
  onSend(bytes: number, nowMs: number): void {
    const last = this.sends.at(-1);
    const start = last !== undefined && last.t === nowMs && this.sends.length > this.sendHead ? last.start : this.sent;
    this.sent += bytes;
    this.sends.push({ cum: this.sent, t: nowMs, start });
    if (this.sends.length - this.sendHead > this.maxRecords) this.sendHead += 1;
    if (this.sendHead > 4096) {
      this.sends = this.sends.slice(this.sendHead);
      this.sendHead = 0;
    }
  }

  /**
   * The sender has nothing to send: samples until the bytes sent so far are delivered are
   * app-limited, for the rate (they measure the offered load) and for the queue delay (a queue
   * they see is not of the sender's making).
   */
  markAppLimited(): void {
    this.appLimitedUntil = this.sent;
    this.idleUntil = this.sent;
  }

  /**
   * The sender had a backlog but did not drive the link at its pacing rate (its event loop came
   * late): rate samples until the bytes sent so far are delivered understate the link, but the
   * queue delay they see is still the one its backlog meets.
   */
  markUnderdriven(): void {
    this.appLimitedUntil = this.sent;
  }

  /** Feeds one ack; returns what it taught. */
  onAck(fb: AckFeedback, nowMs: number): RateSample {
    const d = fb.bytesReceived;
    if (d <= this.delivered) return { appLimited: false };
    this.delivered = d;
    const appLimited = d <= this.appLimitedUntil;
    const rttMs = this.rttFor(d, fb, nowMs);
    if (rttMs !== undefined) {
      this.addRtt(rttMs, nowMs);
      const rec = this.sends[this.sendHead];
      // The acked byte arrives after its own burst went through the bottleneck (a 3.75 kB chunk:
      // 3 ms at 10 Mbit/s), queue or not: that time is not queue. Left in, every chunk read as
      // 3 ms of queue and the pacer's trim cut the rate with the cell's queue at 0–2 ms.
      if (rec !== undefined) this.addOwd(fb.receiveTimeNs / 1e6 - rec.t, d - rec.start, nowMs, d <= this.idleUntil);
    }
    const rateBpms = this.rateFor(d, fb.receiveTimeNs / 1e6);
    if (rateBpms !== undefined) this.addBw(rateBpms, nowMs, appLimited);
    return { ...(rateBpms !== undefined ? { rateBpms } : {}), ...(rttMs !== undefined ? { rttMs } : {}), appLimited };
  }

  /**
   * Largest rate sample of a busy sender in the last `ms` (0 when none): what the link delivers
   * right now. App-limited samples say what was offered, not what the link can take.
   */
  recentRate(nowMs: number, ms: number): number {
    let m = 0;
    for (const s of this.bwSamples) if (!s.appLimited && s.t >= nowMs - ms) m = Math.max(m, s.v);
    return m;
  }

  /** Smallest RTT sample in the last `ms`, and how many there were. */
  recentRtt(nowMs: number, ms: number): { min: number; n: number } {
    let min = Infinity;
    let n = 0;
    for (const s of this.rttSamples) if (s.t >= nowMs - ms) { min = Math.min(min, s.v); n += 1; }
    return { min, n };
  }

  /**
   * Queueing delay on the way to the peer, ms: the smallest one-way delay in the last `ms` above
   * the windowed minimum (clock offsets cancel). Unlike RTT it does not grow when acks are handled
   * late on our side. `n` is how many samples there were; `busy` how many of them were of bytes
   * sent with a backlog (not app-limited), `busyMin` the smallest of those: a queue seen by those
   * is of the sender's making; under app-limited traffic it is the link's own (a stall, jitter).
   * `busyMin` is measured from the smallest delay of busy bytes over the window (the overall
   * minimum before there is one): a path whose delay depends on the traffic's density (jitter that
   * never reorders, as a cell's or simulators/link's: back-to-back pieces wait for the slowest one
   * before them, ≈ +10 ms at rural-5g's ±8 ms) shows that extra to every busy round, whatever the
   * rate, and read as a queue it set a ceiling at every record (cap 4.7 → 2.5 Mbit/s in 2 minutes
   * on a 5 Mbit/s link model). The window of busy delays ages only with busy samples, so live-only
   * minutes do not take it away; a real queue still shows within a few rounds, since the baseline
   * holds the delays of every drained round for the window.
   */
  recentQueueDelay(nowMs: number, ms: number): { min: number; n: number; busyMin: number; busy: number } {
    let min = Infinity;
    let busyMin = Infinity;
    let n = 0;
    let busy = 0;
    // Newest first: the window is a few rounds of a 10 s history.
    for (let i = this.owdSamples.length - 1; i >= 0; i--) {
      const s = this.owdSamples[i];
      if (s === undefined || s.t < nowMs - ms) break;
      min = Math.min(min, s.v);
      n += 1;
      if (!s.appLimited) {
        busyMin = Math.min(busyMin, s.v);
        busy += 1;
      }
    }
    const busyBase = Number.isFinite(this.minBusyOwd) ? this.minBusyOwd : this.minOwd;
    return { min: min - this.minOwd, n, busyMin: busyMin - busyBase, busy };
  }

  /** Forgets the bandwidth history and sets the estimate (queue building: the link slowed down). */
  resetBw(bpms: number, nowMs: number): void {
    this.bwSamples.length = 0;
    this.bwSamples.push({ t: nowMs, b: this.busyMs, v: bpms, appLimited: false });
    this.bw = bpms;
  }

  private rttFor(d: number, fb: AckFeedback, nowMs: number): number | undefined {
    // Drop send records fully covered by earlier acks, keep the one holding byte d.
    while (this.sendHead < this.sends.length && (this.sends[this.sendHead]?.cum ?? Infinity) < d) this.sendHead += 1;
    const rec = this.sends[this.sendHead];
    if (rec === undefined) return undefined;
    const holdMs = fb.ackSendTimeNs > 0 ? Math.max(0, (fb.ackSendTimeNs - fb.receiveTimeNs) / 1e6) : 0;
    const rtt = nowMs - rec.t - holdMs;
    return rtt >= 0 ? rtt : undefined;
  }

  private rateFor(d: number, recvMs: number): number | undefined {
    this.acks.push({ t: recvMs, d });
    // Keep the newest ack older than the span as the base, and everything after it.
    while (this.acks.length > 2 && (this.acks[1]?.t ?? Infinity) <= recvMs - this.spanMs) this.acks.shift();
    const base = this.acks[0];
    if (base === undefined || base.t > recvMs - this.spanMs || recvMs <= base.t) return undefined;
    return (d - base.d) / (recvMs - base.t);
  }

  /**
   * The max filter (BBR's BtlBw) over `bwWindowMs` of busy time. An app-limited sample enters only
   * when it raises the estimate (draft-cardwell-iccrg-bbr-congestion-control, BBRUpdateMaxBw):
   * the rest measured the offered load. The busy clock advances by the gap to a sample taken while busy, unless the gap is longer
   * than the window (an outage: the one sample spanning it, bytes ÷ the whole silence ≈ 0, must not
   * replace everything the window knew); app-limited time does not age the window at all, so the
   * rate measured on the last full pipe outlives minutes of live-only traffic. On wall time it had
   * aged out under live traffic, and the record's first busy sample let the window's app-limited
   * samples (the offered load) set the estimate: 4.6 → 0.4 Mbit/s on a 5 Mbit/s link model.
   */
  private addBw(v: number, nowMs: number, appLimited: boolean): void {
    const gap = this.lastBwSampleMs === undefined ? 0 : nowMs - this.lastBwSampleMs;
    this.lastBwSampleMs = nowMs;
    if (!appLimited && gap <= this.bwWindowMs) this.busyMs += gap;
    const from = this.busyMs - this.bwWindowMs;
    const sample = !appLimited || v >= this.bw ? { t: nowMs, b: this.busyMs, v, appLimited } : undefined;
    this.bw = slide(this.bwSamples, sample, (x) => x.b < from, this.bw, MAX, 0);
  }

  /**
   * `v`: the raw one-way delay; `burst`: bytes of the sample's own burst up to the acked byte. Its
   * transmission time at the current estimate is taken off when that is at most OWN_BURST_MAX_MS
   * (a chunk). A longer one is a queue of our own making, or an estimate still low (startup): a
   * cap instead of nothing there made startup's samples set the baseline 4 ms short, and every
   * later sample read 4 ms of queue (the rate fell 10 → 5 Mbit/s before the window forgot them).
   */
  private addOwd(v: number, burst: number, nowMs: number, appLimited: boolean): void {
    const own = this.bw > 0 && burst / this.bw <= OWN_BURST_MAX_MS ? burst / this.bw : 0;
    ageOnlyWithSamples(this.owdSamples, nowMs, this.rttWindowMs);
    const from = nowMs - this.rttWindowMs;
    const expired = (x: Aged): boolean => x.a < from;
    this.minOwd = slide(this.owdSamples, { t: nowMs, a: nowMs, v: v - own, appLimited }, expired, this.minOwd, MIN, Infinity);
    if (appLimited) return;
    const b = this.busyOwdSamples;
    ageOnlyWithSamples(b, nowMs, this.rttWindowMs);
    this.minBusyOwd = slide(b, { t: nowMs, a: nowMs, v: v - own, appLimited }, expired, this.minBusyOwd, MIN, Infinity);
  }

  private addRtt(v: number, nowMs: number): void {
    // After a silence longer than the window (an outage on a held connection) the one sample
    // spanning it (the whole outage) would be the minimum alone: cwnd from a 60 s "RTT" let the
    // pacer flood the cell's queue when the link came back (bench tunnel: 250 ms of queue).
    ageOnlyWithSamples(this.rttSamples, nowMs, this.rttWindowMs);
    const from = nowMs - this.rttWindowMs;
    this.minRtt = slide(this.rttSamples, { t: nowMs, a: nowMs, v, appLimited: false }, (x) => x.a < from, this.minRtt, MIN, Infinity);
  }
}

const MIN = (a: number, b: number): number => (a < b ? a : b);
const MAX = (a: number, b: number): number => (a > b ? a : b);

/**
 * Appends `sample` (when given) to a window ordered by age, drops the samples that `expired`, and
 * returns the window's new extreme (`pick` of the values; `none` when empty) from the previous one
 * `prev`: the window is scanned only when a sample at the extreme left it. Scanning it on every ack
 * (10 s of acks, up to ~1 000 samples, three windows) was 10 % of the CPU of bench:vitals' fleet of
 * 200 ambulance uplinks.
 */
function slide<T extends { v: number }>(samples: T[], sample: T | undefined, expired: (x: T) => boolean, prev: number, pick: (a: number, b: number) => number, none: number): number {
  if (sample !== undefined) samples.push(sample);
  let lost = false;
  while (samples.length > 0 && expired(samples[0] as T)) {
    const x = samples.shift() as T;
    if (pick(x.v, prev) === x.v) lost = true;
  }
  if (!lost) return sample === undefined ? prev : pick(prev, sample.v);
  let m = none;
  for (const x of samples) m = pick(m, x.v);
  return m;
}

/**
 * A silence longer than `windowMs` since the newest sample moves every sample's expiry on by it:
 * the window ages with samples, not with time (their own time `t` stays: "recent" means recent).
 */
function ageOnlyWithSamples(samples: Aged[], nowMs: number, windowMs: number): void {
  const last = samples.at(-1);
  const gap = last === undefined ? 0 : nowMs - last.t;
  if (gap <= windowMs) return;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    if (x !== undefined) samples[i] = { ...x, a: x.a + gap };
  }
}
