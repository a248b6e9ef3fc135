import { formatDateTime } from '../../../shared/format.js';
import type { HubEcgView } from '../../../shared/types.js';
import { isCritical, worklistSections, type Worklist } from './worklist-state.js';

const PRIORITY_WORD = ['routine', 'soon', 'urgent', 'emergency'] as const;

export function PriorityBadge(props: { priority: number }) {
  const p = Math.max(0, Math.min(3, Math.round(props.priority)));
  return (
    <span class={`prio prio-${p}`} data-testid="priority">
      P{p} {PRIORITY_WORD[p]}
    </span>
  );
}

function Row(props: { r: HubEcgView; me: string }) {
  const r = props.r;
  const crit = isCritical(r);
  const worst = r.findings.find((f) => f.severity === 'critical') ?? r.findings.find((f) => f.severity === 'abnormal');
  return (
    <tr class={crit ? 'row-critical' : undefined} data-testid={`worklist-row-${r.id}`} data-critical={String(crit)}>
      <td>
        <a href={`#/ecg/${encodeURIComponent(r.id)}`} data-testid={`open-${r.id}`}>
          {r.recordId}
        </a>
      </td>
      <td>{r.gatewayId}</td>
      <td>
        <PriorityBadge priority={r.priority} />
      </td>
      <td class={crit ? 'critical-text' : undefined}>
        {crit ? 'CRITICAL: ' : ''}
        {worst?.text ?? (r.corruptCode !== null ? `Damaged record (${r.corruptCode})` : '—')}
      </td>
      <td>{r.heartRateBpm !== null ? `${Math.round(r.heartRateBpm)} bpm` : '—'}</td>
      <td>{formatDateTime(r.receivedAt)}</td>
      <td data-testid={`reader-${r.id}`}>{r.claimedBy === null ? '—' : r.claimedBy === props.me ? 'you' : r.claimedBy}</td>
    </tr>
  );
}

function Section(props: { title: string; id: string; records: HubEcgView[]; me: string }) {
  return (
    <section class="panel" aria-labelledby={`wl-${props.id}`} data-testid={`worklist-${props.id}`}>
      <h2 id={`wl-${props.id}`}>
        {props.title} <span class="muted">({props.records.length})</span>
      </h2>
      {props.records.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <table class="grid worklist">
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Site</th>
              <th scope="col">Priority</th>
              <th scope="col">Findings</th>
              <th scope="col">HR</th>
              <th scope="col">Received</th>
              <th scope="col">Reader</th>
            </tr>
          </thead>
          <tbody>
            {props.records.map((r) => (
              <Row key={r.id} r={r} me={props.me} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The reading queue: pending, in reading, reported; kept current by `/live`. */
export function WorklistView(props: { worklist: Worklist; me: string; error: string | null }) {
  const s = worklistSections(props.worklist);
  return (
    <div class="stack" data-testid="worklist">
      {props.error !== null ? (
        <p class="form-error" role="alert">
          {props.error}
        </p>
      ) : null}
      <Section title="Pending" id="pending" records={s.pending} me={props.me} />
      <Section title="In reading" id="in-reading" records={s.inReading} me={props.me} />
      <Section title="Reported" id="reported" records={s.reported} me={props.me} />
    </div>
  );
}
