// The gateway's memory of durable downlink frames already delivered (SESSION.md §4): a high-water
// mark per hub stream, and the hub downlink epoch those marks belong to.

/** Highest durable downlink seq delivered per hub stream (Outbox implements it). */
export interface DownlinkMarks {
  downlinkHigh(streamId: string): number;
  setDownlinkHigh(streamId: string, seq: number): void;
  /**
   * setDownlinkHigh whose promise resolves once the mark is on disk, the wait off the event loop
   * (the mark is in effect for downlinkHigh at once). Optional.
   */
  setDownlinkHighSynced?(streamId: string, seq: number): Promise<void>;
  /** The hub downlink epoch the marks belong to; '' when none seen yet. */
  downlinkEpoch(): string;
  /** Records the hub's epoch; with `clearMarks` every mark is forgotten in the same commit. */
  setDownlinkEpoch(epoch: string, clearMarks: boolean): void;
  /** Every downlink mark, for Hello.downlink_marks (rollback detection at the hub). Optional. */
  allDownlinkMarks?(): ReadonlyMap<string, number>;
  /**
   * Per durable uplink stream, the highest seq the hub has acked (frames up to it were deleted
   * here), for Hello.hub_acked (issue 12 item 2). Optional: a store that does not know says nothing.
   */
  hubAcked?(): ReadonlyMap<string, number>;
  /**
   * Per durable uplink stream, the lowest seq this gateway can still send (acked frames retained
   * for a hub rollback, and everything unacked), for Hello.hub_retained. Optional.
   */
  hubRetained?(): ReadonlyMap<string, number>;
}

/** Marks that live as long as the process. */
export class MemoryMarks implements DownlinkMarks {
  private readonly m = new Map<string, number>();
  private epoch = '';
  downlinkHigh(streamId: string): number { return this.m.get(streamId) ?? 0; }
  setDownlinkHigh(streamId: string, seq: number): void { this.m.set(streamId, seq); }
  downlinkEpoch(): string { return this.epoch; }
  setDownlinkEpoch(epoch: string, clearMarks: boolean): void {
    if (clearMarks) this.m.clear();
    this.epoch = epoch;
  }
}

/**
 * Takes the epoch of a HelloAck. The hub's downlink numbering restarts with a new hub database (a
 * new epoch): marks of the old numbering would drop the new frames as duplicates, so they are
 * cleared. An empty epoch (an older hub) changes nothing; the first epoch seen is stored without
 * clearing (the marks came from that hub). Returns the previous epoch when the marks were cleared.
 */
export function adoptDownlinkEpoch(marks: DownlinkMarks, epoch: string): string | undefined {
  if (epoch === '') return undefined;
  const stored = marks.downlinkEpoch();
  if (stored === epoch) return undefined;
  marks.setDownlinkEpoch(epoch, stored !== '');
  return stored === '' ? undefined : stored;
}

/**
 * Marks `seq` of `streamId` delivered (in effect at once). With marks that fsync off the event loop
 * the promise resolves once the mark is on disk (a synchronous fsync stalled the downlink receive
 * path for up to ~50 ms); undefined when the mark was made durable synchronously.
 */
export function markDelivered(marks: DownlinkMarks, streamId: string, seq: number): Promise<void> | undefined {
  const synced = marks.setDownlinkHighSynced?.(streamId, seq);
  if (synced === undefined) marks.setDownlinkHigh(streamId, seq);
  return synced;
}
