import { describe, expect, it } from 'vitest';
import { CART_LEADS } from '../../protocols/ecg-cart/index.js';
import { EcgModel } from './ecg-model.js';

const lead = (out: Int16Array, n: number, name: string): Int16Array => out.subarray(CART_LEADS.indexOf(name as never) * n, (CART_LEADS.indexOf(name as never) + 1) * n);

describe('EcgModel', () => {
  it('is deterministic per seed and independent of block size', () => {
    const a = new EcgModel({ seed: 3, rhythm: 'af' }).next(1000);
    const m = new EcgModel({ seed: 3, rhythm: 'af' });
    const parts = [m.next(10), m.next(990)];
    for (let l = 0; l < 18; l++) {
      expect([...parts[0]!.subarray(l * 10, l * 10 + 10), ...parts[1]!.subarray(l * 990, l * 990 + 990)]).toEqual([...a.subarray(l * 1000, l * 1000 + 1000)]);
    }
    expect([...new EcgModel({ seed: 4, rhythm: 'af' }).next(100)]).not.toEqual([...a.subarray(0, 100)]);
  });

  it('obeys Einthoven: III = II − I for every sample', () => {
    const n = 2000;
    const out = new EcgModel({ seed: 1 }).next(n);
    const I = lead(out, n, 'I'), II = lead(out, n, 'II'), III = lead(out, n, 'III');
    for (let i = 0; i < n; i++) expect(III[i]).toBe(II[i]! - I[i]!);
  });

  it('STEMI raises the ST segment in II and V8 and depresses it in V2 compared with sinus', () => {
    const n = 5000;
    const opts = { seed: 9, wanderMv: 0, mainsMv: 0, muscleMv: 0 };
    const sinus = new EcgModel({ ...opts, rhythm: 'sinus' });
    const stemi = new EcgModel({ ...opts, rhythm: 'stemi' });
    const a = sinus.next(n), b = stemi.next(n);
    // 100 ms after each R peak (both models share beat times for the same seed).
    const st = (out: Int16Array, name: string): number =>
      sinus.beatTimes.filter((t) => t + 0.1 < n / 500).reduce((s, t) => s + lead(out, n, name)[Math.round((t + 0.1) * 500)]!, 0);
    expect(st(b, 'II') - st(a, 'II')).toBeGreaterThan(0);
    expect(st(b, 'V8') - st(a, 'V8')).toBeGreaterThan(0);
    expect(st(b, 'V2') - st(a, 'V2')).toBeLessThan(0);
  });

  it('reads 0 on a lead that is off', () => {
    const m = new EcgModel({ seed: 1 });
    m.setLeadOff(1 << CART_LEADS.indexOf('V3'));
    expect(lead(m.next(100), 100, 'V3').every((v) => v === 0)).toBe(true);
  });
});
