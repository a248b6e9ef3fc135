import { useState } from 'preact/hooks';
import { DashboardError } from '../../../shared/errors.js';
import { type EcgExportFormat, fetchEcgExport } from './ecg-api.js';

const LABEL: Readonly<Record<EcgExportFormat, string>> = { dicom: 'Download as DICOM', aecg: 'Download as HL7 aECG' };

/**
 * "Download as DICOM / aECG" for a worklist record: fetched with the session's token, then saved
 * through an object URL (the hub names the file ecg-<id>.dcm / .xml; no patient identifier in it).
 */
export function ExportLinks(props: { token: string; id: string; onExpired: () => void }) {
  const [busy, setBusy] = useState<EcgExportFormat | null>(null);
  const [error, setError] = useState<string | null>(null);
  const download = (format: EcgExportFormat): void => {
    setBusy(format);
    setError(null);
    fetchEcgExport(props.token, props.id, format)
      .then(({ blob, filename }) => {
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = filename;
        document.body.appendChild(a);
        a.click();
        a.remove();
        // Revoked after the browser has taken the file.
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      })
      .catch((err: unknown) => {
        if (err instanceof DashboardError && err.status === 401) props.onExpired();
        else setError(err instanceof DashboardError ? `${err.message} (${err.code})` : 'Download failed');
      })
      .finally(() => setBusy(null));
  };
  return (
    <div class="panel export-links">
      {(['dicom', 'aecg'] as const).map((f) => (
        <button key={f} type="button" class="plain" onClick={() => download(f)} disabled={busy !== null} data-testid={`export-${f}`}>
          {busy === f ? 'Preparing…' : LABEL[f]}
        </button>
      ))}
      {error !== null ? <p class="form-error" role="status" data-testid="export-error">{error}</p> : null}
    </div>
  );
}
