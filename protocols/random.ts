/**
 * Deterministic pseudo-random numbers (mulberry32): tiny, fast and good enough for simulators,
 * jitter and test signals; never for anything secret. Every seeded thing in telemed (link
 * impairments, synthetic patients, backoff jitter in tests) draws from this one generator so a
 * seed replays a run exactly.
 */
export type Rng = () => number;

/** A generator of uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal variate (Box–Muller) from a uniform generator. */
export function gaussian(rnd: Rng): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}
