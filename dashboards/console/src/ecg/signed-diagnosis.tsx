import { formatDateTime } from '../../../shared/format.js';
import type { DiagnosisView, RelayView } from '../../../shared/types.js';

const RELAY_TEXT: Record<RelayView['state'], string> = {
  queued: 'on its way to the clinic',
  deferred: 'not accepted yet; the hub keeps retrying',
  delivered: 'delivered to the clinic',
};

/** A signed reading as the hub stored it: who, when, which revision, its signature, and whether the clinic has it. */
export function SignedDiagnosis(props: { diagnosis: DiagnosisView; relay?: RelayView | null }) {
  const relay = props.relay !== undefined && props.relay !== null && props.relay.revision === props.diagnosis.revision ? props.relay : null;
  const d = props.diagnosis;
  return (
    <section class={`report${d.critical ? ' report-critical' : ''}`} data-testid="signed-diagnosis" aria-labelledby="signed-title">
      <h2 id="signed-title">
        Signed diagnosis{d.critical ? <span class="critical-text" data-testid="signed-critical"> · CRITICAL</span> : null}
      </h2>
      <ul class="statements" data-testid="signed-statements">
        {d.statements.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      {d.text !== '' ? <p data-testid="signed-text">{d.text}</p> : null}
      <dl>
        <dt>Reader</dt>
        <dd data-testid="signed-reader">{d.readerName}</dd>
        <dt>Signed</dt>
        <dd data-testid="signed-at">{formatDateTime(d.signedAt)}</dd>
        <dt>Revision</dt>
        <dd data-testid="signed-revision">{d.revision}</dd>
        <dt>Clinic</dt>
        <dd data-testid="signed-relay" data-state={relay?.state ?? 'unknown'} class={relay?.state === 'deferred' ? 'critical-text' : ''}>
          {relay === null ? 'not known yet' : `${RELAY_TEXT[relay.state]} (${formatDateTime(relay.at)})`}
        </dd>
        {d.signatureAlg !== '' ? (
          <>
            <dt>Signature</dt>
            <dd class="muted" title={d.signature}>
              {d.signatureAlg} {d.signature.slice(0, 16)}…
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}
