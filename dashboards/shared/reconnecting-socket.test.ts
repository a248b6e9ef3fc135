import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';
import { ReconnectingSocket, type LiveStatus, type SocketLike, type Timers } from './reconnecting-socket.js';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closedWith: number | null = null;
  constructor(readonly url: string) {}
  close(code?: number): void {
    this.closedWith = code ?? 1000;
  }
}

/** Manual timers: `fire()` runs the pending callback; `delays` records every wait asked for. */
function fakeTimers() {
  const pending = new Map<number, () => void>();
  const delays: number[] = [];
  let next = 1;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      delays.push(ms);
      pending.set(next, fn);
      return next++;
    },
    clearTimeout: (h) => pending.delete(h as number),
  };
  const fire = () => {
    const [id, fn] = [...pending.entries()][0] ?? [];
    if (id === undefined || fn === undefined) throw new Error('no timer pending');
    pending.delete(id);
    fn();
  };
  return { timers, delays, fire, pending };
}

function setup(fatalCodes?: number[]) {
  const sockets: FakeSocket[] = [];
  const statuses: LiveStatus[] = [];
  const messages: string[] = [];
  const fatal: number[] = [];
  const t = fakeTimers();
  const rs = new ReconnectingSocket({
    url: () => 'ws://127.0.0.1:1/live',
    onMessage: (m) => messages.push(m),
    onStatus: (s) => statuses.push(s),
    onFatal: (c) => fatal.push(c),
    createSocket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    timers: t.timers,
    random: () => 0.5,
    ...(fatalCodes !== undefined ? { fatalCodes } : {}),
  });
  const last = () => {
    const s = sockets.at(-1);
    if (s === undefined) throw new Error('no socket');
    return s;
  };
  return { rs, sockets, statuses, messages, fatal, t, last };
}

describe('backoffDelayMs', () => {
  it('doubles from initialMs, caps at maxMs, and jitters only the stated fraction', () => {
    const o = { initialMs: 100, maxMs: 1000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelayMs(a, o, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffDelayMs(1, o, () => 0.999999)).toBe(100);
    expect(backoffDelayMs(50, DEFAULT_BACKOFF, () => 0.5)).toBe(7500);
  });
});

describe('ReconnectingSocket', () => {
  it('opens, passes text messages, and ignores binary ones', () => {
    const { rs, last, messages, statuses } = setup();
    rs.start();
    expect(rs.current.state).toBe('connecting');
    last().onopen?.({});
    last().onmessage?.({ data: '{"type":"x"}' });
    last().onmessage?.({ data: new ArrayBuffer(2) });
    expect(messages).toEqual(['{"type":"x"}']);
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'open']);
    expect(rs.current.everOpened).toBe(true);
  });

  it('reconnects with growing waits after drops and resets the attempt count once open', () => {
    const { rs, last, t, sockets } = setup();
    rs.start();
    last().onopen?.({});
    last().onclose?.({ code: 1006 });
    expect(rs.current).toMatchObject({ state: 'backoff', attempt: 1, lastCloseCode: 1006, everOpened: true });
    t.fire();
    expect(rs.current.state).toBe('connecting');
    last().onclose?.({ code: 1006 }); // refused again
    expect(rs.current.attempt).toBe(2);
    t.fire();
    last().onopen?.({});
    expect(rs.current).toMatchObject({ state: 'open', attempt: 0 });
    expect(t.delays).toEqual([375, 750]); // 500·2^(n-1) with jitter 0.5 at random 0.5
    expect(sockets).toHaveLength(3);
  });

  it('stop closes the socket, cancels a pending retry and stays stopped', () => {
    const { rs, last, t, sockets } = setup();
    rs.start();
    last().onopen?.({});
    last().onclose?.({ code: 1006 });
    expect(t.pending.size).toBe(1);
    rs.stop();
    expect(t.pending.size).toBe(0);
    expect(rs.current.state).toBe('stopped');
    rs.start();
    expect(sockets).toHaveLength(1);

    const b = setup();
    b.rs.start();
    b.last().onopen?.({});
    b.rs.stop();
    expect(b.last().closedWith).toBe(1000);
  });

  it('stops for good on a fatal close code and reports it', () => {
    const { rs, last, t, fatal } = setup([4401]);
    rs.start();
    last().onclose?.({ code: 4401 });
    expect(rs.current.state).toBe('stopped');
    expect(fatal).toEqual([4401]);
    expect(t.pending.size).toBe(0);
  });

  it('ignores events from a socket it has already replaced', () => {
    const { rs, sockets, t, last, messages } = setup();
    rs.start();
    const old = last();
    old.onclose?.({ code: 1006 });
    t.fire();
    old.onmessage?.({ data: 'late' });
    old.onclose?.({ code: 1006 });
    expect(messages).toEqual([]);
    expect(rs.current.state).toBe('connecting');
    expect(sockets).toHaveLength(2);
  });
});

describe('ReconnectingSocket with a ticket per attempt', () => {
  it('asks for a fresh URL (a single-use ticket) before every attempt; a failed ask is a drop', async () => {
    const sockets: FakeSocket[] = [];
    const t = fakeTimers();
    let n = 0;
    const rs = new ReconnectingSocket({
      url: () => (++n === 2 ? Promise.reject(new Error('hub down')) : Promise.resolve(`ws://127.0.0.1:1/live?ticket=t${n}`)),
      onMessage: () => undefined,
      onStatus: () => undefined,
      createSocket: (u) => { const s = new FakeSocket(u); sockets.push(s); return s; },
      timers: t.timers,
      random: () => 0.5,
    });
    const settle = () => new Promise((r) => setTimeout(r, 0));
    rs.start();
    await settle();
    expect(sockets.map((s) => s.url)).toEqual(['ws://127.0.0.1:1/live?ticket=t1']);
    sockets[0]?.onclose?.({ code: 1006 });
    t.fire(); // retry: the ticket request fails, counted as a drop
    await settle();
    expect(rs.current).toMatchObject({ state: 'backoff', attempt: 2 });
    t.fire();
    await settle();
    expect(sockets.map((s) => s.url)).toEqual(['ws://127.0.0.1:1/live?ticket=t1', 'ws://127.0.0.1:1/live?ticket=t3']);
    rs.stop();
  });
});
