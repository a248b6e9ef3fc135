import { useEffect, useState } from 'preact/hooks';
import { Badge } from '../../../shared/components.js';
import { formatClock } from '../../../shared/format.js';
import type { GatewayEcgView } from '../../../shared/types.js';
import { listEcgRecords } from './ecg-api.js';
import { ImportButton } from './import-button.js';
import { RecordDetail } from './record-detail.js';
import { statusView } from './record-status.js';
import { defaultSelection, sortedRecords, type SiteRecords } from './site-ecg-state.js';

/** The clinic's ECG workflow: records list, import, and the selected record's detail. */
export function EcgSection(props: { records: SiteRecords; onRecord: (r: GatewayEcgView) => void; siteName: string }) {
  const { onRecord } = props;
  const [picked, setPicked] = useState<string | null>(null);
  const [listError, setListError] = useState<string | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    listEcgRecords(ctl.signal)
      .then((rs) => rs.forEach(onRecord))
      .catch(() => {
        if (!ctl.signal.aborted) setListError('ECG records unavailable on this gateway.');
      });
    return () => ctl.abort();
  }, [onRecord]);

  const list = sortedRecords(props.records);
  const selectedId = picked !== null && props.records[picked] !== undefined ? picked : defaultSelection(props.records);
  const selected = selectedId !== null ? props.records[selectedId] : undefined;
  return (
    <section class="stack ecg-section" aria-labelledby="ecg-title" data-testid="ecg-section">
      <div class="panel no-print">
        <div class="ecg-section-head">
          <h2 id="ecg-title">ECG records</h2>
          <ImportButton
            onImported={(r) => {
              onRecord(r);
              setPicked(r.recordId);
            }}
          />
        </div>
        {listError !== null ? <p class="muted">{listError}</p> : null}
        {list.length === 0 ? (
          <p class="muted" data-testid="ecg-none">
            No ECG records yet. Take one on the cart or import a file.
          </p>
        ) : (
          <table class="grid ecg-list" data-testid="ecg-list">
            <thead>
              <tr>
                <th scope="col">Record</th>
                <th scope="col">Taken</th>
                <th scope="col">HR</th>
                <th scope="col">Quality</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => {
                const s = statusView(r);
                return (
                  <tr key={r.recordId} data-testid={`ecg-row-${r.recordId}`} aria-selected={r.recordId === selectedId} class={r.recordId === selectedId ? 'selected' : undefined}>
                    <td>
                      <button type="button" class="link" onClick={() => setPicked(r.recordId)} data-testid={`ecg-open-${r.recordId}`}>
                        {r.recordId}
                      </button>
                      {r.critical || r.diagnosis?.critical === true ? <span class="critical-text"> CRITICAL</span> : null}
                    </td>
                    <td>{formatClock(r.acquiredAt)}</td>
                    <td>{r.heartRateBpm !== null ? `${Math.round(r.heartRateBpm)} bpm` : '—'}</td>
                    <td>{r.verdict}</td>
                    <td>
                      <Badge tone={s.tone} text={s.label} testId={`ecg-row-status-${r.recordId}`} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      {selected !== undefined ? <RecordDetail key={selected.recordId} record={selected} siteName={props.siteName} onRecord={onRecord} /> : null}
    </section>
  );
}
