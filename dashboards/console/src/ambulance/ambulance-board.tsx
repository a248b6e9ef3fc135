import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { DashboardError } from '../../../shared/errors.js';
import { formatClock, formatValue } from '../../../shared/format.js';
import { acknowledgeAlarm, fetchAmbulances, fetchRecent } from './board-api.js';
import {
  applyList, applyLive, applyRecent, bannerAlarms, boardOrder, EMPTY_BOARD, ETA_CODE, formatEta, parseBoardMessage, TREND_WINDOW_MS,
  type Ambulance, type BoardState,
} from './board-state.js';
import { JitterBuffer } from './jitter-buffer.js';
import { Sparkline } from './sparkline.js';
import { WaveformCanvas } from './waveform-canvas.js';

/** Hub /live texts, forwarded by the console's one socket (dashboard.tsx). */
export type LiveFeed = Set<(text: string) => void>;

/** `range` (physical units) only widens, in place: the canvas reads it on every sample. */
interface Channel { key: string; gatewayId: string; channel: string; buffer: JitterBuffer; scale: number; range: [number, number] }

/** Tiles first in this order; anything else after, by code. */
const TILE_ORDER = ['MDC_ECG_HEART_RATE', 'MDC_PULS_OXIM_PULS_RATE', 'MDC_PULS_OXIM_SAT_O2', 'MDC_PRESS_BLD_NONINV_SYS', 'MDC_PRESS_BLD_NONINV_DIA', 'MDC_PRESS_BLD_NONINV_MEAN', 'MDC_RESP_RATE', 'MDC_TEMP_BODY', 'MDC_AWAY_CO2_ET'];
const rank = (code: string): number => { const i = TILE_ORDER.indexOf(code); return i < 0 ? TILE_ORDER.length : i; };
/** Playout delay of live waveforms: covers the uplink's burstiness on a 5G cell (a few hundred ms). */
const PLAYOUT_DELAY_MS = 400;
const LIST_REFRESH_MS = 30_000;

/**
 * The ambulance board (issue 10 item 6): incoming ambulances by ETA (list and a map of their
 * positions), and for the selected one its alarm banner (acknowledge → the hub sends it down to the
 * ambulance), numeric tiles with 15-minute trends and live waveforms. Only ambulances of the
 * person's sites ever reach it: the hub filters both the REST answers and /live.
 */
