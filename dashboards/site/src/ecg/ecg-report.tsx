import { Badge } from '../../../shared/components.js';
import { FindingsList } from '../../../shared/ecg/findings-list.js';
import { formatDateTime } from '../../../shared/format.js';
import type { DiagnosisView, GatewayEcgView } from '../../../shared/types.js';
import { signatureView } from './signature-status.js';

/**
 * The specialist's reading as the clinic sees and prints it: record header, the gateway's findings,
 * the statements, the comment, who signed and when. The print stylesheet hides everything else.
 */
export function EcgReport(props: { record: GatewayEcgView; diagnosis: DiagnosisView; siteName: string }) {
  const { record: r, diagnosis: d } = props;
  const sig = signatureView(d);
  return (
    <article class={`report print-report${d.critical ? ' report-critical' : ''}`} data-testid="ecg-report" aria-labelledby="report-title">
      <header class="report-head">
        <h2 id="report-title">
          ECG report{d.critical ? <span class="critical-text" data-testid="report-critical"> · CRITICAL</span> : null}
        </h2>
        <button type="button" class="no-print" onClick={() => window.print()} data-testid="print-report">
          Print
        </button>
      </header>
      <dl>
        <dt>Site</dt>
        <dd>{props.siteName}</dd>
        <dt>Record</dt>
        <dd data-testid="report-record">{r.recordId}</dd>
        <dt>Taken</dt>
        <dd>{formatDateTime(r.acquiredAt)}</dd>
        <dt>Device</dt>
        <dd>
          {r.deviceId} ({r.source})
        </dd>
        <dt>Recording</dt>
        <dd>
          {r.durationS} s, {r.leads.length} leads, {r.sampleRateHz} Hz{r.heartRateBpm !== null ? `, heart rate ${Math.round(r.heartRateBpm)} bpm` : ''}
        </dd>
      </dl>
      <h3>Diagnosis</h3>
      <ul class={`statements${d.critical ? ' critical-text' : ''}`} data-testid="report-statements">
        {d.statements.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      {d.text !== '' ? <p data-testid="report-text">{d.text}</p> : null}
      <h3>Automatic findings</h3>
      <FindingsList findings={r.findings} testId="report-findings" />
      <dl>
        <dt>Read by</dt>
        <dd data-testid="report-reader">{d.readerName}</dd>
        <dt>Signed</dt>
        <dd data-testid="report-signed-at">{formatDateTime(d.signedAt)}</dd>
        <dt>Revision</dt>
        <dd data-testid="report-revision">{d.revision}</dd>
        <dt>Signature</dt>
        <dd data-testid="report-signature" data-verification={d.verification ?? 'unverified'}>
          <Badge tone={sig.tone} text={sig.label} />
          {sig.code !== null ? <span class="code"> {sig.code}</span> : null}
        </dd>
      </dl>
    </article>
  );
}
