import { useRef, useState } from 'preact/hooks';
import { DashboardError } from '../../../shared/errors.js';
import type { GatewayEcgView } from '../../../shared/types.js';
import { importEcgFile } from './ecg-api.js';

/** "Import file": a labelled file input; an importer's rejection is shown with its code. */
export function ImportButton(props: { onImported: (r: GatewayEcgView) => void }) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const input = useRef<HTMLInputElement>(null);
  const onChange = (e: Event): void => {
    const el = e.currentTarget as HTMLInputElement;
    const file = el.files?.[0];
    if (file === undefined) return;
    setState({ busy: true, error: null });
    importEcgFile(file)
      .then((r) => {
        setState({ busy: false, error: null });
        props.onImported(r);
      })
      .catch((err: unknown) => {
        const text = err instanceof DashboardError ? `Import failed: ${err.code}: ${err.message}` : 'Import failed';
        setState({ busy: false, error: text });
      })
      .finally(() => {
        // Clearing lets the same file be picked again after a fix.
        if (input.current !== null) input.current.value = '';
      });
  };
  return (
    <div class="import">
      <label class="file-button">
        {state.busy ? 'Importing…' : 'Import ECG file'}
        <input ref={input} type="file" onChange={onChange} disabled={state.busy} data-testid="ecg-import" />
      </label>
      {state.error !== null ? (
        <p class="form-error" role="alert" data-testid="ecg-import-error">
          {state.error}
        </p>
      ) : null}
    </div>
  );
}
