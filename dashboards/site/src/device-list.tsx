import { Badge, type Tone } from '../../shared/components.js';
import type { GatewayStatus } from '../../shared/types.js';

function toneOf(state: string): Tone {
  if (state === 'connected' || state === 'open' || state === 'running' || state === 'ready') return 'ok';
  if (state === 'failed' || state === 'error' || state === 'disconnected') return 'bad';
  if (state === 'closed' || state === 'idle' || state === 'stopped') return 'idle';
  return 'warn';
}

export function DeviceList(props: { devices: GatewayStatus['devices'] }) {
  if (props.devices.length === 0) return <p class="muted" data-testid="no-devices">No devices configured.</p>;
  return (
    <ul class="devices" data-testid="device-list">
      {props.devices.map((d) => (
        <li key={d.id} data-testid={`device-${d.id}`}>
          <span>
            <strong>{d.id}</strong> <span class="muted">{d.kind}</span>
          </span>
          <Badge tone={toneOf(d.state)} text={d.state} testId={`device-state-${d.id}`} context={`Device ${d.id}`} />
        </li>
      ))}
    </ul>
  );
}
