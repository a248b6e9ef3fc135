import type Database from 'better-sqlite3';

/** One durable downlink frame waiting for its gateway's ack. */
export interface StoredDownFrame {
  readonly gatewayId: string;
  readonly streamId: string;
  /** Hub-assigned per-(gateway, stream) sequence number, from 1. */
  readonly seq: number;
  /** TrafficClass enum number (the scheduler's class). */
  readonly trafficClass: number;
  /** The encoded Envelope as it goes on the wire (seq and gateway id already in its header). */
  readonly env: Uint8Array;
}

/**
 * Called after an ack deleted frames of one (gateway, stream), oldest first, with the bytes they
 * carried. Synchronous, inside the session's ack handling: must not throw and must stay cheap.
 */
export type DownlinkAckListener = (frames: readonly StoredDownFrame[]) => void;

/** Outcome of `append`: the stored frame, or `full` when the gateway's byte cap would be passed. */
export type AppendResult = { readonly ok: true; readonly frame: StoredDownFrame } | { readonly ok: false; readonly heldBytes: number };

/**
 * The hub's durable downlink outbox (table `downlink_outbox`, migration 6): a frame for a gateway
 * is on disk before `sendToGateway` returns and stays until the gateway acks it (cumulative per
 * stream), across reconnects and hub restarts. Synchronous on purpose: better-sqlite3 answers at
 * once and the caller needs the verdict before it returns.
 *
 * Bounded per gateway by `maxBytesPerGateway` (sum of encoded sizes); policy when full: the new
 * frame is refused, nothing held is dropped.
 */
export class DownlinkOutbox {
  /** Bytes held per gateway; loaded lazily (this process is the file's only writer). */
  private readonly held = new Map<string, number>();
  /** Ack listeners by stream id (only frames of these streams are read back before deletion). */
  private readonly ackListeners = new Map<string, Set<DownlinkAckListener>>();
  private readonly stmt;
  /**
   * This database's downlink epoch (migration 7): random, made once, stable across restarts. Sent in
   * HelloAck so that a gateway notices when our numbering restarted with a new database.
   */
  get epoch(): string {
    return this.currentEpoch;
  }
  private currentEpoch: string;
  private readonly appendTx: (gatewayId: string, streamId: string, trafficClass: number, encode: (seq: number) => Uint8Array) => StoredDownFrame | null;

