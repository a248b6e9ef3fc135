import { CLASS_INFO } from '../../shared/class-info.js';
import { formatCount, formatMs } from '../../shared/format.js';
import { CLASS_NAMES, type GatewayView } from '../../shared/types.js';

/** One-way latency per class at the hub; p99 above the class's default budget is flagged in text too. */
export function LatencyTable(props: { gateway: GatewayView }) {
  const g = props.gateway;
  const captionId = `latency-caption-${g.id}`;
  return (
    <table class="grid" data-testid={`latency-${g.id}`} aria-labelledby={captionId}>
      <caption id={captionId} class="sr-only">
        One-way latency per traffic class for {g.id}, milliseconds
      </caption>
      <thead>
        <tr>
          <th scope="col">Class</th>
          <th scope="col">p50</th>
          <th scope="col">p99</th>
          <th scope="col">last</th>
          <th scope="col">budget</th>
          <th scope="col">frames</th>
        </tr>
      </thead>
      <tbody>
        {CLASS_NAMES.map((c) => {
          const s = g.latency[c];
          const budget = CLASS_INFO[c].budgetMs;
          const over = typeof s?.p99Ms === 'number' && s.p99Ms > budget;
          const id = `latency-${g.id}-${c}`;
          return (
            <tr key={c} data-testid={`${id}-row`}>
              <th scope="row">{CLASS_INFO[c].label}</th>
              <td data-testid={`${id}-p50`}>{formatMs(s?.p50Ms)}</td>
              <td data-testid={`${id}-p99`} class={over ? 'over' : undefined}>
                {formatMs(s?.p99Ms)}
                {over ? <span class="sr-only"> over budget</span> : null}
                {over ? <span aria-hidden="true"> ▲</span> : null}
              </td>
              <td data-testid={`${id}-last`}>{formatMs(s?.lastMs)}</td>
              <td class="muted">{formatCount(budget)}</td>
              <td data-testid={`${id}-count`}>{formatCount(s?.count ?? 0)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
