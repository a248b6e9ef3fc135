import { mulberry32 } from '../../protocols/random.js';
/**
 * Deterministic pseudo-random numbers for the emulator. Every random choice (jitter, event times)
 * comes from a stream derived from the user's seed, so a run can be replayed exactly.
 */

/** A function returning uniform numbers in [0, 1). */
export type Rng = () => number;

/** Mixes a seed and a stream label into a 32-bit state (splitmix32 finaliser). */
export function deriveSeed(seed: number, stream: string): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (let i = 0; i < stream.length; i++) {
    h = Math.imul(h ^ stream.charCodeAt(i), 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: tiny, fast, and good enough for network impairments (not for cryptography). */
export function createRng(seed: number, stream = ''): Rng {
  return mulberry32(deriveSeed(seed, stream));
}

/** Uniform number in [min, max]. */
export function uniform(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng();
}
