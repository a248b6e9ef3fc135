import type { GatewayEcgView } from '../../../shared/types.js';

const VERDICT_WORD = { good: 'Good', acceptable: 'Acceptable', poor: 'Poor' } as const;

/** A lead at or above this score with no issues is "clean" and summarised in one line. */
const CLEAN_SCORE = 0.8;

/** Quality verdict and the leads that explain it: weak ones listed worst first, clean ones counted. */
export function QualityPanel(props: { record: GatewayEcgView }) {
  const r = props.record;
  const leads = [...r.leadQuality].filter((q) => q.score < CLEAN_SCORE || q.issues.length > 0).sort((a, b) => a.score - b.score);
  const clean = r.leadQuality.length - leads.length;
  return (
    <section class="panel" aria-labelledby="quality-title" data-testid="quality-panel">
      <h2 id="quality-title">
        Signal quality: <span class={`verdict verdict-${r.verdict}`} data-testid="quality-verdict">{VERDICT_WORD[r.verdict]}</span>
      </h2>
      {r.leadQuality.length === 0 ? <p class="muted">No per-lead quality for this record.</p> : null}
      {clean > 0 ? (
        <p data-testid="quality-clean">
          {leads.length === 0 ? `All ${clean} leads clean.` : `${clean} other leads clean (score ${Math.round(CLEAN_SCORE * 100)} % or more).`}
        </p>
      ) : null}
      {leads.length === 0 ? null : (
        <table class="grid quality-table">
          <caption class="sr-only">Quality per lead, worst first</caption>
          <thead>
            <tr>
              <th scope="col">Lead</th>
              <th scope="col">Score</th>
              <th scope="col">Problems</th>
            </tr>
          </thead>
          <tbody>
            {leads.map((q) => (
              <tr key={q.lead} data-testid={`quality-${q.lead}`} class={q.score < 0.5 ? 'quality-low' : undefined}>
                <th scope="row">{q.lead}</th>
                <td>{Math.round(q.score * 100)} %</td>
                <td class="quality-issues">{q.issues.length > 0 ? q.issues.join(', ') : 'none'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
