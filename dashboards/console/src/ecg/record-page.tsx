import { useCallback, useEffect, useState } from 'preact/hooks';
import { EcgViewer } from '../../../shared/ecg/ecg-viewer.js';
import { DashboardError } from '../../../shared/errors.js';
import { formatDateTime } from '../../../shared/format.js';
import type { EcgAuditEvent, EcgSamples, HubEcgView } from '../../../shared/types.js';
import { AuditTrail } from './audit-trail.js';
import { DiagnosisForm } from './diagnosis-form.js';
import { ExportLinks } from './export-links.js';
import { claimEcg, fetchAudit, fetchEcgRecord } from './ecg-api.js';
import { SignedDiagnosis } from './signed-diagnosis.js';
import { isCritical } from './worklist-state.js';
import { PriorityBadge } from './worklist-view.js';

type Load = { state: 'loading' } | { state: 'failed'; error: string } | { state: 'ready'; samples: EcgSamples | null };

function errorText(err: unknown): string {
  return err instanceof DashboardError ? `${err.message} (${err.code})` : 'Request failed';
}

/**
 * One record: header, the 18-lead viewer, and depending on its reading state a Claim button, the
 * diagnosis form (for the reader who claimed it), or the signed diagnosis; then the audit trail.
 * `live` is the worklist's copy of the record, so a claim or report by someone else shows at once.
 */
export function RecordPage(props: { token: string; me: string; id: string; live: HubEcgView | undefined; onRecord: (r: HubEcgView) => void; onExpired: () => void }) {
  const { token, id, onRecord, onExpired } = props;
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [own, setOwn] = useState<HubEcgView | null>(null);
  const [audit, setAudit] = useState<EcgAuditEvent[]>([]);
  const [claimError, setClaimError] = useState<string | null>(null);
  const [claiming, setClaiming] = useState(false);
  const [amending, setAmending] = useState(false);

  const refreshAudit = useCallback(() => {
    fetchAudit(token, id).then(setAudit).catch(() => undefined); // the trail is secondary; the page stays usable
  }, [token, id]);

  useEffect(() => {
    const ctl = new AbortController();
    setLoad({ state: 'loading' });
    fetchEcgRecord(token, id, ctl.signal)
      .then(({ record, samples }) => {
        setOwn(record);
        onRecord(record);
        setLoad({ state: 'ready', samples });
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        if (err instanceof DashboardError && err.status === 401) onExpired();
        else setLoad({ state: 'failed', error: errorText(err) });
      });
    refreshAudit();
    return () => ctl.abort();
  }, [token, id, onRecord, onExpired, refreshAudit]);

  // Whichever copy is newer wins: the live push (someone else claimed) or our own answer.
  const record = props.live ?? own;
  useEffect(() => {
    if (props.live !== undefined) refreshAudit();
  }, [props.live, refreshAudit]);

  const claim = (): void => {
    setClaiming(true);
    setClaimError(null);
    claimEcg(token, id)
      .then((r) => {
        setOwn(r);
        onRecord(r);
        refreshAudit();
      })
      .catch(async (err: unknown) => {
        if (err instanceof DashboardError && err.code === 'TM_ERR_ECG_CLAIMED') {
          // The 409 says "taken"; the record says by whom.
          const fresh = await fetchEcgRecord(token, id).catch(() => null);
          if (fresh !== null) onRecord(fresh.record);
          setClaimError(`Being read by ${fresh?.record.claimedBy ?? 'another reader'}`);
        } else setClaimError(errorText(err));
      })
      .finally(() => setClaiming(false));
  };

  if (load.state !== 'ready' || record === null) {
    return load.state === 'failed' ? (
      <p class="form-error" role="alert" data-testid="record-error">
        {load.error}
      </p>
    ) : (
      <p class="muted">Loading record…</p>
    );
  }
  const crit = isCritical(record);
  const mine = record.claimedBy === props.me;
  return (
    <div class="stack" data-testid="record-page">
      <a href="#/ecg" class="back">
        ← Worklist
      </a>
      <section class={`panel record-head${crit ? ' report-critical' : ''}`} aria-labelledby="record-title">
        <h2 id="record-title">
          ECG {record.recordId} <span class="muted">from {record.gatewayId}</span>
        </h2>
        <dl class="figures">
          <div class="figure"><dt>Priority</dt><dd><PriorityBadge priority={record.priority} /></dd></div>
          <div class="figure"><dt>Status</dt><dd data-testid="record-status">{record.status.replace('_', ' ')}</dd></div>
          <div class="figure"><dt>Heart rate</dt><dd>{record.heartRateBpm !== null ? `${Math.round(record.heartRateBpm)} bpm` : '—'}</dd></div>
          <div class="figure"><dt>Quality</dt><dd>{record.verdict ?? '—'}</dd></div>
          <div class="figure"><dt>Received</dt><dd>{formatDateTime(record.receivedAt)}</dd></div>
        </dl>
        {record.statements.length > 0 ? <p>Cart interpretation: {record.statements.join('; ')}</p> : null}
        {record.corruptCode !== null ? <p class="form-error">Damaged record: {record.corruptCode}</p> : null}
      </section>
      {load.samples !== null && load.samples.leads.length > 0 ? (
        <EcgViewer samples={load.samples} findings={record.findings} title={`ECG ${record.recordId}`} />
      ) : (
        <p class="panel muted">No samples to show for this record.</p>
      )}
      {record.corruptCode === null ? <ExportLinks token={token} id={id} onExpired={onExpired} /> : null}
      {record.status === 'pending' ? (
        <div class="panel">
          <button type="button" onClick={claim} disabled={claiming} data-testid="claim">
            {claiming ? 'Claiming…' : 'Claim and read'}
          </button>
        </div>
      ) : null}
      {claimError !== null || (record.status === 'in_reading' && !mine) ? (
        <p class="form-error" role="status" data-testid="claim-error">
          {claimError ?? `Being read by ${record.claimedBy ?? 'another reader'}`}
        </p>
      ) : null}
      {record.status === 'in_reading' && mine ? (
        <DiagnosisForm
          token={token}
          record={record}
          onSigned={(r, d) => {
            const signed = { ...r, diagnosis: r.diagnosis ?? d };
            setOwn(signed);
            onRecord(signed);
            refreshAudit();
          }}
        />
      ) : null}
      {record.diagnosis !== null ? <SignedDiagnosis diagnosis={record.diagnosis} relay={record.relay} /> : null}
      {record.status === 'reported' && record.diagnosis === null ? (
        <p class="panel muted" data-testid="diagnosis-not-loaded">
          Reported. The hub did not include the signed diagnosis in this answer.
        </p>
      ) : null}
      {record.status === 'reported' && mine && record.diagnosis !== null ? (
        amending ? (
          <DiagnosisForm
            token={token}
            record={record}
            amend={record.diagnosis}
            onCancel={() => setAmending(false)}
            onSigned={(r, d) => {
              const signed = { ...r, diagnosis: r.diagnosis ?? d };
              setAmending(false);
              setOwn(signed);
              onRecord(signed);
              refreshAudit();
            }}
          />
        ) : (
          <div class="panel">
            <button type="button" class="plain" onClick={() => setAmending(true)} data-testid="amend">
              Amend diagnosis
            </button>
          </div>
        )
      ) : null}
      <AuditTrail events={audit} />
    </div>
  );
}
