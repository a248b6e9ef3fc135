import { LinkErrorLog, loadHubTls } from './hub-socket.js';
import type { Logger } from 'pino';
import { CLASS_NAMES, TrafficClass, classFromName, isTelemedError, type ClassName, type Clock, type DecodedEnvelope } from '../../protocols/index.js';
import type { GatewayConfig } from '../config.js';
import { MemoryOutbox, outboxFullError, type Outbox } from './outbox.js';
import { retentionOf } from './outbox-retention.js';
import { pruneIntervalMs, resendAfterRollback, RetentionPruner, type RollbackCounters } from './rollback-resend.js';
import { ClassScheduler, FifoScheduler, type DropReason, type FrameScheduler, type SchedItem } from '../../protocols/transport/index.js';
import { UplinkFlow, type UplinkMode } from './flow.js';
import { rechunk } from './rechunk.js';
import { batchElementSize, batchEnvelopeSize } from '../../protocols/wire/batch.js';
import { StreamSequencer, encodeBatchForSend, sendSize, type BuildFrameInput, type OutFrame } from './streams.js';
import { UplinkSession } from './session.js';
import { BacklogReader } from './backlog.js';
import { GroupCommit } from './group-commit.js';
import { OutboxFullAlarm, outboxFullAlarmPayload } from './outbox-alarm.js';
import { GatewayErrorCode } from '../errors.js';
import { systemTimers, type Timers } from './timers.js';
import type { LinkState } from './link-state.js';

/** Per-class counters of /api/status. */
export interface ClassCounters {
  sent: number;
  dropped: number;
  queued: number;
  acked: number;
}

/** Hooks for metrics; all optional. */
export interface UplinkHooks {
  sent?(frame: OutFrame): void;
  dropped?(frame: OutFrame, reason: DropReason): void;
  state?(next: LinkState, prev: LinkState): void;
  rtt?(rttMs: number): void;
  downlink?(env: DecodedEnvelope): void;
  /** One-way latency of a downlink frame, ms, clock offset applied. */
  downlinkLatency?(cls: ClassName, ms: number): void;
  /** The outbox-full alarm was raised; `refused` readings so far. */
  outboxFull?(refused: number): void;
  /** A TLS failure toward the hub (TM_ERR_HUB_CERT_UNTRUSTED, TM_ERR_TLS_HANDSHAKE), every attempt. */
  tlsError?(code: string): void;
  /** A hub rollback on one stream: retained frames queued again, and lost frames already pruned here. */
  hubRollback?(resent: number, missing: number): void;
}

export interface UplinkDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers?: Timers;
  readonly random?: () => number;
  /** Defaults to a MemoryOutbox with config.outbox.maxBytes. */
  readonly outbox?: Outbox;
  readonly hooks?: UplinkHooks;
  readonly softwareVersion?: string;
  /** Overrides `config.uplink.mode` (see UplinkMode). */
  readonly mode?: UplinkMode;
}

/** The stream on which LinkStats go to the hub every second (SESSION.md). */
export const LINK_STREAM = 'link';
/** The stream of the gateway's own technical alarms (e.g. TM_ALARM_OUTBOX_FULL). */
export const ALARM_STREAM = 'gateway/alarms';

/**
 * The uplink: frames in from the device manager, numbered, made durable in the outbox, ordered by
 * the scheduler and written to the session while the socket's buffer is below its bound.
 */
export class Uplink {
  readonly session: UplinkSession;
  readonly scheduler: FrameScheduler<OutFrame>;
  /** Pacing, cwnd and the socket-buffer bound. */
  readonly flow: UplinkFlow;
  readonly outbox: Outbox;
  readonly sequencer: StreamSequencer;
  /** Frames written per class (a record: bumped once per frame, no Map lookup by name). */
  private readonly sent: Record<ClassName, number> = { control: 0, alarm: 0, vitals: 0, waveform: 0, video: 0, bulk: 0 };
  private readonly acked = new Map<ClassName, number>(CLASS_NAMES.map((c) => [c, 0]));
  private readonly streamClass = new Map<string, ClassName>();
  /** Highest durable seq this process has written to a socket, per stream. */
  private readonly highestSent = new Map<string, number>();
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly backlog = new BacklogReader();
  private readonly commits: GroupCommit;
  /** Refusals of a full outbox: counted, alarmed (rate-limited) to the hub and shown locally. */
  readonly fullAlarm: OutboxFullAlarm;
  private pumpQueued = false;
  private statsTimer: unknown;
  /** Hub rollbacks resolved from retained frames (SESSION.md §1a). */
  readonly rollback: RollbackCounters = { resentAfterRollback: 0, missingAfterRollback: 0 };
  private readonly pruner: RetentionPruner;