export function AmbulanceBoard(props: { token: string; feed: LiveFeed; selected: string | null; onExpired: () => void }) {
  const { token, feed, selected, onExpired } = props;
  const [state, setState] = useState<BoardState>(EMPTY_BOARD);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const channels = useRef(new Map<string, Channel>());
  const [channelKeys, setChannelKeys] = useState<string[]>([]);

  const fail = useCallback((err: unknown, what: string) => {
    if (err instanceof DashboardError && err.status === 401) onExpired();
    else if (!(err instanceof DOMException && err.name === 'AbortError')) setError(err instanceof DashboardError ? `${what}: ${err.message} (${err.code})` : what);
  }, [onExpired]);

  useEffect(() => {
    const ctl = new AbortController();
    const load = (): void => { fetchAmbulances(token, ctl.signal).then((l) => { setState((s) => applyList(s, l)); setError(null); }, (e: unknown) => fail(e, 'Ambulances unavailable')); };
    load();
    const t = setInterval(load, LIST_REFRESH_MS);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => { ctl.abort(); clearInterval(t); clearInterval(tick); };
  }, [token, fail]);

  useEffect(() => {
    if (selected === null) return undefined;
    const ctl = new AbortController();
    fetchRecent(token, selected, ctl.signal).then((r) => setState((s) => applyRecent(s, selected, r)), (e: unknown) => fail(e, 'Trends unavailable'));
    return () => ctl.abort();
  }, [token, selected, fail]);

  useEffect(() => {
    const on = (text: string): void => {
      const msg = parseBoardMessage(text);
      if (msg === null) return;
      if (msg.type !== 'waveform') { setState((s) => applyLive(s, msg, Date.now())); return; }
      const key = `${msg.gatewayId}\u0000${msg.channel}`;
      let ch = channels.current.get(key);
      if (ch === undefined || ch.buffer.rateHz !== msg.sampleRateHz) {
        // ECG in mV starts at ±2 mV (a monitor's usual 10 mm/mV scale); any channel widens to what it shows.
        ch = { key, gatewayId: msg.gatewayId, channel: msg.channel, buffer: new JitterBuffer(msg.sampleRateHz, PLAYOUT_DELAY_MS), scale: msg.scale, range: msg.unit === 'mV' ? [-2, 2] : [0, 0] };
        channels.current.set(key, ch);
        setChannelKeys([...channels.current.keys()]);
      }
      widen(ch.range, msg.samples.map((x) => x * msg.scale));
      ch.buffer.push(msg.firstSampleIndex, msg.samples, performance.now());
    };
    feed.add(on);
    return () => { feed.delete(on); };
  }, [feed]);

  const list = boardOrder(state);
  const current = selected === null ? list[0] : state.ambulances[selected];
  return (
    <section class="ambulance-board" data-testid="ambulance-board">
      {error !== null && <p class="banner banner-bad" role="alert">{error}</p>}
      <div class="board-top">
        <AmbulanceList list={list} selected={current?.id ?? null} />
        <AmbulanceMap list={list} selected={current?.id ?? null} />
      </div>
      {current === undefined ? (
        <p class="panel muted" data-testid="no-ambulances">No ambulance of your sites is on its way.</p>
      ) : (
        <AmbulanceDetail a={current} now={now} token={token} onError={fail}
          channels={channelKeys.map((k) => channels.current.get(k)).filter((c): c is Channel => c !== undefined && c.gatewayId === current.id)} />
      )}
    </section>
  );
}

/** Widens `range` in place to hold `values` with a 10 % margin. */
export function widen(range: [number, number], values: readonly number[]): void {
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (range[0] === range[1]) { range[0] = v - 1; range[1] = v + 1; }
    const margin = (range[1] - range[0]) * 0.1;
    if (v < range[0]) range[0] = v - margin;
    if (v > range[1]) range[1] = v + margin;
  }
}

