import type { DeviceState } from '../device.js';

/**
 * Session of one monitor as the driver sees it. One state, one transition function:
 *
 *   stopped ──start──▶ connecting ──broker up──▶ waiting ──data──▶ live
 *                          ▲                        │  ▲             │
 *                          │                        ▼  │ data        ▼
 *                          └────broker down─────── gone ◀── offline status (last will) / silence
 *
 * - connecting: no broker connection yet (or lost): the monitor cannot be seen.
 * - waiting: subscribed, no data from the monitor yet.
 * - live: data within `silenceMs`.
 * - gone: the monitor said offline (its last will or a clean shutdown), went silent, or never
 *   came within `silenceMs` of the start; or the broker was lost. Only data brings it back to live.
 */
export type SessionState = 'stopped' | 'connecting' | 'waiting' | 'live' | 'gone';

export type SessionEvent =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'broker-up' }
  | { type: 'broker-down' }
  | { type: 'data' }
  | { type: 'status'; online: boolean }
  /** The watchdog: nothing from the monitor (or no broker) for `silenceMs`. */
  | { type: 'silence' };

/** The next state; events that do not apply in a state leave it unchanged. */
export function nextSessionState(s: SessionState, e: SessionEvent): SessionState {
  if (e.type === 'stop') return 'stopped';
  if (s === 'stopped') return e.type === 'start' ? 'connecting' : 'stopped';
  switch (e.type) {
    case 'start': return s;
    case 'broker-up': return s === 'connecting' ? 'waiting' : s;
    // Lost after it was up: we can no longer see the monitor, which is what "gone" means to the crew.
    case 'broker-down': return s === 'connecting' ? 'connecting' : 'gone';
    case 'data': return s === 'connecting' ? s : 'live';
    case 'status': return s === 'connecting' ? s : e.online ? s : 'gone';
    case 'silence': return s === 'gone' ? s : 'gone';
  }
}

/** What the device manager sees (Device.state). */
export function deviceStateOf(s: SessionState): DeviceState {
  switch (s) {
    case 'stopped': return 'stopped';
    case 'connecting': case 'waiting': return 'starting';
    case 'live': return 'running';
    case 'gone': return 'faulted';
  }
}
