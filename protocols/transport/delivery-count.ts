/**
 * The receiving side of one connection's delivery feedback (protocols/SESSION.md §2, §2b): the
 * bytes taken off the socket and when the last of them arrived, which every Ack reports so the
 * sender's pacer can measure the path. The gateway's and the hub's sessions each keep one per
 * connection; their timers (when to send a rate Ack) stay with them.
 */
export class DeliveryCount {
  /** Bytes counted on this connection. */
  bytesReceived = 0;
  /** When the last counted message was taken off the socket (Unix ns). */
  lastRxNs = 0;
  private reported = 0;
  /**
   * Both sides said acks_uncounted (Hello, HelloAck): an Ack-only message is neither counted nor
   * answered, and its sender's pacer leaves it out too (SESSION.md §2b).
   */
  acksUncounted = false;

  /** A new connection: both sides count from 0 and the old rule applies until the HelloAck. */
  reset(): void {
    this.bytesReceived = this.lastRxNs = this.reported = 0;
    this.acksUncounted = false;
  }

  /**
   * Whether a message takes part in the byte accounting, on receipt and on send alike: everything
   * does, undecodable bytes included, but an Ack-only message once acks_uncounted is agreed.
   */
  counts(isAck: boolean): boolean {
    return !(this.acksUncounted && isAck);
  }

  /** Counts `bytes` taken off the socket at `rxNs`. */
  add(bytes: number, rxNs: number): void {
    this.bytesReceived += bytes;
    this.lastRxNs = rxNs;
  }

  /** Bytes arrived that no Ack has reported yet. */
  get unreported(): boolean {
    return this.bytesReceived > this.reported;
  }

  /** The Ack fields for a report going out now (marks everything so far as reported). */
  report(): { receiveTimeNs: number; bytesReceived: number } {
    this.reported = this.bytesReceived;
    return { receiveTimeNs: this.lastRxNs, bytesReceived: this.bytesReceived };
  }
}