  constructor(private readonly config: GatewayConfig, private readonly deps: UplinkDeps) {
    this.timers = deps.timers ?? systemTimers;
    this.log = deps.logger.child({ component: 'uplink' });
    this.outbox = deps.outbox ?? new MemoryOutbox(config.outbox.maxBytes, retentionOf(config.outbox));
    this.pruner = new RetentionPruner(this.outbox, this.timers, pruneIntervalMs(config.outbox.retainAckedMs), this.log);
    // Numbering continues from the outbox's high-water marks (a restarted gateway with a
    // persistent outbox must not reuse a seq the hub may already hold).
    this.sequencer = new StreamSequencer(config.gatewayId, (c) => config.classes[c].budgetMs, (s) => this.outbox.highestSeq(s));
    const mode = deps.mode ?? config.uplink.mode;
    const onDrop = (f: OutFrame, reason: DropReason): void => deps.hooks?.dropped?.(f, reason);
    this.scheduler = mode === 'fifo'
      ? new FifoScheduler<OutFrame>({ maxRealtimeFrames: CLASS_NAMES.reduce((n, c) => n + config.classes[c].maxQueuedFrames, 0), onDrop })
      : new ClassScheduler<OutFrame>({ maxQueuedFrames: (c) => config.classes[c].maxQueuedFrames, onDrop });
    this.flow = new UplinkFlow({
      mode, maxBufferedBytes: config.uplink.maxBufferedBytes, timers: this.timers, wake: () => this.schedulePump(),
      ...(config.uplink.shapedRateBps !== undefined ? { shapedRateBps: config.uplink.shapedRateBps } : {}),
    });
    this.session = new UplinkSession({
      url: config.hub.url,
      gatewayId: config.gatewayId,
      credential: config.hub.credential,
      siteKind: config.siteKind,
      siteName: config.siteName,
      softwareVersion: deps.softwareVersion ?? '0.1.0',
      reconnect: config.reconnect,
      pingIntervalMs: config.uplink.pingIntervalMs,
      helloTimeoutMs: config.uplink.helloTimeoutMs,
      clock: deps.clock,
      logger: deps.logger,
      ...(deps.timers ? { timers: deps.timers } : {}),
      ...(deps.random ? { random: deps.random } : {}),
      downlinkMarks: this.outbox,
      tls: loadHubTls(config.hub.tls),
      linkErrors: new LinkErrorLog(this.log, (code) => deps.hooks?.tlsError?.(code)),
    });
    this.commits = new GroupCommit({ windowMs: config.outbox.groupCommitMs, timers: this.timers }, (inputs) => this.commitBatch(inputs));
    this.fullAlarm = new OutboxFullAlarm(deps.clock, (refused) => this.raiseOutboxFull(refused));
    this.session.on('state', (next, prev) => this.onState(next, prev));
    this.session.on('ready', (ack) => this.resume(ack.streams ?? []));
    this.session.on('ack', (streams) => this.onAck(streams));
    this.session.on('writable', () => this.schedulePump());
    this.session.on('bytesSent', (n) => this.flow.onSent(n, deps.clock.monoMs()));
    this.session.on('ackFeedback', (fb) => {
      this.flow.onAck(fb, deps.clock.monoMs());
      this.schedulePump();
    });
    this.session.on('rtt', ({ rttMs }) => deps.hooks?.rtt?.(rttMs));
    this.session.on('downlink', (env) => deps.hooks?.downlink?.(env));
    this.session.on('latency', ({ className: cls, ms }) => deps.hooks?.downlinkLatency?.(cls, ms));
  }

  start(signal?: AbortSignal): void {
    this.session.start(signal);
    this.pruner.start();
  }

  async close(): Promise<void> {
    this.pruner.stop();
    this.commits.flush(); // what was accepted is stored before we go
    await this.session.close();
  }

  /**
   * Takes one frame from a device. Durable frames go to the outbox first; when it is full this
   * throws TM_ERR_OUTBOX_FULL after counting the drop. Realtime frames while the link is down are
   * dropped and counted (`link_down`): nobody wants a stale waveform.
   */
  publish(input: BuildFrameInput): OutFrame {
    const parts = rechunk(input, this.flow.chunkBytes());
    let last: OutFrame | undefined;
    for (const part of parts) last = this.publishOne(part);
    if (!last) throw new RangeError('rechunk returned nothing');
    return last;
  }

