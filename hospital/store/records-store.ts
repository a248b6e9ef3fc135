import type { Role } from '../config.js';
import type { EcgStore } from '../ecg/ecg-store.js';
import type { ArmAuditStore } from '../teleop/audit-store.js';
import type { DownlinkOutbox } from './downlink-outbox.js';

/** One durable frame as the hub keeps it: indexed header fields plus the raw wire bytes. */
export interface FrameRecord {
  readonly gatewayId: string;
  readonly streamId: string;
  /** Per-stream sequence number, from 1. */
  readonly seq: number;
  /** TrafficClass enum number. */
  readonly trafficClass: number;
  /** Capture time on the gateway's clock, Unix ns. */
  readonly captureTimeNs: number;
  /** When the hub received it, hub clock, Unix ns. */
  readonly receivedAtNs: number;
  /** Envelope payload arm, e.g. "vitals". */
  readonly payloadKind: string;
  /** The frame exactly as it came off the wire (keeps unknown fields, telemed.proto rule 4). */
  readonly raw: Uint8Array;
  /**
   * Set for a durable frame whose header is sound but whose body broke the wire limits: it is kept
   * (raw bytes) and counts for the stream's ack, never fanned out (issue 12 item 5).
   */
  readonly rejectCode?: string;
}

export type StoreOutcome = 'stored' | 'duplicate';

export interface StoreResult {
  /** One outcome per input frame, same order. */
  readonly outcomes: readonly StoreOutcome[];
  /** Cumulative ack after the batch for every stream the batch touched, keyed by stream id. */
  readonly acks: ReadonlyMap<string, number>;
}

/** A stream found behind a gateway's Hello.hub_acked: frames (hubSeq, gatewaySeq] are missing here. */
export interface RolledBackStream {
  readonly streamId: string;
  /** Our ack before (what survived here). */
  readonly hubSeq: number;
  /** What the gateway had been acked. */
  readonly gatewaySeq: number;
  /**
   * Seqs hubSeq+1..gapTo are lost for good (recorded in stream_gaps); gapTo === hubSeq when the
   * gateway still retains everything we lost and resends it (no gap).
   */
  readonly gapTo: number;
}

export interface UserRecord {
  readonly username: string;
  readonly role: Role;
  readonly passwordHash: string;
}

export interface SessionRecord {
  /** SHA-256 of the bearer token, hex; the token itself is never stored. */
  readonly tokenHash: string;
  readonly username: string;
  readonly role: Role;
  /** Expiry, Unix ms. */
  readonly expiresAtMs: number;
}

/**
 * The hub's records. SQLite now (sqlite-store.ts); kept small so a PostgreSQL implementation can
 * follow (DESIGN.md §8). Methods are async for that reason even though SQLite answers at once.
 */
export interface RecordsStore {
  /**
   * Stores a batch of durable frames in one transaction. A frame whose (gateway, stream, seq) is
   * already stored, or at/below the stream's cumulative ack, is a duplicate and is not written.
   * Resolves only once the batch is durable (on disk, surviving a power cut): the uplink acks
   * what this resolves with, and the gateway deletes acked frames.
   */
  storeFrames(frames: readonly FrameRecord[]): Promise<StoreResult>;
  /** Cumulative ack of every stream of one gateway: stream id → highest contiguous stored seq. */
  streamAcks(gatewayId: string): Promise<ReadonlyMap<string, number>>;
  /**
   * Compares a connecting gateway's Hello.hub_acked with what is stored (issue 12 item 2). A stream
   * whose stored ack is behind the gateway's went backwards here (restored backup, lost WAL): the
   * missing range is recorded in `stream_gaps` (code TM_ERR_HUB_ROLLBACK) and the stream's ack
   * moves to the gateway's value, so it is acked again from there. Durable before it resolves.
   * `retained` (Hello.hub_retained): per stream the lowest seq the gateway can still resend; the
   * part of the lost range it covers is not a gap: the ack stays, and the gateway resends it.
   */
  reconcileAcks(gatewayId: string, hubAcked: ReadonlyMap<string, number>, nowMs: number, retained?: ReadonlyMap<string, number>): Promise<readonly RolledBackStream[]>;
  /** Resolves once everything committed so far is on disk (e.g. a rotated downlink epoch before it is sent). */
  durable(): Promise<void>;
  /** Number of stored frames of one stream (for tests and diagnostics). */
  countFrames(gatewayId: string, streamId: string): Promise<number>;
  upsertUser(user: UserRecord): Promise<void>;
  findUser(username: string): Promise<UserRecord | undefined>;
  putSession(session: SessionRecord): Promise<void>;
  findSession(tokenHash: string): Promise<SessionRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Deletes sessions that expired before `nowMs`; returns how many. */
  purgeSessions(nowMs: number): Promise<number>;
  /** ECG records of the worklist (hospital/ecg), in the same database. */
  readonly ecg: EcgStore;
  /** Durable downlink frames waiting for their gateway's ack (synchronous, same database). */
  readonly downlink: DownlinkOutbox;
  /** The mirror of the edge arm audit logs (hospital/teleop, synchronous, same database). */
  readonly armAudit: ArmAuditStore;
  close(): Promise<void>;
}
