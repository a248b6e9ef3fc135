import { Badge, Figure } from '../../shared/components.js';
import { formatClock, formatCount, formatMs, formatSignedMs } from '../../shared/format.js';
import type { GatewayView, VitalsMessage } from '../../shared/types.js';
import { LatencyTable } from './latency-table.js';
import { VitalsPanel } from './vitals-panel.js';

/** One gateway: identity, link figures, per-class latency, latest vitals. */
export function GatewayCard(props: { gateway: GatewayView; vitals: VitalsMessage | undefined; alarms: number }) {
  const g = props.gateway;
  const titleId = `gateway-title-${g.id}`;
  return (
    <article
      class={`gateway-card${g.connected ? '' : ' gateway-off'}`}
      data-testid={`gateway-row-${g.id}`}
      data-connected={String(g.connected)}
      aria-labelledby={titleId}
    >
      <header class="gateway-head">
        <div>
          <h2 id={titleId}>
            <span data-testid={`gateway-id-${g.id}`}>{g.id}</span>
          </h2>
          <div class="muted">
            <span class={`kind kind-${g.siteKind}`} data-testid={`gateway-kind-${g.id}`}>
              {g.siteKind === 'ambulance' ? 'Ambulance' : g.siteKind === 'clinic' ? 'Clinic' : 'Site not yet seen'}
            </span>
            {' · '}
            <span data-testid={`gateway-site-${g.id}`}>{g.siteName ?? '—'}</span>
          </div>
        </div>
        <Badge
          tone={g.connected ? 'ok' : 'bad'}
          text={g.connected ? 'connected' : 'disconnected'}
          testId={`gateway-status-${g.id}`}
          context={`Link to ${g.id}`}
        />
      </header>
      <dl class="figures">
        <Figure label="RTT" value={formatMs(g.rttMs)} unit="ms" testId={`rtt-${g.id}`} />
        <Figure label="Clock offset" value={formatSignedMs(g.clockOffsetMs)} unit="ms" testId={`clock-offset-${g.id}`} />
        <Figure label="Frames" value={formatCount(g.framesReceived)} testId={`frames-${g.id}`} />
        <Figure label="Last seen" value={formatClock(g.lastSeenAt)} testId={`last-seen-${g.id}`} />
        <Figure label="Alarms" value={formatCount(props.alarms)} testId={`alarms-${g.id}`} />
      </dl>
      <div class="gateway-body">
        <div>
          <h3>One-way latency, ms</h3>
          <LatencyTable gateway={g} />
        </div>
        <div>
          <h3>Latest vitals</h3>
          <VitalsPanel gatewayId={g.id} vitals={props.vitals} />
        </div>
      </div>
    </article>
  );
}
