/** One side of a bench:teleop run inside its child process (telemed or FIFO; hub or edge). */
export interface BenchSide {
  /** The port the link emulator or the operator connects to (hubs); 0 for an edge. */
  readonly port: number;
  /** Starts the other traffic (edges). */
  start(): void;
  stop(): void;
  report(): unknown;
  close(): Promise<void>;
}
