import { useState } from 'preact/hooks';
import { Badge } from '../../../shared/components.js';
import { DashboardError } from '../../../shared/errors.js';
import { armAction } from './arm-api.js';
import { armMeaning, forceShare, type ArmView } from './arm-state.js';

const fmtN = (v: number | null): string => (v === null ? '—' : v.toFixed(1));

/**
 * One ultrasound arm at the clinic: who is driving, the probe force against the exam's cap, the
 * safety state, and the local e-stop (always enabled) and its clear (only here: the specialist's
 * link cannot clear it).
 */
export function ArmPanel(props: { arm: ArmView; onUpdate: (a: ArmView) => void }) {
  const a = props.arm;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const m = armMeaning(a.state);
  const share = forceShare(a);
  const act = (action: 'estop' | 'estop/clear' | 'fault/reset'): void => {
    setBusy(action !== 'estop');
    setError(null);
    armAction(a.id, action)
      .then((v) => { if (v !== null) props.onUpdate(v); })
      .catch((err: unknown) => setError(err instanceof DashboardError ? `${err.message} (${err.code})` : 'Request failed'))
      .finally(() => setBusy(false));
  };
  return (
    <section class="panel arm-panel" data-testid="arm-panel" data-arm={a.id} aria-labelledby={`arm-${a.id}-title`}>
      <h2 id={`arm-${a.id}-title`}>Ultrasound arm {a.id}</h2>
      <Badge tone={m.tone} text={a.state} testId="arm-state" large context="Arm" />
      <p class="link-meaning" data-testid="arm-meaning">{m.text}</p>
      <dl class="figures">
        <div class="figure">
          <dt>Driving</dt>
          <dd data-testid="arm-operator">{a.operatorId ?? 'nobody'}</dd>
        </div>
        <div class="figure">
          <dt>Contact force</dt>
          <dd><span data-testid="arm-force">{fmtN(a.forceN)}</span> / <span data-testid="arm-cap">{fmtN(a.forceCapN)}</span><span class="unit"> N</span></dd>
        </div>
        <div class="figure">
          <dt>Arm link</dt>
          <dd data-testid="arm-link">{a.link}</dd>
        </div>
      </dl>
      <meter class="arm-force" min={0} max={1} low={0.6} high={0.85} optimum={0} value={share} aria-label="Force against the cap" data-testid="arm-force-gauge" />
      {a.lastDecision === null ? null : (
        <p class="muted" data-testid="arm-last">Last: {a.lastDecision.what} {a.lastDecision.decision}{a.lastDecision.reason === null ? '' : ` (${a.lastDecision.reason})`}</p>
      )}
      <div class="arm-buttons">
        <button type="button" class="arm-estop" onClick={() => act('estop')} data-testid="arm-estop">E-STOP</button>
        {a.state === 'estopped' ? (
          <button type="button" class="plain" onClick={() => act('estop/clear')} disabled={busy} data-testid="arm-estop-clear">Clear e-stop</button>
        ) : null}
        {a.state === 'faulted' ? (
          <button type="button" class="plain" onClick={() => act('fault/reset')} disabled={busy} data-testid="arm-fault-reset">Reset fault</button>
        ) : null}
      </div>
      {error === null ? null : <p class="form-error" role="alert" data-testid="arm-error">{error}</p>}
    </section>
  );
}
