import { useCallback, useEffect, useState } from 'preact/hooks';
import { LiveIndicator, LiveLostBanner } from '../../shared/components.js';
import { DashboardError } from '../../shared/errors.js';
import { parseHubMessage } from '../../shared/live-messages.js';
import { useLiveSocket } from '../../shared/use-live-socket.js';
import { fetchGateways, liveUrlFor, sessionStillValid, type Session } from './api.js';
import { applyHubMessage, EMPTY_CONSOLE, sortedGateways, type ConsoleState } from './console-state.js';
import { GatewayCard } from './gateway-card.js';

/** The signed-in console: gateway cards, kept current by the hub's `/live` socket. */
export function Dashboard(props: { session: Session; onLogout: () => void; onExpired: () => void }) {
  const { session, onExpired } = props;
  const [state, setState] = useState<ConsoleState>(EMPTY_CONSOLE);

  // The REST list paints the page at once; the socket's snapshot then takes over.
  useEffect(() => {
    const ctl = new AbortController();
    fetchGateways(session.token)
      .then((gws) => {
        if (!ctl.signal.aborted) setState((s) => applyHubMessage(s, { type: 'snapshot', gateways: gws }));
      })
      .catch((err: unknown) => {
        if (err instanceof DashboardError && err.status === 401 && !ctl.signal.aborted) onExpired();
      });
    return () => ctl.abort();
  }, [session.token, onExpired]);

  const onMessage = useCallback((text: string) => {
    const msg = parseHubMessage(text);
    if (msg !== null) setState((s) => applyHubMessage(s, msg));
  }, []);
  const live = useLiveSocket(liveUrlFor(session.token), onMessage, onExpired);

  // After each failed (re)connect, ask the hub whether the token is the problem (e.g. hub restarted).
  useEffect(() => {
    if (live.state !== 'backoff') return undefined;
    let current = true;
    void sessionStillValid(session.token).then((ok) => {
      if (current && !ok) onExpired();
    });
    return () => {
      current = false;
    };
  }, [live.state, live.attempt, session.token, onExpired]);

  const gateways = sortedGateways(state);
  const connected = gateways.filter((g) => g.connected).length;
  return (
    <>
      <header class="topbar">
        <h1>Telemed hospital console</h1>
        <LiveIndicator status={live} />
        <span class="who" data-testid="current-user">
          {session.user.username}
          {session.user.role !== '' ? ` (${session.user.role})` : ''}
        </span>
        <button type="button" class="secondary" data-testid="logout" onClick={props.onLogout}>
          Log out
        </button>
      </header>
      <main class="page">
        <LiveLostBanner status={live} />
        <p class="summary" data-testid="gateway-summary">
          <strong>{connected}</strong> of <strong>{gateways.length}</strong> gateways connected
        </p>
        {gateways.length === 0 ? (
          <p class="panel muted" data-testid="no-gateways">
            No gateways are enrolled yet.
          </p>
        ) : (
          <div class="gateway-grid" data-testid="gateway-list">
            {gateways.map((g) => (
              <GatewayCard key={g.id} gateway={g} vitals={state.vitals[g.id]} alarms={state.alarms[g.id] ?? 0} />
            ))}
          </div>
        )}
      </main>
    </>
  );
}