function AmbulanceList(props: { list: Ambulance[]; selected: string | null }) {
  return (
    <ul class="ambulance-list" data-testid="ambulance-list">
      {props.list.map((a) => (
        <li key={a.id} class={a.id === props.selected ? 'selected' : ''}>
          <a href={`#/ambulances/${encodeURIComponent(a.id)}`} data-testid={`ambulance-${a.id}`}>
            <strong>{a.siteName ?? a.id}</strong>
            <span class={`badge ${a.connected ? 'badge-ok' : 'badge-bad'}`}>{a.connected ? 'online' : 'offline'}</span>
            <span class="eta" data-testid={`eta-${a.id}`}>ETA {formatEta(a.fix?.etaS)}</span>
            {bannerAlarms(a).length > 0 && <span class="badge badge-bad">{bannerAlarms(a).length} alarm</span>}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** Positions on a plain SVG (no tiles): fitted to the fixes shown, north up. */
function AmbulanceMap(props: { list: Ambulance[]; selected: string | null }) {
  const fixes = props.list.filter((a) => a.fix !== null);
  if (fixes.length === 0) return <svg class="ambulance-map" width="320" height="200" data-testid="ambulance-map" />;
  const lats = fixes.map((a) => a.fix!.lat);
  const lons = fixes.map((a) => a.fix!.lon);
  const pad = 0.01;
  const [la0, la1, lo0, lo1] = [Math.min(...lats) - pad, Math.max(...lats) + pad, Math.min(...lons) - pad, Math.max(...lons) + pad];
  const x = (lon: number): number => 10 + ((lon - lo0) / (lo1 - lo0)) * 300;
  const y = (lat: number): number => 190 - ((lat - la0) / (la1 - la0)) * 180;
  return (
    <svg class="ambulance-map" width="320" height="200" viewBox="0 0 320 200" data-testid="ambulance-map" role="img" aria-label="Ambulance positions">
      <rect x="0" y="0" width="320" height="200" fill="#f3f6fa" stroke="#c5cdd8" />
      {fixes.map((a) => (
        <g key={a.id} data-testid={`map-${a.id}`}>
          <circle cx={x(a.fix!.lon)} cy={y(a.fix!.lat)} r={a.id === props.selected ? 7 : 5} fill={a.id === props.selected ? '#c62828' : '#0f2a47'} />
          <text x={x(a.fix!.lon) + 9} y={y(a.fix!.lat) + 4} font-size="11">{a.siteName ?? a.id} · {formatEta(a.fix!.etaS)}</text>
        </g>
      ))}
    </svg>
  );
}

function AmbulanceDetail(props: { a: Ambulance; now: number; token: string; channels: Channel[]; onError: (e: unknown, what: string) => void }) {
  const { a, now, token } = props;
  const [busy, setBusy] = useState<string | null>(null);
  const ack = (alarmId: string): void => {
    setBusy(alarmId);
    acknowledgeAlarm(token, a.id, alarmId).catch((e: unknown) => props.onError(e, 'Acknowledgement not sent')).finally(() => setBusy(null));
  };
  const banner = bannerAlarms(a);
  const tiles = Object.values(a.numerics).filter((n) => n.code !== ETA_CODE).sort((p, q) => rank(p.code) - rank(q.code) || (p.code < q.code ? -1 : 1));
  const acked = Object.values(a.alarms).filter((x) => x.acks.length > 0);
  return (
    <div class="ambulance-detail" data-testid={`detail-${a.id}`}>
      <h2>{a.siteName ?? a.id} <span class="eta">ETA {formatEta(a.fix?.etaS)}</span></h2>
      {banner.map((al) => (
        <div key={al.alarmId} class={`banner alarm-banner alarm-${al.priority}`} role="alert" data-testid={`alarm-${al.alarmId}`}>
          <strong>{al.priority.toUpperCase()}</strong> {al.text} {Number.isFinite(al.value) ? `(${formatValue(al.value)} ${al.unit})` : ''} · {formatClock(al.at)}
          <button type="button" disabled={busy === al.alarmId} onClick={() => ack(al.alarmId)} data-testid={`ack-${al.alarmId}`}>Acknowledge</button>
        </div>
      ))}
      {acked.length > 0 && (
        <ul class="acked" data-testid="acked-alarms">
          {acked.map((al) => <li key={al.alarmId}>{al.text}: acknowledged by {al.acks.map((k) => k.username).join(', ')}</li>)}
        </ul>
      )}
      <ul class="vitals board-tiles" data-testid={`tiles-${a.id}`}>
        {tiles.map((n) => (
          <li key={n.code} class={`vital${n.valid ? '' : ' vital-invalid'}`} data-testid={`tile-${n.code}`}>
            <span class="vital-label">{n.label !== '' ? n.label : n.code}</span>
            <span class="vital-value" data-testid={`tile-${n.code}-value`}>{n.valid ? formatValue(n.value) : '—'}</span>
            <span class="vital-unit">{n.unit}</span>
            <Sparkline points={a.trends[n.code] ?? []} windowMs={TREND_WINDOW_MS} nowMs={now} testId={`trend-${n.code}`} />
          </li>
        ))}
      </ul>
      {props.channels.map((c) => (
        <figure key={c.key} class="waveform-fig">
          <figcaption>{c.channel}</figcaption>
          <WaveformCanvas buffer={c.buffer} scale={c.scale} range={c.range} seconds={5} label={`${c.channel} live`} testId={`wave-${c.channel}`} />
        </figure>
      ))}
    </div>
  );
}
