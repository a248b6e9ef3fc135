import { useState } from 'preact/hooks';
import { DashboardError } from '../../../shared/errors.js';
import type { DiagnosisView, HubEcgView } from '../../../shared/types.js';
import { submitDiagnosis } from './ecg-api.js';
import { anyCritical, cleanStatements, STATEMENT_GROUPS, toggleStatement } from './statements.js';

type FormState = { state: 'editing'; error: string | null } | { state: 'signing' };

/**
 * The reading: quick-pick statements, free text and the critical flag, signed and sent in one step.
 * Ticking a critical statement sets the flag (the reader may clear it); the flag is never cleared
 * behind the reader's back.
 */
export function DiagnosisForm(props: { token: string; record: HubEcgView; onSigned: (r: HubEcgView, d: DiagnosisView) => void; amend?: DiagnosisView; onCancel?: () => void }) {
  // An amendment starts from the signed reading; the hub stores it as the next revision.
  const [statements, setStatements] = useState<string[]>(() => props.amend?.statements ?? []);
  const [text, setText] = useState(props.amend?.text ?? '');
  const [critical, setCritical] = useState(props.amend?.critical ?? false);
  const [form, setForm] = useState<FormState>({ state: 'editing', error: null });

  const toggle = (s: string): void => {
    const next = toggleStatement(statements, s);
    setStatements(next);
    if (anyCritical(next) && !anyCritical(statements)) setCritical(true);
  };
  const submit = (e: Event): void => {
    e.preventDefault();
    const clean = cleanStatements(statements);
    if (clean.length === 0 && text.trim() === '') {
      setForm({ state: 'editing', error: 'Tick at least one statement or write a comment.' });
      return;
    }
    setForm({ state: 'signing' });
    submitDiagnosis(props.token, props.record.id, { statements: clean, text: text.trim(), critical })
      .then(({ record, diagnosis }) => props.onSigned(record, diagnosis))
      .catch((err: unknown) => {
        const msg = err instanceof DashboardError ? `${err.message} (${err.code})` : 'Could not send the diagnosis';
        setForm({ state: 'editing', error: msg });
      });
  };
  const busy = form.state === 'signing';
  return (
    <form class="diagnosis-form panel" data-testid="diagnosis-form" onSubmit={submit} aria-labelledby="dx-title">
      <h2 id="dx-title">{props.amend !== undefined ? `Amend diagnosis (revision ${props.amend.revision + 1})` : 'Diagnosis'}</h2>
      <div class="dx-groups">
        {STATEMENT_GROUPS.map((g) => (
          <fieldset key={g.title}>
            <legend>{g.title}</legend>
            {g.items.map((i) => (
              <label key={i.text} class="check">
                <input type="checkbox" checked={statements.includes(i.text)} onChange={() => toggle(i.text)} disabled={busy} />
                <span class={i.critical ? 'critical-text' : undefined}>{i.text}</span>
              </label>
            ))}
          </fieldset>
        ))}
      </div>
      <label>
        Comment
        <textarea rows={3} maxLength={2000} value={text} disabled={busy} data-testid="dx-text" onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      <label class="check critical-flag">
        <input type="checkbox" checked={critical} disabled={busy} data-testid="dx-critical" onChange={(e) => setCritical(e.currentTarget.checked)} />
        <span class="critical-text">Critical: call the clinic now</span>
      </label>
      {form.state === 'editing' && form.error !== null ? (
        <p class="form-error" role="alert" data-testid="dx-error">
          {form.error}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" disabled={busy} data-testid="dx-sign">
          {busy ? 'Signing…' : props.amend !== undefined ? 'Sign & send amendment' : 'Sign & send'}
        </button>
        {props.onCancel !== undefined ? (
          <button type="button" class="plain" onClick={props.onCancel} disabled={busy}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