  constructor(private readonly db: Database.Database, readonly maxBytesPerGateway: number, private readonly nowMs: () => number = Date.now) {
    this.currentEpoch = db.prepare('SELECT epoch FROM downlink_epoch WHERE id = 1').pluck().get() as string;
    this.stmt = {
      lastSeq: db.prepare('SELECT last_seq FROM downlink_seqs WHERE gateway_id = ? AND stream_id = ?').pluck(),
      putSeq: db.prepare('INSERT INTO downlink_seqs (gateway_id, stream_id, last_seq) VALUES (?, ?, ?) ON CONFLICT (gateway_id, stream_id) DO UPDATE SET last_seq = excluded.last_seq'),
      insert: db.prepare('INSERT INTO downlink_outbox (gateway_id, stream_id, seq, traffic_class, size, queued_at_ms, env) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      pending: db.prepare('SELECT stream_id, seq, traffic_class, env FROM downlink_outbox WHERE gateway_id = ? ORDER BY rowid'),
      sumUpTo: db.prepare('SELECT COALESCE(SUM(size), 0) FROM downlink_outbox WHERE gateway_id = ? AND stream_id = ? AND seq <= ?').pluck(),
      delUpTo: db.prepare('DELETE FROM downlink_outbox WHERE gateway_id = ? AND stream_id = ? AND seq <= ?'),
      upTo: db.prepare('SELECT seq, traffic_class, env FROM downlink_outbox WHERE gateway_id = ? AND stream_id = ? AND seq <= ? ORDER BY seq'),
      bytes: db.prepare('SELECT COALESCE(SUM(size), 0) FROM downlink_outbox WHERE gateway_id = ?').pluck(),
    };
    this.appendTx = db.transaction((gatewayId: string, streamId: string, trafficClass: number, encode: (seq: number) => Uint8Array) => {
      const seq = ((this.stmt.lastSeq.get(gatewayId, streamId) as number | undefined) ?? 0) + 1;
      const env = encode(seq);
      if (this.heldBytes(gatewayId) + env.length > this.maxBytesPerGateway) return null;
      this.stmt.insert.run(gatewayId, streamId, seq, trafficClass, env.length, this.nowMs(), env);
      this.stmt.putSeq.run(gatewayId, streamId, seq);
      return { gatewayId, streamId, seq, trafficClass, env };
    });
  }

  /** Highest seq this database has issued on a gateway's downlink stream (0: none). */
  lastSeq(gatewayId: string, streamId: string): number {
    return (this.stmt.lastSeq.get(gatewayId, streamId) as number | undefined) ?? 0;
  }

  /**
   * A new random epoch for this database (SESSION.md §4): used when a gateway's marks show our
   * numbering went backwards under the same epoch (a restored backup keeps the epoch). Every
   * gateway then forgets its marks at its next HelloAck, so renumbered frames are delivered, not
   * dropped as duplicates (consumers dedupe by their own ids).
   */
  rotateEpoch(): string {
    this.db.prepare('UPDATE downlink_epoch SET epoch = lower(hex(randomblob(16))) WHERE id = 1').run();
    this.currentEpoch = this.db.prepare('SELECT epoch FROM downlink_epoch WHERE id = 1').pluck().get() as string;
    return this.currentEpoch;
  }

  /** Durable bytes held for one gateway. */
  heldBytes(gatewayId: string): number {
    let n = this.held.get(gatewayId);
    if (n === undefined) this.held.set(gatewayId, (n = this.stmt.bytes.get(gatewayId) as number));
    return n;
  }

  /**
   * Numbers and stores one frame in one transaction: `encode(seq)` builds the wire bytes with the
   * assigned seq. Refused (nothing written, the seq not used) when the gateway's cap would be passed.
   */
  append(gatewayId: string, streamId: string, trafficClass: number, encode: (seq: number) => Uint8Array): AppendResult {
    const held = this.heldBytes(gatewayId);
    const frame = this.appendTx(gatewayId, streamId, trafficClass, encode);
    if (frame === null) return { ok: false, heldBytes: held };
    this.held.set(gatewayId, held + frame.env.length);
    return { ok: true, frame };
  }

  /** Every frame still unacked for a gateway, in the order it was queued (rowid: insertion order). */
  pending(gatewayId: string): StoredDownFrame[] {
    const rows = this.stmt.pending.all(gatewayId) as { stream_id: string; seq: number; traffic_class: number; env: Buffer }[];
    return rows.map((r) => ({ gatewayId, streamId: r.stream_id, seq: r.seq, trafficClass: r.traffic_class, env: r.env }));
  }

  /**
   * The gateway acked `streamId` up to `seq` (cumulative): those frames are deleted, then the
   * stream's ack listeners hear which ones. Returns how many bytes.
   */
  ack(gatewayId: string, streamId: string, seq: number): number {
    const bytes = this.stmt.sumUpTo.get(gatewayId, streamId, seq) as number;
    if (bytes === 0) return 0;
    const listeners = this.ackListeners.get(streamId);
    const rows = listeners === undefined ? [] : this.stmt.upTo.all(gatewayId, streamId, seq) as { seq: number; traffic_class: number; env: Buffer }[];
    this.stmt.delUpTo.run(gatewayId, streamId, seq);
    this.held.set(gatewayId, Math.max(0, this.heldBytes(gatewayId) - bytes));
    if (listeners !== undefined && rows.length > 0) {
      const frames = rows.map((r) => ({ gatewayId, streamId, seq: r.seq, trafficClass: r.traffic_class, env: r.env }));
      for (const l of [...listeners]) l(frames);
    }
    return bytes;
  }

  /**
   * Hears the frames of `streams` that acks delete (the gateway has them: delivered). Returns the
   * unsubscribe function. Frames of other streams are deleted without being read back.
   */
  onAcked(streams: readonly string[], listener: DownlinkAckListener): () => void {
    for (const s of streams) {
      let set = this.ackListeners.get(s);
      if (set === undefined) this.ackListeners.set(s, (set = new Set()));
      set.add(listener);
    }
    return () => {
      for (const s of streams) {
        const set = this.ackListeners.get(s);
        set?.delete(listener);
        if (set?.size === 0) this.ackListeners.delete(s);
      }
    };
  }
}