  private publishOne(input: BuildFrameInput): OutFrame {
    const frame = this.sequencer.build(input, this.deps.clock.monoMs());
    this.noteClass(frame);
    if (frame.durable) {
      try {
        this.outbox.append(frame);
      } catch (err) {
        this.refuse(frame, err);
        throw err;
      }
    }
    return this.route(frame);
  }

  /**
   * Takes one durable reading with group commit (`outbox.groupCommitMs`): resolves once it is on
   * disk, rejects with TM_ERR_OUTBOX_FULL when refused. The seq is given at commit time, so a
   * refused reading never leaves a gap.
   */
  submit(input: BuildFrameInput): Promise<OutFrame> {
    // Oversized record chunks are cut to the link's chunk size; the promise settles with the last piece.
    const parts = rechunk(input, this.flow.chunkBytes());
    if (parts.length === 1) return this.commits.submit(input);
    return Promise.all(parts.map((p) => this.commits.submit(p))).then((frames) => frames[frames.length - 1] as OutFrame);
  }

  /** Readings of one group commit: numbered, checked against the cap, stored in one transaction. */
  private commitBatch(inputs: readonly BuildFrameInput[]): (OutFrame | Error)[] {
    const now = this.deps.clock.monoMs();
    const results: (OutFrame | Error)[] = [];
    const frames: OutFrame[] = [];
    let room = this.outbox.maxBytes - this.outbox.bytes;
    for (const input of inputs) {
      const frame = this.sequencer.build({ ...input, durable: true }, now);
      this.noteClass(frame);
      if (frame.size > room) {
        const err = outboxFullError(this.outbox.bytes, this.outbox.maxBytes, frame.size, `frame (stream ${frame.streamId})`);
        this.refuse(frame, err);
        results.push(err);
        continue;
      }
      room -= frame.size;
      frames.push(frame);
      results.push(frame);
    }
    try {
      this.outbox.appendBatch(frames);
    } catch (err) {
      // Nothing of the batch was stored: give every stream its numbers back, newest first.
      for (const f of [...frames].reverse()) this.sequencer.resetTo(f.streamId, f.seq - 1);
      this.log.error({ err, frames: frames.length }, 'outbox commit failed');
      const e = err instanceof Error ? err : new Error(String(err));
      return results.map((r) => (r instanceof Error ? r : e));
    }
    for (const f of frames) this.route(f);
    return results;
  }

  /** Remembers a stream's class (for counting its acks); a Map write only when it is new or changed. */
  private noteClass(frame: OutFrame): void {
    if (this.streamClass.get(frame.streamId) !== frame.className) this.streamClass.set(frame.streamId, frame.className);
  }

  /** A durable frame the outbox refused: its seq goes back, the drop is counted and alarmed. */
  private refuse(frame: OutFrame, err: unknown): void {
    // A gap in a durable stream would stall the hub's cumulative ack.
    this.sequencer.resetTo(frame.streamId, frame.seq - 1);
    this.scheduler.countDrop(frame, 'outbox_full');
    if (isTelemedError(err) && err.code === GatewayErrorCode.OUTBOX_FULL) this.fullAlarm.refused();
  }

  /** A stored (or realtime) frame goes to the scheduler while the link is up. */
  private route(frame: OutFrame): OutFrame {
    if (this.session.state !== 'ready') {
      if (!frame.durable) this.scheduler.countDrop(frame, 'link_down');
      return frame;
    }
    // A durable flood stays in the outbox and is read back as the scheduler drains (bounded memory).
    if (!(frame.durable && this.backlog.deferLive(frame.streamId, frame.seq, this.scheduler.durableBytesOf(frame.className)))) this.scheduler.enqueue(frame);
    this.schedulePump();
    return frame;
  }

  classCounters(): Record<ClassName, ClassCounters> {
    const stats = this.scheduler.stats();
    const out = {} as Record<ClassName, ClassCounters>;
    for (const c of CLASS_NAMES) {
      const s = stats[c];
      const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
      out[c] = { sent: this.sent[c], dropped, queued: s.queued, acked: this.acked.get(c) ?? 0 };
    }
    return out;
  }

