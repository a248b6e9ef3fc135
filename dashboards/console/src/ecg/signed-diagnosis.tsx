import { formatDateTime } from '../../../shared/format.js';
import type { DiagnosisView } from '../../../shared/types.js';

/** A signed reading as the hub stored it: who, when, which revision, and its signature. */
export function SignedDiagnosis(props: { diagnosis: DiagnosisView }) {
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
