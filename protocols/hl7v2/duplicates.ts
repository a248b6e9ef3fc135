// Memory of recently seen message control ids (MSH-10), per sender, so a message the sender
// re-sends (it never got our ACK, HL7 v2.6 §2.9.2 / Appendix C.4.3 "retransmission") is
// acknowledged again but not stored twice. Bounded on both axes: at most `perSender` ids per sender
// and `maxSenders` senders, least recently used evicted first (Map keeps insertion order; a touch
// re-inserts). Pure: no clock, no I/O.

export interface DuplicateMemoryOptions {
  /** Ids remembered per sender. A sender would have to send this many messages between a message
   *  and its retransmission for a duplicate to slip through. */
  readonly perSender?: number;
  readonly maxSenders?: number;
}

export class DuplicateControlIds {
  private readonly senders = new Map<string, Map<string, true>>();
  private readonly perSender: number;
  private readonly maxSenders: number;

  constructor(o: DuplicateMemoryOptions = {}) {
    this.perSender = o.perSender ?? 4096;
    this.maxSenders = o.maxSenders ?? 1024;
  }

  /** True when `controlId` from `sender` was recorded before. Does not record. */
  has(sender: string, controlId: string): boolean {
    return this.senders.get(sender)?.has(controlId) ?? false;
  }

  /** Records `controlId` (call it once the message is stored). */
  add(sender: string, controlId: string): void {
    let ids = this.senders.get(sender);
    if (ids) {
      this.senders.delete(sender); // most recently used sender goes last
    } else {
      ids = new Map();
      if (this.senders.size >= this.maxSenders) this.senders.delete(this.senders.keys().next().value!);
    }
    this.senders.set(sender, ids);
    ids.delete(controlId);
    ids.set(controlId, true);
    if (ids.size > this.perSender) ids.delete(ids.keys().next().value!);
  }

  /** Records and says whether it was already there (has + add in one step). */
  seen(sender: string, controlId: string): boolean {
    const before = this.has(sender, controlId);
    this.add(sender, controlId);
    return before;
  }

  get senderCount(): number {
    return this.senders.size;
  }
}

/** The sender key of a message: MSH-3 (sending application) and MSH-4 (sending facility) as sent. */
export function senderKey(sendingApplication: string, sendingFacility: string): string {
  return `${sendingApplication}|${sendingFacility}`;
}
