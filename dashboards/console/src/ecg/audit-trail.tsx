import { formatDateTime } from '../../../shared/format.js';
import type { EcgAuditEvent } from '../../../shared/types.js';

function detailText(d: unknown): string {
  if (d === null || d === undefined) return '';
  if (typeof d === 'string') return d;
  try {
    return JSON.stringify(d);
  } catch {
    return '';
  }
}

/** Who did what to a record at the hub, oldest first. */
export function AuditTrail(props: { events: readonly EcgAuditEvent[] }) {
  return (
    <section class="panel" aria-labelledby="audit-title" data-testid="audit-trail">
      <h2 id="audit-title">Audit trail</h2>
      {props.events.length === 0 ? (
        <p class="muted">No events yet.</p>
      ) : (
        <table class="grid audit">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {props.events.map((e, i) => (
              <tr key={i} data-testid="audit-event">
                <td>{formatDateTime(e.at)}</td>
                <td>{e.actor}</td>
                <td data-testid="audit-action">{e.action}</td>
                <td class="audit-detail">{detailText(e.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