  private onState(next: LinkState, prev: LinkState): void {
    // A new socket: the hub counts bytes_received from 0 again, and the old estimates are stale.
    if (next === 'authenticating') this.flow.reset();
    if (prev === 'ready') {
      this.flow.cancel();
      // Realtime frames are stale by the time we are back; durable ones wait in the outbox.
      this.scheduler.clear('link_down');
      this.backlog.reset();
      this.timers.clearInterval(this.statsTimer);
      this.statsTimer = undefined;
    }
    if (next === 'ready') {
      this.statsTimer = this.timers.setInterval(() => this.sendLinkStats(), 1000);
    }
    this.deps.hooks?.state?.(next, prev);
  }

  /**
   * HelloAck: drop what the hub already has, then resend the rest of every stream in order; a
   * stream the hub holds less of than it had acked (rollback) gets its retained frames back. The
   * backlog is read from the outbox in batches as the scheduler drains (`refillBacklog`), never
   * all at once: after a long outage it can be hundreds of MB.
   */
  private resume(hubAcks: readonly { streamId?: string | null; seq?: number | null }[]): void {
    const acked = new Map<string, number>();
    for (const a of hubAcks) {
      if (!a.streamId) continue;
      const seq = a.seq ?? 0;
      acked.set(a.streamId, seq);
      const r = resendAfterRollback(this.outbox, a.streamId, seq, this.rollback, this.log);
      if (r !== null) this.deps.hooks?.hubRollback?.(r.resent, r.missing);
      this.renumberIfStale(a.streamId, seq);
      this.sequencer.advanceTo(a.streamId, seq);
      this.countAcked(a.streamId, this.outbox.ack(a.streamId, seq));
    }
    this.backlog.reset();
    for (const streamId of this.outbox.streams()) {
      this.backlog.add(streamId, acked.get(streamId) ?? 0, this.outbox.highestSeq(streamId));
    }
    this.log.info({ streams: acked.size, backlogStreams: this.backlog.streams, outboxFrames: this.outbox.frames, outboxBytes: this.outbox.bytes }, 'uplink resumed');
    this.schedulePump();
  }

  /**
   * The hub's ack covers numbers this process never sent: it stored them from an earlier run of
   * this gateway whose outbox did not survive. Our unsent frames reuse those numbers, so the ack
   * would silently discard them; give them fresh numbers after the hub's instead. Only for a
   * non-persistent outbox: a persistent one resumes its numbering and its frames may really be
   * the hub's (renumbering those would store them twice).
   */
  private renumberIfStale(streamId: string, hubSeq: number): void {
    if (this.outbox.persistent) return;
    const sentMax = this.highestSent.get(streamId) ?? 0;
    if (hubSeq <= sentMax) return;
    if (!(this.outbox instanceof MemoryOutbox)) return;
    const unsent = this.outbox.pendingBatch(streamId, sentMax, Number.MAX_SAFE_INTEGER).filter((f) => f.seq <= hubSeq);
    if (unsent.length === 0) return;
    // Every frame of the stream is unsent or hub-held: take them all out, renumber, put back.
    const all = this.outbox.forgetStream(streamId).filter((f) => f.seq > sentMax);
    this.sequencer.resetTo(streamId, hubSeq);
    for (const f of all) this.outbox.append(this.sequencer.renumber(f));
    this.log.warn({ streamId, hubSeq, renumbered: all.length }, 'hub holds seqs this run never sent (outbox lost on restart); unsent frames renumbered');
  }

  private onAck(streams: readonly { streamId?: string | null; seq?: number | null }[]): void {
    for (const a of streams) if (a.streamId) this.countAcked(a.streamId, this.outbox.ack(a.streamId, a.seq ?? 0));
  }

