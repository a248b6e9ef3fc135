import { formatValue } from '../../shared/format.js';
import type { VitalsMessage } from '../../shared/types.js';

/** Latest numerics of one gateway, as tiles; absent until the first vitals message arrives. */
export function VitalsPanel(props: { gatewayId: string; vitals: VitalsMessage | undefined }) {
  const v = props.vitals;
  if (v === undefined || v.numerics.length === 0) {
    return (
      <p class="muted" data-testid={`vitals-${props.gatewayId}-none`}>
        No vitals received yet.
      </p>
    );
  }
  return (
    <ul class="vitals" data-testid={`vitals-${props.gatewayId}`} aria-label={`Latest vitals from ${props.gatewayId}`}>
      {v.numerics.map((n) => (
        <li key={n.code} class="vital" data-testid={`vital-${props.gatewayId}-${n.code}`}>
          <span class="vital-label">{n.label !== '' ? n.label : n.code}</span>
          <span class="vital-value" data-testid={`vital-${props.gatewayId}-${n.code}-value`}>
            {formatValue(n.value)}
          </span>
          <span class="vital-unit">{n.unit}</span>
        </li>
      ))}
    </ul>
  );
}
