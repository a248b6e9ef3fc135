// Hostile and random input: the WFDB parsers never crash or hang, and every rejection is a
// WfdbError with a TM_ERR_WFDB_* code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { parseMitAnnotations } from './annotations.js';
import { decodeFlac } from './flac.js';
import { WfdbError, WfdbErrorCode } from './errors.js';
import { decodeFlat, bytesForSamples } from './formats.js';
import { parseWfdbHeader } from './header.js';
import { readWfdbSignals } from './signals.js';

const CODES = new Set<string>(Object.values(WfdbErrorCode));

/** Runs f; passes if it returns or throws a coded WfdbError; rethrows anything else. */
function codedOrOk(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (err instanceof WfdbError && CODES.has(err.code)) return;
    throw err;
  }
}

const VALID = `100 2 360 650000 10:00:00 01/02/2003
100.dat 212 200(1024)/mV 11 1024 995 -22131 0 MLII
100.dat 212 200 11 1024 1011 20052 0 V5
# 69 M`;

const TOKENS = ['100', '2', '360', '212', '212x4', '16+24', '8:3', '200(1024)/mV', '~', '/', '(', ')', 'x', '-', '1e999', 'NaN',
  '99999999999999', '0', '-1', '#', '\n', ' ', '\t', 'a.dat', '../etc/passwd', '508', '7', '12.5/mmHg', '4/2', '1/0'];

describe('WFDB header parser under fuzz', () => {
  it('random text never crashes: parses or throws a coded error', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => codedOrOk(() => parseWfdbHeader(s))), { numRuns: 3000 });
  });

  it('token soup and mutated valid headers never crash', () => {
    const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(' '));
    fc.assert(fc.property(soup, (s) => codedOrOk(() => parseWfdbHeader(s))), { numRuns: 3000 });
    const mutated = fc.tuple(fc.nat(VALID.length), fc.nat(20), fc.constantFrom(...TOKENS))
      .map(([at, del, ins]) => VALID.slice(0, at) + ins + VALID.slice(at + del));
    fc.assert(fc.property(mutated, (s) => codedOrOk(() => parseWfdbHeader(s))), { numRuns: 3000 });
  });

  it('parsed random headers read random data files without crashing', () => {
    const mutated = fc.tuple(fc.nat(VALID.length), fc.nat(10), fc.constantFrom(...TOKENS), fc.uint8Array({ maxLength: 300 }))
      .map(([at, del, ins, bytes]) => ({ text: VALID.slice(0, at) + ins + VALID.slice(at + del), bytes }));
    fc.assert(fc.property(mutated, ({ text, bytes }) => codedOrOk(() => {
      const h = parseWfdbHeader(text);
      // Force a small frame count so a random header cannot ask for a huge allocation.
      readWfdbSignals({ ...h, frames: h.frames === null ? null : Math.min(h.frames, 100) }, new Map([['100.dat', bytes]]), { maxSamples: 10_000 });
    })), { numRuns: 2000 });
  });
});

