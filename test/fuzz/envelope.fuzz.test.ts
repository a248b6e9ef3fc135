// decodeEnvelope treats every frame as hostile (DESIGN.md §7): whatever the bytes, it returns a
// validated envelope or throws a WireError with a known code; nothing else, and never slowly.
//
// Reproducible by default (fixed seed). Overrides: FUZZ_SEED=<int>, FUZZ_RUNS=<total decode inputs,
// default 100000, split across the properties below in fixed shares>.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, Envelope, WireError, WireErrorCode } from '../../protocols/index.js';
import { allSampleEnvelopes } from '../../protocols/wire/fixtures.js';
import { validEnvelopeArb } from './arbitraries.js';
import { fieldSoup, mutatedFrame } from './mutators.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);
const TOTAL = Number(process.env.FUZZ_RUNS ?? 100_000);
const SHARE = { randomBytes: 0.3, fieldSoup: 0.2, mutated: 0.48, roundTrip: 0.02 } as const;
const runs = (share: number): number => Math.max(1, Math.round(TOTAL * share));

/** Per-input bound. Generous for a 2-core CI box with GC pauses; a real hang would never return. */
const MAX_INPUT_MS = 250;
const CODES = new Set<string>(Object.values(WireErrorCode));

interface Stats {
  inputs: number;
  accepted: number;
  maxMs: number;
  byCode: Record<string, number>;
}

function newStats(): Stats {
  return { inputs: 0, accepted: 0, maxMs: 0, byCode: {} };
}

/** The property: returns normally when decodeEnvelope behaved; throws (failing fast-check) otherwise. */
function checkDecode(bytes: Uint8Array, stats: Stats): void {
  const t0 = performance.now();
  let outcome = 'accepted';
  let env: ReturnType<typeof decodeEnvelope> | undefined;
  try {
    env = decodeEnvelope(bytes);
  } catch (err) {
    if (!(err instanceof WireError)) throw new Error(`decodeEnvelope threw a non-WireError: ${String(err)}`, { cause: err });
    if (!CODES.has(err.code)) throw new Error(`unknown WireError code ${err.code}`, { cause: err });
    outcome = err.code;
  }
  // An accepted frame keeps the validator's promises.
  if (env !== undefined && (env.header == null || env.payload == null)) throw new Error('accepted envelope without header or payload');
  const ms = performance.now() - t0;
  stats.inputs++;
  if (outcome === 'accepted') stats.accepted++;
  else stats.byCode[outcome] = (stats.byCode[outcome] ?? 0) + 1;
  stats.maxMs = Math.max(stats.maxMs, ms);
  if (ms > MAX_INPUT_MS) throw new Error(`decodeEnvelope took ${ms.toFixed(1)} ms on a ${bytes.length}-byte input`);
}

function report(name: string, stats: Stats): void {
  console.log(`[fuzz] ${name}: seed=${SEED} inputs=${stats.inputs} accepted=${stats.accepted} maxMs=${stats.maxMs.toFixed(2)} ${JSON.stringify(stats.byCode)}`);
}

/** A header field whose length prefix claims the rest of a ~1 MiB frame, filled with zeros. */
const NEAR_LIMIT = new Uint8Array(1_048_586);
NEAR_LIMIT.set([0x0a, 0xff, 0xff, 0x3f]);

const bases = allSampleEnvelopes().map(({ envelope }) => encodeEnvelope(envelope));

describe('decodeEnvelope under fuzzing', () => {
  it('random bytes of random lengths', () => {
    const stats = newStats();
    const arb = fc.oneof(
      { weight: 80, arbitrary: fc.uint8Array({ maxLength: 64 }) },
      { weight: 20, arbitrary: fc.uint8Array({ maxLength: 4096 }) },
      // Around the 1 MiB limit now and then: views of one buffer, so no MiB allocation per input.
      { weight: 1, arbitrary: fc.integer({ min: 1_048_566, max: 1_048_586 }).map((n) => NEAR_LIMIT.subarray(0, n)) },
    );
    fc.assert(fc.property(arb, (bytes) => checkDecode(bytes, stats)), { seed: SEED, numRuns: runs(SHARE.randomBytes) });
    report('random bytes', stats);
    expect(stats.inputs).toBe(runs(SHARE.randomBytes));
    expect(stats.byCode[WireErrorCode.FRAME_TOO_LARGE]).toBeGreaterThan(0);
    expect(stats.byCode[WireErrorCode.PROTO_DECODE]).toBeGreaterThan(0);
  });

  it('field soup: random tags and wire types, known field numbers included', () => {
    const stats = newStats();
    fc.assert(fc.property(fieldSoup, (bytes) => checkDecode(bytes, stats)), { seed: SEED + 1, numRuns: runs(SHARE.fieldSoup) });
    report('field soup', stats);
    expect(stats.inputs).toBe(runs(SHARE.fieldSoup));
  });

  it('mutations of valid frames of every payload kind', () => {
    const stats = newStats();
    const seen = new Set<string>();
    fc.assert(
      fc.property(mutatedFrame(bases), ({ names, bytes }) => {
        for (const n of names) seen.add(n);
        checkDecode(bytes, stats);
      }),
      { seed: SEED + 2, numRuns: runs(SHARE.mutated) },
    );
    report('mutations', stats);
    console.log(`[fuzz] mutations used: ${[...seen].sort().join(', ')}`);
    // A mutated frame still decodes sometimes (a flipped bit in a double) and fails in many ways.
    if (TOTAL >= 10_000) {
      expect(stats.accepted).toBeGreaterThan(0);
      expect(seen.size).toBe(8);
      expect(Object.keys(stats.byCode).length).toBeGreaterThanOrEqual(3);
    }
  });

  it('valid random envelopes round-trip (values and bytes)', () => {
    const opts = { bytes: Array, longs: Number, enums: Number, defaults: false, arrays: true } as const;
    fc.assert(
      fc.property(validEnvelopeArb(), ({ kind, envelope }) => {
        const bytes = encodeEnvelope(envelope);
        const decoded = decodeEnvelope(bytes);
        expect(decoded.payload).toBe(kind);
        expect(Envelope.toObject(decoded, opts)).toEqual(Envelope.toObject(Envelope.fromObject(envelope), opts));
        expect(Buffer.from(encodeEnvelope(decoded)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { seed: SEED + 3, numRuns: runs(SHARE.roundTrip) },
    );
  });
});
