import { CLASS_INFO } from '../../shared/class-info.js';
import { formatCount } from '../../shared/format.js';
import { CLASS_NAMES, type GatewayStatus } from '../../shared/types.js';

/** Per-class counters of the uplink, in frames. */
export function ClassTable(props: { classes: GatewayStatus['classes'] }) {
  return (
    <table class="grid" data-testid="class-table">
      <caption class="sr-only">Frames per traffic class</caption>
      <thead>
        <tr>
          <th scope="col">Class</th>
          <th scope="col">sent</th>
          <th scope="col">acked</th>
          <th scope="col">queued</th>
          <th scope="col">dropped</th>
        </tr>
      </thead>
      <tbody>
        {CLASS_NAMES.map((c) => {
          const k = props.classes[c];
          return (
            <tr key={c}>
              <th scope="row">{CLASS_INFO[c].label}</th>
              <td data-testid={`class-${c}-sent`}>{formatCount(k?.sent)}</td>
              <td data-testid={`class-${c}-acked`}>{formatCount(k?.acked)}</td>
              <td data-testid={`class-${c}-queued`}>{formatCount(k?.queued)}</td>
              <td data-testid={`class-${c}-dropped`} class={(k?.dropped ?? 0) > 0 ? 'over' : undefined}>
                {formatCount(k?.dropped)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
