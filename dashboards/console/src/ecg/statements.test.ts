import { describe, expect, it } from 'vitest';
import { anyCritical, cleanStatements, toggleStatement } from './statements.js';

describe('diagnosis statements', () => {
  it('toggling keeps the reading-sheet order', () => {
    let s = toggleStatement([], 'Posterior involvement');
    s = toggleStatement(s, 'Sinus rhythm');
    s = toggleStatement(s, 'Acute inferior STEMI');
    expect(s).toEqual(['Sinus rhythm', 'Acute inferior STEMI', 'Posterior involvement']);
    expect(toggleStatement(s, 'Sinus rhythm')).toEqual(['Acute inferior STEMI', 'Posterior involvement']);
  });

  it('a STEMI statement is critical; sinus rhythm and PVCs are not', () => {
    expect(anyCritical(['Sinus rhythm', 'PVCs'])).toBe(false);
    expect(anyCritical(['Sinus rhythm', 'Acute inferior STEMI'])).toBe(true);
  });

  it('cleans before sending', () => {
    expect(cleanStatements([' PVCs ', 'PVCs', '', 'x'.repeat(300)])).toEqual(['PVCs', 'x'.repeat(200)]);
  });
});
