import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.js';

describe('Fifo (ring buffer)', () => {
  it('matches an array model through growth, wrap-around, removeFirst, shrinking and drain', () => {
    const f = new Fifo<number>();
    const model: number[] = [];
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let next = 0;
    // Phases: fill past several doublings, then drain most of it (shrinks), with mixed ops throughout.
    for (const [steps, pPush] of [[5000, 0.8], [6000, 0.2], [3000, 0.5]] as const) {
      for (let i = 0; i < steps; i++) {
        const r = rnd();
        if (r < pPush) {
          f.push(next);
          model.push(next++);
        } else if (r < pPush + 0.02) {
          const k = model.length > 0 ? model[Math.floor(rnd() * model.length)] : -1;
          const got = f.removeFirst((v) => v === k);
          const at = model.indexOf(k ?? -1);
          if (at >= 0) model.splice(at, 1);
          expect(got).toBe(at >= 0 ? k : undefined);
        } else {
          expect(f.shift()).toBe(model.shift());
        }
        expect(f.length).toBe(model.length);
        expect(f.peek()).toBe(model[0]);
      }
    }
    expect(f.drain()).toEqual(model);
    expect(f.length).toBe(0);
    expect(f.shift()).toBeUndefined();
    f.push(1);
    expect(f.drain()).toEqual([1]);
  });
});