  private countAcked(streamId: string, n: number): void {
    const c = this.streamClass.get(streamId);
    if (c && n > 0) this.acked.set(c, (this.acked.get(c) ?? 0) + n);
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Frames taken in the current pump turn, not yet written (reused array). */
  private readonly batch: OutFrame[] = [];

  /**
   * Writes while the socket has room (ws backpressure); the next send completion resumes it.
   * Frames released in one turn leave as one WebSocket message (a Batch, SESSION.md §2a) when the
   * hub takes batches: never waiting to fill one, and at most one chunk (`flow.chunkBytes()`) of
   * frames per batch, so a CONTROL frame released next waits behind at most one chunk. Each frame
   * is charged to the pacer as it is taken, before the next is admitted: a frame waiting in the
   * Batch is in flight for pacing and cwnd alike (charging once per message let a turn overdraw the
   * pacing budget by a whole Batch, and CONTROL queued behind that burst at the bottleneck).
   */
  private pump(): void {
    const batch = this.batch;
    const limit = this.session.batchLimit;
    const cap = limit > 0 ? Math.min(limit, this.flow.chunkBytes()) : 0;
    // One send time per turn: the frames leave together.
    const sendTimeNs = this.deps.clock.nowNs();
    const transitMs = this.flow.transitMs();
    // Outer header, batch tag and a length varint of up to 4 bytes (< 256 MiB).
    const outerBytes = batchEnvelopeSize(this.session.batchHeader.length, 0) + 3;
    let batchBytes = outerBytes;
    let accounted = 0;
    let now = this.deps.clock.monoMs();
    const admit = (f: SchedItem): boolean => this.flow.admit(f, now);
    // The Batch being built counts as written: the socket bound holds as if each frame went alone.
    while (this.session.state === 'ready' && this.flow.socketHasRoom(this.session.bufferedAmount + accounted)) {
      this.backlog.refill(this.outbox, this.enqueueBacklog);
      now = this.deps.clock.monoMs();
      const frame = this.scheduler.next(now, { transitMs, admit });
      if (!frame) {
        this.flush(sendTimeNs, accounted);
        // Held by pacing or cwnd: wake when allowed (or on the next ack). Nothing queued: app-limited.
        if (this.scheduler.queuedFrames > 0) this.flow.hold(now);
        else this.flow.idle();
        return;
      }
      this.backlog.taken(frame);
      const bytes = sendSize(frame, sendTimeNs);
      // The whole Batch envelope (outer header, each element's tag and length) stays within the cap.
      const element = batchElementSize(bytes);
      if (batch.length > 0 && batchBytes + element > cap) {
        if (!this.flush(sendTimeNs, accounted)) return;
        batchBytes = outerBytes;
        accounted = 0;
      }
      batch.push(frame);
      batchBytes += element;
      accounted += bytes;
      this.flow.onSent(bytes, now);
    }
    this.flush(sendTimeNs, accounted);
  }

  private readonly enqueueBacklog = (f: OutFrame): void => {
    this.scheduler.enqueue(f);
  };

  /** Writes the frames taken so far as one message; false when the session refused it (link gone). */
  private flush(sendTimeNs: number, accounted: number): boolean {
    const batch = this.batch;
    if (batch.length === 0) return true;
    // The frames were charged to the pacer as they were taken; the session reports the rest (Batch framing).
    const ok = this.session.send(encodeBatchForSend(batch, sendTimeNs, this.session.batchHeader), accounted);
    if (ok) {
      for (const frame of batch) {
        this.sent[frame.className] += 1;
        if (frame.durable && frame.seq > (this.highestSent.get(frame.streamId) ?? 0)) this.highestSent.set(frame.streamId, frame.seq);
        this.deps.hooks?.sent?.(frame);
      }
    }
    batch.length = 0;
    return ok;
  }

  /**
   * Technical alarm to the hub for a full outbox. Realtime, not durable: the outbox it would wait
   * in is the thing that is full. The local page shows `fullAlarm.state` through /api/status.
   */
  private raiseOutboxFull(refused: number): void {
    this.log.error({ refused, outboxBytes: this.outbox.bytes, maxBytes: this.outbox.maxBytes }, 'outbox full: durable readings refused');
    this.deps.hooks?.outboxFull?.(refused);
    const alarm = outboxFullAlarmPayload(this.config.gatewayId, this.fullAlarm.state.alarms, this.outbox.bytes, this.outbox.maxBytes, refused);
    try {
      this.publish({ streamId: ALARM_STREAM, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: false, captureTimeNs: this.deps.clock.nowNs(), payload: { alarm } });
    } catch (err) {
      this.log.error({ err }, 'outbox-full alarm not sent');
    }
  }

  private sendLinkStats(): void {
    const stats = this.scheduler.stats();
    try {
      this.publish({
        streamId: LINK_STREAM,
        trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL,
        durable: false,
        captureTimeNs: this.deps.clock.nowNs(),
        payload: {
          linkStats: {
            rttMs: this.session.rttMs ?? 0,
            clockOffsetMs: this.session.clockOffsetMs ?? 0,
            outboxBytes: this.outbox.bytes,
            linkState: this.session.state,
            queues: CLASS_NAMES.map((c) => ({
              trafficClass: classFromName(c),
              frames: stats[c].queued,
              bytes: stats[c].queuedBytes,
              dropped: Object.values(stats[c].dropped).reduce((a, b) => a + b, 0),
              late: stats[c].late,
            })),
          },
        },
      });
    } catch (err) {
      this.log.error({ err }, 'link stats not sent');
    }
  }
}
