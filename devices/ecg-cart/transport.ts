/** Options for opening a serial port. */
export interface OpenOptions {
  /** Line rate, bits per second. Default in the driver: 921600. */
  readonly baudRate: number;
  readonly signal?: AbortSignal;
}

/**
 * The driver's only view of a serial port. Implementations: `SerialPortTransport` (the real
 * `serialport` binding) and `FakeSerialTransport` (in memory); both pass transport-conformance.ts.
 *
 * Errors are CartErrors: `TM_ERR_CART_PORT_OPEN` (missing, busy: open is exclusive),
 * `TM_ERR_CART_PORT_CLOSED` (we closed it: a cancellation, callers ignore it) and
 * `TM_ERR_CART_PORT_IO` (the port failed or vanished: the driver reconnects).
 */
export interface SerialTransport {
  /** Opens `path`, resolving symlinks afresh (stable by-id names survive re-enumeration). */
  open(path: string, opts: OpenOptions): Promise<void>;
  /** Next bytes received (at least one); chunk boundaries carry no meaning. */
  read(): Promise<Uint8Array>;
  /** Resolves once the bytes are handed to the OS (or the fake's line): waits out backpressure. */
  write(data: Uint8Array): Promise<void>;
  /** Idempotent; a pending read rejects with TM_ERR_CART_PORT_CLOSED. */
  close(): Promise<void>;
  /** The resolved device path while open, else null. */
  readonly openedPath: string | null;
}

export type TransportFactory = () => SerialTransport;
