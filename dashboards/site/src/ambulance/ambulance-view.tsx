import { Badge, Panel, type Tone } from '../../../shared/components.js';
import { formatValue } from '../../../shared/format.js';
import { ackText, formatEta, limitText, orderAlarms, tileTone, tiles, transport, type AlarmItem, type AmbulanceState } from './ambulance-state.js';
import { WaveformCanvas } from './waveform-canvas.js';
import type { WaveBuffer } from './wave-buffer.js';

/** One live waveform the page has seen: its buffer and how to label it. */
export interface WaveEntry { key: string; buffer: WaveBuffer; code: string; channel: string; unit: string }

const CHANNEL_ORDER = ['MDC_ECG_LEAD_II', 'MDC_PULS_OXIM_PLETH', 'MDC_AWAY_CO2', 'MDC_CONC_AWAY_CO2'];
const CHANNEL_LABEL: Readonly<Record<string, string>> = {
  MDC_ECG_LEAD_II: 'ECG II', MDC_PULS_OXIM_PLETH: 'Pleth', MDC_AWAY_CO2: 'CO₂', MDC_CONC_AWAY_CO2: 'CO₂',
};
const PRIORITY_TONE: Readonly<Record<AlarmItem['priority'], Tone>> = { high: 'bad', medium: 'warn', low: 'idle' };

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-');
}

/**
 * The ambulance's own monitor view, fed by the gateway in the ambulance: it works with the
 * hospital link down. Numerics with limits, live waveforms, the alarm list with the hospital's
 * acknowledgements, and the transport (position, speed, ETA).
 */
export function AmbulanceView(props: { state: AmbulanceState; waves: readonly WaveEntry[] }) {
  const { state } = props;
  const alarms = orderAlarms(state.alarms);
  const active = alarms.filter((a) => a.state === 'active');
  const trip = transport(state);
  const waves = [...props.waves].sort((a, b) => {
    const ia = CHANNEL_ORDER.indexOf(a.code);
    const ib = CHANNEL_ORDER.indexOf(b.code);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.key.localeCompare(b.key);
  });
  return (
    <div class="amb stack" data-testid="ambulance-view">
      <section class={`amb-alarms panel${active.some((a) => !a.acknowledged && a.priority === 'high') ? ' amb-alarms-high' : ''}`} aria-labelledby="amb-alarms-title" data-testid="alarm-panel">
        <h2 id="amb-alarms-title">Alarms {active.length > 0 ? <span data-testid="alarm-count">({active.length} active)</span> : null}</h2>
        {alarms.length === 0 ? <p class="muted" data-testid="no-alarms">No alarms.</p> : (
          <ul class="alarm-list" role="list">
            {alarms.map((a) => (
              <li key={a.alarmId} class={`alarm alarm-${a.priority} alarm-${a.state}`} data-testid={`alarm-${slug(a.alarmId)}`} data-code={a.code}>
                <Badge tone={a.state === 'active' ? PRIORITY_TONE[a.priority] : 'idle'} text={a.state === 'active' ? a.priority : 'cleared'} context="Priority" />
                <span class="alarm-text" data-testid="alarm-text">{a.text}</span>
                <span class="alarm-time">{new Date(a.raisedAtMs).toLocaleTimeString('en-GB', { hour12: false })}</span>
                {a.acknowledged ? <span class="alarm-ack" data-testid="alarm-ack">✓ {ackText(a)}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="amb-tiles" aria-label="Vital signs" data-testid="tiles">
        {tiles(state).length === 0 ? <p class="muted">Waiting for the monitor…</p> : tiles(state).map(({ deviceId, numeric, limit }) => {
          const tone = tileTone(numeric, limit);
          const id = `tile-${slug(numeric.code)}`;
          return (
            <div key={`${deviceId}/${numeric.code}`} class={`tile tile-${tone.tone}`} data-testid={id} data-tone={tone.tone}>
              <div class="tile-label">{numeric.label || numeric.code}</div>
              <div class="tile-value" data-testid={`${id}-value`}>{numeric.valid && numeric.value !== null ? formatValue(numeric.value) : '—'}</div>
              <div class="tile-foot">
                <span class="unit">{numeric.unit}</span>
                {limit ? <span class="tile-limits" data-testid={`${id}-limits`}>{limitText(limit)}</span> : null}
              </div>
              <div class="sr-only">{tone.words}</div>
            </div>
          );
        })}
      </section>

      <Panel title="Waveforms" titleId="amb-waves-title" testId="waves-panel">
        {waves.length === 0 ? <p class="muted">No waveform yet.</p> : waves.map((w) => (
          <WaveformCanvas key={w.key} buffer={w.buffer} code={w.code} label={CHANNEL_LABEL[w.code] ?? w.channel} unit={w.unit} testId={`wave-${slug(w.code || w.channel)}`} />
        ))}
      </Panel>

      <Panel title="Transport" titleId="amb-trip-title" testId="trip-panel">
        {trip === null ? <p class="muted">No GPS position.</p> : (
          <dl class="figures">
            <div class="figure"><dt>{trip.etaLabel}</dt><dd><span data-testid="eta">{formatEta(trip.etaS)}</span> <span class="unit">min:s</span></dd></div>
            <div class="figure"><dt>To go</dt><dd><span data-testid="remaining">{trip.remainingM === null ? '—' : (trip.remainingM / 1000).toFixed(1)}</span> <span class="unit">km</span></dd></div>
            <div class="figure"><dt>Speed</dt><dd><span data-testid="speed">{Math.round(trip.position.speedMps * 3.6)}</span> <span class="unit">km/h</span></dd></div>
            <div class="figure"><dt>Position</dt><dd data-testid="position">{trip.position.latitudeDeg.toFixed(5)}, {trip.position.longitudeDeg.toFixed(5)}</dd></div>
            <div class="figure"><dt>Heading</dt><dd>{Math.round(trip.position.headingDeg)}°</dd></div>
          </dl>
        )}
      </Panel>
    </div>
  );
}