describe('WFDB hostile headers and data', () => {
  const code = (f: () => unknown): string => {
    try { f(); } catch (err) { return (err as WfdbError).code; }
    return 'none';
  };

  it('rejects with stable codes', () => {
    expect(code(() => parseWfdbHeader(''))).toBe(WfdbErrorCode.HEADER_SYNTAX);
    expect(code(() => parseWfdbHeader('r 99999 360'))).toBe(WfdbErrorCode.HEADER_SYNTAX);
    expect(code(() => parseWfdbHeader('r 1 360\n../../etc/passwd 16'))).toBe(WfdbErrorCode.HEADER_SYNTAX);
    expect(code(() => parseWfdbHeader('r 1 360\n/abs.dat 16'))).toBe(WfdbErrorCode.HEADER_SYNTAX);
    expect(code(() => parseWfdbHeader('r 1 360\nr.dat 7'))).toBe(WfdbErrorCode.UNSUPPORTED_FORMAT);
    expect(code(() => parseWfdbHeader('r 2 360\nr.dat 16'))).toBe(WfdbErrorCode.HEADER_SYNTAX);
    expect(code(() => parseWfdbHeader('r 1 -5\nr.dat 16'))).toBe(WfdbErrorCode.HEADER_SYNTAX);
    expect(code(() => parseWfdbHeader('r 1 1e999\nr.dat 16'))).toBe(WfdbErrorCode.HEADER_SYNTAX);
    expect(code(() => parseWfdbHeader('r 1 360\nr.dat 16x99999'))).toBe(WfdbErrorCode.HEADER_SYNTAX);
    expect(code(() => parseWfdbHeader('x'.repeat(2 << 20)))).toBe(WfdbErrorCode.HEADER_LIMIT);
    expect(code(() => parseWfdbHeader('r/3 1 360\ns1 10'))).toBe(WfdbErrorCode.HEADER_SYNTAX);
  });

  it('refuses truncated data, missing files, huge records and FLAC; checks checksums when strict', () => {
    const h = parseWfdbHeader('r 1 100 10\nr.dat 16 200 16 0 1 10');
    const ten = new Uint8Array(20).fill(0);
    ten[0] = 1;
    expect(code(() => readWfdbSignals(h, new Map([['r.dat', ten.subarray(0, 19)]])))).toBe(WfdbErrorCode.DATA_TRUNCATED);
    expect(code(() => readWfdbSignals(h, new Map()))).toBe(WfdbErrorCode.MISSING_FILE);
    expect(code(() => readWfdbSignals(h, new Map([['r.dat', ten]]), { maxSamples: 5 }))).toBe(WfdbErrorCode.DATA_LIMIT);
    const ok = readWfdbSignals(h, new Map([['r.dat', ten]]));
    expect(ok.checks[0]).toEqual({ checksum: 1, checksumOk: false, initialValueOk: true });
    expect(code(() => readWfdbSignals(h, new Map([['r.dat', ten]]), { strictChecksums: true }))).toBe(WfdbErrorCode.CHECKSUM);
    expect(code(() => bytesForSamples(516, 4))).toBe(WfdbErrorCode.UNSUPPORTED_FORMAT);
    expect(code(() => decodeFlat(508, new Uint8Array(4), 4, new Int32Array(4)))).toBe(WfdbErrorCode.UNSUPPORTED_FORMAT);
    const flacHeader = parseWfdbHeader('r 1 100 10\nr.d0 516');
    expect(code(() => readWfdbSignals(flacHeader, new Map([['r.d0', new Uint8Array(50)]])))).toBe(WfdbErrorCode.HEADER_SYNTAX);
  });

  it('derives the frame count from the file when the header omits it', () => {
    const h = parseWfdbHeader('r 2 100\nr.dat 212\nr.dat 212');
    const s = readWfdbSignals(h, new Map([['r.dat', new Uint8Array([0x01, 0x20, 0x03, 0xff, 0xff, 0x7f])]]));
    expect(s.frames).toBe(2);
    expect(Array.from(s.samples[0] ?? [])).toEqual([1, -1]);
    expect(Array.from(s.samples[1] ?? [])).toEqual([515, -129]);
  });
});

describe('FLAC decoder under fuzz', () => {
  it('mutated real FLAC streams and random bytes after the marker decode or fail with a code', () => {
    const real = readFileSync(join(sharedDataPath('wfdb-python-sample-data'), 'flacformats.d1'));
    const mutated = fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
      .map((edits) => { const b = Uint8Array.from(real); for (const [at, v] of edits) b[at] = v; return b; });
    fc.assert(fc.property(mutated, (b) => codedOrOk(() => decodeFlac(b, 100_000))), { numRuns: 1500 });
    const random = fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from([0x66, 0x4c, 0x61, 0x43, ...b]));
    fc.assert(fc.property(random, (b) => codedOrOk(() => decodeFlac(b, 100_000))), { numRuns: 1500 });
  });
});

describe('MIT annotation parser under fuzz', () => {
  it('random bytes never crash', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (b) => codedOrOk(() => parseMitAnnotations(b))), { numRuns: 3000 });
  });

  it('decodes SKIP, NUM, SUB, CHN and AUX', () => {
    const w = (a: number, i: number): number[] => [(a << 10 | i) & 0xff, (a << 10 | i) >> 8];
    const bytes = new Uint8Array([
      ...w(59, 0), 0x01, 0x00, 0x00, 0x00, // SKIP 65536 (PDP-11 order: high word first)
      ...w(1, 5), // N at 65541
      ...w(61, 2), ...w(62, 1), ...w(60, 7), // sub 2, chan 1, num 7
      ...w(28, 10), ...w(63, 3), 0x28, 0x4e, 0x00, 0x00, // "+" with aux "(N\0" padded
      ...w(5, 1), // V: chan and num carry over, sub resets
      0, 0,
    ]);
    const a = parseMitAnnotations(bytes);
    expect(a).toEqual([
      { sample: 65541, code: 1, symbol: 'N', subtype: 2, chan: 1, num: 7, aux: null },
      { sample: 65551, code: 28, symbol: '+', subtype: 0, chan: 1, num: 7, aux: '(N' },
      { sample: 65552, code: 5, symbol: 'V', subtype: 0, chan: 1, num: 7, aux: null },
    ]);
    expect(() => parseMitAnnotations(new Uint8Array([...w(63, 9), 0x41]))).toThrow(WfdbError);
  });
});
