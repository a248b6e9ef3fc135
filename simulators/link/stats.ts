/** Counters of one direction of the link, summed over all connections. */
export interface DirStats {
  /** Bytes read from the source sockets. */
  bytesIn: number;
  /** Bytes written to the destination sockets. */
  bytesOut: number;
  /** Bytes now waiting in the bottleneck queues (not yet serialised). */
  queuedBytes: number;
  /** Bytes now held by the emulator in total (queue + propagation delay line). */
  heldBytes: number;
  /** Largest queue occupancy seen on any one pipe, in bytes. */
  maxQueuedBytes: number;
  /** Largest total held by any one pipe, in bytes (the proxy's own memory bound). */
  maxHeldBytes: number;
  /** Times a source socket was paused (backpressure applied). */
  pauses: number;
}

export function emptyDirStats(): DirStats {
  return { bytesIn: 0, bytesOut: 0, queuedBytes: 0, heldBytes: 0, maxQueuedBytes: 0, maxHeldBytes: 0, pauses: 0 };
}
