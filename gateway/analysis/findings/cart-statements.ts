// The cart's own interpretive statements: wording that names a critical condition counts as a
// critical finding with origin "cart", so a STEMI the cart called is flagged even when our
// detector is unsure. Negated wording ("no ST elevation") does not count.
import type { EcgFindingSummary } from '../../../protocols/ecg/analysis-summary.js';
import { EcgFindingCode } from './codes.js';

const RULES: readonly { code: string; re: RegExp }[] = [
  { code: EcgFindingCode.STEMI, re: /\bSTEMI\b|\bST[- ]?(segment )?elevation|\bacute (myocardial )?(infarct|infarction|MI)\b|\bacute (inferior|anterior|lateral|posterior|septal)\w* (wall )?(MI|infarct)|\binjury\b/i },
  { code: EcgFindingCode.VT_RUN, re: /\bventricular (tachycardia|fibrillation|flutter)\b|\bV-?TACH\b|\bVT\b|\bVF\b|\btorsade/i },
  { code: EcgFindingCode.ASYSTOLE, re: /\basystole\b|\bcardiac arrest\b/i },
];
const NEGATION = /\b(no|not|without|absence of|rule out|r\/o)\b/i;

/** Critical findings from statements; each statement gives at most one finding per code. */
export function cartStatementFindings(statements: readonly string[], frames: number): EcgFindingSummary[] {
  const out: EcgFindingSummary[] = [];
  for (const s of statements) {
    for (const { code, re } of RULES) {
      const m = re.exec(s);
      if (m === null) continue;
      if (NEGATION.test(s.slice(0, m.index))) continue;
      out.push({ code, severity: 'critical', text: `cart: ${s.slice(0, 200)}`, lead: null, startSample: 0, endSample: frames, origin: 'cart' });
    }
  }
  return out;
}
