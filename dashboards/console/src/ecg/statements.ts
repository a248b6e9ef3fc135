/**
 * Structured statements a reader ticks on the diagnosis form, grouped as on a reading sheet.
 * `critical` ones (an acute STEMI, a malignant arrhythmia) pre-tick the critical flag, which makes
 * the clinic page show the reading in red and the gateway raise it as an alarm-class notice.
 */
export interface StatementChoice {
  text: string;
  critical: boolean;
}

export const STATEMENT_GROUPS: readonly { title: string; items: readonly StatementChoice[] }[] = [
  {
    title: 'Rhythm',
    items: [
      { text: 'Sinus rhythm', critical: false },
      { text: 'Sinus bradycardia', critical: false },
      { text: 'Sinus tachycardia', critical: false },
      { text: 'Atrial fibrillation', critical: false },
      { text: 'Atrial flutter', critical: false },
      { text: 'Ventricular tachycardia', critical: true },
    ],
  },
  {
    title: 'Ectopy and conduction',
    items: [
      { text: 'PVCs', critical: false },
      { text: 'PACs', critical: false },
      { text: 'First-degree AV block', critical: false },
      { text: 'Complete heart block', critical: true },
      { text: 'Right bundle branch block', critical: false },
      { text: 'Left bundle branch block', critical: false },
    ],
  },
  {
    title: 'Ischaemia',
    items: [
      { text: 'Acute inferior STEMI', critical: true },
      { text: 'Acute anterior STEMI', critical: true },
      { text: 'Posterior involvement', critical: true },
      { text: 'Right ventricular involvement', critical: true },
      { text: 'ST depression', critical: false },
      { text: 'T-wave inversion', critical: false },
    ],
  },
  {
    title: 'Overall',
    items: [
      { text: 'Normal ECG', critical: false },
      { text: 'Abnormal ECG', critical: false },
      { text: 'Poor quality, repeat the recording', critical: false },
    ],
  },
];

const CRITICAL = new Set(STATEMENT_GROUPS.flatMap((g) => g.items.filter((i) => i.critical).map((i) => i.text)));

/** Whether any ticked statement is critical on its own. */
export function anyCritical(statements: readonly string[]): boolean {
  return statements.some((s) => CRITICAL.has(s));
}

/** Ticks or unticks one statement, keeping the sheet's order so the report reads the same each time. */
export function toggleStatement(current: readonly string[], text: string): string[] {
  const on = new Set(current);
  if (on.has(text)) on.delete(text);
  else on.add(text);
  const order = STATEMENT_GROUPS.flatMap((g) => g.items.map((i) => i.text));
  const known = order.filter((t) => on.has(t));
  return [...known, ...[...on].filter((t) => !order.includes(t))];
}

/** Statements the form may send: trimmed, non-empty, unique, at most 32 of at most 200 characters. */
export function cleanStatements(statements: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of statements) {
    const t = s.trim().slice(0, 200);
    if (t !== '' && !out.includes(t)) out.push(t);
  }
  return out.slice(0, 32);
}
