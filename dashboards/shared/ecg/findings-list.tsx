import type { EcgFinding } from '../types.js';

const SEVERITY_WORD: Record<EcgFinding['severity'], string> = { critical: 'CRITICAL', abnormal: 'Abnormal', info: 'Note' };

/**
 * Findings of a record, most severe first. Severity is a word and a colour; a finding tied to a lead
 * is a button that outlines that lead on the grid (pressed state announced to screen readers).
 */
export function FindingsList(props: { findings: readonly EcgFinding[]; highlightLead?: string | null; onPickLead?: (lead: string | null) => void; testId?: string }) {
  const order = { critical: 0, abnormal: 1, info: 2 } as const;
  const sorted = [...props.findings].sort((a, b) => order[a.severity] - order[b.severity]);
  if (sorted.length === 0) return <p class="muted" data-testid={`${props.testId ?? 'findings'}-none`}>No findings.</p>;
  return (
    <ul class="findings" data-testid={props.testId ?? 'findings'}>
      {sorted.map((f, i) => {
        const body = (
          <>
            <span class={`sev sev-${f.severity}`}>{SEVERITY_WORD[f.severity]}</span> <span class="finding-text">{f.text}</span>
            {f.lead !== null ? <span class="muted"> · lead {f.lead}</span> : null}
            {f.origin === 'cart' ? <span class="muted"> · cart</span> : null}
          </>
        );
        const lead = f.lead;
        return (
          <li key={`${f.code}-${i}`} class={`finding finding-${f.severity}`} data-testid="finding" data-severity={f.severity}>
            {lead !== null && props.onPickLead !== undefined ? (
              <button
                type="button"
                class="finding-button"
                aria-pressed={props.highlightLead === lead}
                onClick={() => props.onPickLead?.(props.highlightLead === lead ? null : lead)}
              >
                {body}
              </button>
            ) : (
              body
            )}
          </li>
        );
      })}
    </ul>
  );
}
