import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';

/**
 * States of a page's live socket.
 * - `idle`: not started. `connecting`: a socket is opening. `open`: messages flow.
 * - `backoff`: the socket dropped (or never opened); a retry is scheduled.
 * - `stopped`: closed on purpose (logout, page gone) or refused for good (auth).
 */
export type LiveState = 'idle' | 'connecting' | 'open' | 'backoff' | 'stopped';

export type LiveEvent =
  | { kind: 'start' }
  | { kind: 'opened' }
  | { kind: 'dropped'; code: number }
  | { kind: 'retry-due' }
  | { kind: 'stop' };

/** What the page shows about its live socket. */
export interface LiveStatus {
  state: LiveState;
  /** Reconnect attempts since the last successful open. */
  attempt: number;
  /** True once any socket of this instance has opened: a later drop is a *lost* connection. */
  everOpened: boolean;
  /** Close code of the last drop (1006 = abnormal), null before any. */
  lastCloseCode: number | null;
}

/** The slice of the browser WebSocket this class uses; tests pass a fake. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

/** Timer functions, injectable so tests drive backoff with a fake clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ReconnectingSocketOptions {
  /**
   * URL of each attempt, called per attempt so a fresh single-use ticket can be fetched (the hub's
   * /live takes `?ticket=`, never the session token). A rejected promise counts as a drop (1006).
   */
  url: () => string | Promise<string>;
  onMessage: (text: string) => void;
  onStatus: (status: LiveStatus) => void;
  /** Close codes after which retrying is pointless (e.g. 4401 bad token). Default [4401, 4403, 1008]. */
  fatalCodes?: readonly number[];
  /** Called once when a fatal code stops the socket. */
  onFatal?: (code: number) => void;
  backoff?: BackoffOptions;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  random?: () => number;
}

const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

/** A WebSocket that reconnects with capped, jittered exponential backoff until stopped. */
export class ReconnectingSocket {
  private status: LiveStatus = { state: 'idle', attempt: 0, everOpened: false, lastCloseCode: null };
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private readonly opts: ReconnectingSocketOptions;
  private readonly timers: Timers;

  constructor(opts: ReconnectingSocketOptions) {
    this.opts = opts;
    this.timers = opts.timers ?? browserTimers;
  }

  get current(): LiveStatus {
    return this.status;
  }

  start(): void {
    this.dispatch({ kind: 'start' });
  }

  stop(): void {
    this.dispatch({ kind: 'stop' });
  }

  /** The one transition function: every state change and its side effect happens here. */
  private dispatch(ev: LiveEvent): void {
    const s = this.status;
    switch (ev.kind) {
      case 'start':
        if (s.state !== 'idle') return;
        this.set({ ...s, state: 'connecting' });
        this.connect();
        return;
      case 'opened':
        if (s.state !== 'connecting') return;
        this.set({ ...s, state: 'open', attempt: 0, everOpened: true });
        return;
      case 'dropped': {
        if (s.state !== 'connecting' && s.state !== 'open') return;
        this.socket = null;
        if ((this.opts.fatalCodes ?? [4401, 4403, 1008]).includes(ev.code)) {
          this.set({ ...s, state: 'stopped', lastCloseCode: ev.code });
          this.opts.onFatal?.(ev.code);
          return;
        }
        const attempt = s.attempt + 1;
        this.set({ ...s, state: 'backoff', attempt, lastCloseCode: ev.code });
        const wait = backoffDelayMs(attempt, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random);
        this.timer = this.timers.setTimeout(() => this.dispatch({ kind: 'retry-due' }), wait);
        return;
      }
      case 'retry-due':
        if (s.state !== 'backoff') return;
        this.timer = null;
        this.set({ ...s, state: 'connecting' });
        this.connect();
        return;
      case 'stop': {
        if (s.state === 'stopped') return;
        if (this.timer !== null) this.timers.clearTimeout(this.timer);
        this.timer = null;
        const sock = this.socket;
        this.socket = null;
        this.set({ ...s, state: 'stopped' });
        if (sock) {
          sock.onclose = null;
          sock.close(1000, 'page closed');
        }
        return;
      }
    }
  }

  private set(next: LiveStatus): void {
    this.status = next;
    this.opts.onStatus(next);
  }

  private connect(): void {
    let url: string | Promise<string>;
    try {
      url = this.opts.url();
    } catch {
      this.dispatch({ kind: 'dropped', code: 1006 });
      return;
    }
    if (typeof url === 'string') { this.open(url); return; }
    url.then((u) => {
      // Stopped while the ticket was on its way: nothing to open.
      if (this.status.state === 'connecting' && this.socket === null) this.open(u);
    }, () => this.dispatch({ kind: 'dropped', code: 1006 }));
  }

  private open(url: string): void {
    const create = this.opts.createSocket ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
    let sock: SocketLike;
    try {
      sock = create(url);
    } catch {
      // A malformed URL or a blocked scheme: treat like a drop so the page shows it and retries.
      this.dispatch({ kind: 'dropped', code: 1006 });
      return;
    }
    this.socket = sock;
    sock.onopen = () => {
      if (this.socket === sock) this.dispatch({ kind: 'opened' });
    };
    sock.onmessage = (ev) => {
      if (this.socket === sock && typeof ev.data === 'string') this.opts.onMessage(ev.data);
    };
    sock.onclose = (ev) => {
      if (this.socket === sock) this.dispatch({ kind: 'dropped', code: ev.code });
    };
    // An error is always followed by close; the close handler does the work.
    sock.onerror = () => undefined;
  }
}

/** `ws:`/`wss:` URL of a path on the server that served this page. */
export function liveUrl(path: string, loc: { protocol: string; host: string } = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}`;
}
