import { useEffect, useState } from 'preact/hooks';
import { Badge } from '../../../shared/components.js';
import { EcgViewer } from '../../../shared/ecg/ecg-viewer.js';
import { DashboardError } from '../../../shared/errors.js';
import type { EcgSamples, GatewayEcgView } from '../../../shared/types.js';
import { discardEcg, fetchEcgSamples, sendEcg } from './ecg-api.js';
import { EcgReport } from './ecg-report.js';
import { QualityPanel } from './quality-panel.js';
import { statusView } from './record-status.js';

type Samples = { state: 'loading' } | { state: 'ready'; samples: EcgSamples | null } | { state: 'failed'; error: string };

const errText = (err: unknown): string => (err instanceof DashboardError ? `${err.code}: ${err.message}` : 'Request failed');

/**
 * One record at the clinic: its status as it travels, the report once read, and while in preview
 * the tracing, the quality verdict and Send (or, when quality is poor, "retake?").
 */
export function RecordDetail(props: { record: GatewayEcgView; siteName: string; onRecord: (r: GatewayEcgView) => void }) {
  const r = props.record;
  const [samples, setSamples] = useState<Samples>({ state: 'loading' });
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    setSamples({ state: 'loading' });
    fetchEcgSamples(r.recordId, ctl.signal)
      .then((b) => setSamples({ state: 'ready', samples: b.samples }))
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) setSamples({ state: 'failed', error: errText(err) });
      });
    return () => ctl.abort();
  }, [r.recordId]);

  const act = (fn: (id: string) => Promise<GatewayEcgView>): void => {
    setBusy(true);
    setActionError(null);
    fn(r.recordId)
      .then(props.onRecord)
      .catch((err: unknown) => setActionError(errText(err)))
      .finally(() => setBusy(false));
  };
  const s = statusView(r);
  const poor = r.verdict === 'poor';
  return (
    <div class="stack" data-testid="ecg-detail" data-record={r.recordId}>
      <section class="panel no-print" aria-labelledby="ecg-status-title">
        <h2 id="ecg-status-title">
          ECG {r.recordId} <span class="muted">{r.deviceId}</span>
        </h2>
        <div class="ecg-status" role="status">
          <Badge tone={s.tone} text={s.label} testId="ecg-status" large context="Record status" />
          <span data-testid="ecg-status-detail">{s.detail}</span>
        </div>
        {s.progress !== null ? (
          <progress class="progress" max={1} value={s.progress} data-testid="ecg-progress" aria-label="Upload progress">
            {Math.floor(s.progress * 100)} %
          </progress>
        ) : null}
        {r.critical ? (
          <p class="critical-text" data-testid="ecg-critical-finding">
            Critical finding on this record: the hospital has been alerted.
          </p>
        ) : null}
        {r.error !== null ? (
          <p class="form-error" data-testid="ecg-record-error">
            {r.error.code}: {r.error.message}
          </p>
        ) : null}
      </section>
      {r.diagnosis !== null ? <EcgReport record={r} diagnosis={r.diagnosis} siteName={props.siteName} /> : null}
      {r.state === 'preview' ? (
        <div class="no-print stack">
          {poor ? (
            <div class="banner banner-bad retake" role="alert" data-testid="retake-prompt">
              <strong>Quality poor — retake?</strong> Check the electrodes and record again, or send this one anyway.
              <div class="actions">
                <button type="button" onClick={() => act(discardEcg)} disabled={busy} data-testid="ecg-retake">
                  Retake (discard this one)
                </button>
                <button type="button" class="plain" onClick={() => act(sendEcg)} disabled={busy} data-testid="ecg-send-anyway">
                  Send anyway
                </button>
              </div>
            </div>
          ) : (
            <div class="actions">
              <button type="button" onClick={() => act(sendEcg)} disabled={busy} data-testid="ecg-send">
                Send to hospital
              </button>
              <button type="button" class="plain" onClick={() => act(discardEcg)} disabled={busy} data-testid="ecg-discard">
                Discard
              </button>
            </div>
          )}
          <QualityPanel record={r} />
        </div>
      ) : null}
      {actionError !== null ? (
        <p class="form-error no-print" role="alert" data-testid="ecg-action-error">
          {actionError}
        </p>
      ) : null}
      <div class="no-print">
        {samples.state === 'loading' ? (
          <p class="muted">Loading tracing…</p>
        ) : samples.state === 'failed' ? (
          <p class="form-error">Tracing unavailable: {samples.error}</p>
        ) : samples.samples !== null && samples.samples.leads.length > 0 ? (
          <EcgViewer samples={samples.samples} findings={r.findings} title={`ECG ${r.recordId}`} testId="ecg-preview" />
        ) : (
          <p class="muted">No samples for this record.</p>
        )}
      </div>
    </div>
  );
}
