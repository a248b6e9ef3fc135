import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { LiveIndicator, LiveLostBanner } from '../../shared/components.js';
import { DashboardError } from '../../shared/errors.js';
import { parseHubMessage } from '../../shared/live-messages.js';
import { useLiveSocket } from '../../shared/use-live-socket.js';
import { fetchGateways, liveUrlFor, sessionStillValid, type Session } from './api.js';
import { applyHubMessage, EMPTY_CONSOLE, sortedGateways, type ConsoleState } from './console-state.js';
import { GatewayCard } from './gateway-card.js';
import { asHubEcgView, parseEcgLive } from '../../shared/ecg/views.js';
import type { HubEcgView } from '../../shared/types.js';
import { fetchWorklist } from './ecg/ecg-api.js';
import { RecordPage } from './ecg/record-page.js';
import { EMPTY_WORKLIST, replaceWorklist, upsertRecord, worklistSections, type Worklist } from './ecg/worklist-state.js';
import { WorklistView } from './ecg/worklist-view.js';
import { useHashRoute } from './use-hash-route.js';
import { AmbulanceBoard, type LiveFeed } from './ambulance/ambulance-board.js';
import { TeleopPage } from './teleop/teleop-page.js';

/** The signed-in console: gateway cards and the ECG worklist, kept current by the hub's `/live` socket. */
export function Dashboard(props: { session: Session; onLogout: () => void; onExpired: () => void }) {
  const { session, onExpired } = props;
  const [state, setState] = useState<ConsoleState>(EMPTY_CONSOLE);
  const [worklist, setWorklist] = useState<Worklist>(EMPTY_WORKLIST);
  const [worklistError, setWorklistError] = useState<string | null>(null);
  const route = useHashRoute();

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

  // The worklist is loaded once per sign-in; `/live` {type:'ecg'} keeps it current afterwards.
  useEffect(() => {
    const ctl = new AbortController();
    fetchWorklist(session.token, ctl.signal)
      .then((records) => {
        // Records pushed while the list was loading are newer than the list: keep them.
        if (!ctl.signal.aborted) setWorklist((cur) => Object.values(cur).reduce(upsertRecord, replaceWorklist(records)));
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        if (err instanceof DashboardError && err.status === 401) onExpired();
        else setWorklistError(err instanceof DashboardError ? `Worklist unavailable: ${err.message} (${err.code})` : 'Worklist unavailable');
      });
    return () => ctl.abort();
  }, [session.token, onExpired]);
  const onRecord = useCallback((r: HubEcgView) => setWorklist((w) => upsertRecord(w, r)), []);

  // The ambulance board listens on the same socket (one /live per tab).
  const boardFeed = useMemo<LiveFeed>(() => new Set(), []);
  const onMessage = useCallback((text: string) => {
    for (const fn of boardFeed) fn(text);
    const msg = parseHubMessage(text);
    if (msg !== null) {
      setState((s) => applyHubMessage(s, msg));
      return;
    }
    const rec = parseEcgLive(text, asHubEcgView);
    if (rec !== null) setWorklist((w) => upsertRecord(w, rec));
  }, [boardFeed]);
  // Each (re)connect fetches its own single-use ticket; the function's identity follows the token.
  const liveUrl = useMemo(() => () => liveUrlFor(session.token), [session.token]);
  const live = useLiveSocket(liveUrl, onMessage, onExpired);

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
  const unread = worklistSections(worklist).pending.length;
  const tab = route.view === 'gateways' ? 'gateways' : route.view === 'ambulances' ? 'ambulances' : route.view === 'teleop' ? 'teleop' : 'ecg';
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
      <nav class="tabs" aria-label="Console sections">
        <a href="#/gateways" aria-current={tab === 'gateways' ? 'page' : undefined} data-testid="nav-gateways">
          Gateways
        </a>
        <a href="#/ambulances" aria-current={tab === 'ambulances' ? 'page' : undefined} data-testid="nav-ambulances">
          Ambulances
        </a>
        <a href="#/ecg" aria-current={tab === 'ecg' ? 'page' : undefined} data-testid="nav-worklist">
          ECG worklist <span data-testid="unread-count">({unread} pending)</span>
        </a>
        <a href="#/teleop" aria-current={tab === 'teleop' ? 'page' : undefined} data-testid="nav-teleop">
          Remote ultrasound
        </a>
      </nav>
      <main class="page">
        <LiveLostBanner status={live} />
        {route.view === 'teleop' ? (
          <TeleopPage session={session} gateways={gateways} onExpired={onExpired} />
        ) : route.view === 'ambulances' ? (
          <AmbulanceBoard token={session.token} feed={boardFeed} selected={route.id} onExpired={onExpired} />
        ) : route.view === 'worklist' ? (
          <WorklistView worklist={worklist} me={session.user.username} error={worklistError} />
        ) : route.view === 'record' ? (
          <RecordPage key={route.id} token={session.token} me={session.user.username} id={route.id} live={worklist[route.id]} onRecord={onRecord} onExpired={onExpired} />
        ) : (
        <>
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
        </>
        )}
      </main>
    </>
  );
}
