import type { LinkProfile, RangeMs } from './profile.js';
import { createRng, uniform, type Rng } from './prng.js';

/** One timed event of a link profile; `atMs` is measured from the emulator's start. */
export type LinkEvent =
  | { readonly atMs: number; readonly kind: 'stall'; readonly durationMs: number; readonly direction: 'up' | 'down' | 'both' }
  | { readonly atMs: number; readonly kind: 'outage'; readonly durationMs: number; readonly refuseNew: boolean }
  | { readonly atMs: number; readonly kind: 'disconnect' }
  | { readonly atMs: number; readonly kind: 'handover'; readonly durationMs: number; readonly refuseNew: boolean };

type Stream = () => LinkEvent | undefined;

const draw = (rng: Rng, r: RangeMs): number => Math.round(uniform(rng, r[0], r[1]));

/** An endless periodic stream: the gap before each event is drawn from `every`. */
function periodic(rng: Rng, every: RangeMs, make: (atMs: number) => LinkEvent): Stream {
  let t = 0;
  return () => {
    t += draw(rng, every);
    return make(t);
  };
}

/**
 * The event schedule of a profile as a lazy, time-ordered iterator. Each event kind draws from its
 * own PRNG stream, so adding a kind to a profile does not shift the times of the others, and the
 * same (profile, seed) always yields the same schedule.
 */
export function eventSchedule(profile: LinkProfile, seed: number): () => LinkEvent | undefined {
  const ev = profile.events;
  const streams: Stream[] = [];
  if (ev.stall) {
    const s = ev.stall;
    const rng = createRng(seed, 'stall');
    streams.push(periodic(rng, s.everyMs, (atMs) => ({ atMs, kind: 'stall', durationMs: draw(rng, s.durationMs), direction: s.direction })));
  }
  if (ev.outage) {
    const o = ev.outage;
    const rng = createRng(seed, 'outage');
    streams.push(periodic(rng, o.everyMs, (atMs) => ({ atMs, kind: 'outage', durationMs: draw(rng, o.durationMs), refuseNew: o.refuseNew })));
  }
  if (ev.flap) {
    const f = ev.flap;
    let n = 0;
    streams.push(() => ({ atMs: ++n * f.upMs + (n - 1) * f.downMs, kind: 'outage', durationMs: f.downMs, refuseNew: f.refuseNew }));
  }
  if (ev.disconnect?.atMs) {
    const fixed = [...ev.disconnect.atMs].sort((a, b) => a - b);
    let i = 0;
    streams.push(() => {
      const at = fixed[i++];
      return at === undefined ? undefined : { atMs: at, kind: 'disconnect' };
    });
  }
  if (ev.disconnect?.everyMs) {
    streams.push(periodic(createRng(seed, 'disconnect'), ev.disconnect.everyMs, (atMs) => ({ atMs, kind: 'disconnect' })));
  }
  if (ev.handover) {
    const h = ev.handover;
    const rng = createRng(seed, 'handover');
    streams.push(periodic(rng, h.everyMs, (atMs) => ({ atMs, kind: 'handover', durationMs: draw(rng, h.outageMs), refuseNew: h.refuseNew })));
  }

  // Merge: keep the next event of every stream and hand out the earliest (ties: profile order).
  const heads = streams.map((s) => s());
  return () => {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && (best < 0 || h.atMs < (heads[best]?.atMs ?? Infinity))) best = i;
    }
    if (best < 0) return undefined;
    const out = heads[best];
    heads[best] = streams[best]?.();
    return out;
  };
}

/** The events of a profile up to `untilMs` (inclusive), e.g. to print or compare schedules. */
export function eventsUntil(profile: LinkProfile, seed: number, untilMs: number): LinkEvent[] {
  const next = eventSchedule(profile, seed);
  const out: LinkEvent[] = [];
  for (let e = next(); e && e.atMs <= untilMs; e = next()) out.push(e);
  return out;
}
