// fast-check arbitraries that damage valid frames the way a broken or hostile peer would:
// bit flips, truncation, splices of two frames, duplicated ranges, tampered length prefixes,
// inserted huge/overlong varints and deep runs of nested group tags.
import fc from 'fast-check';

/** protobuf base-128 varint of a non-negative value (protobuf encoding guide, "Base 128 Varints"). */
export function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** Where each length prefix sits (offset and size of the varint), for length-delimited fields at any depth. */
export function lengthPrefixes(bytes: Uint8Array, start = 0, end = bytes.length, out: Array<[number, number]> = []): Array<[number, number]> {
  let pos = start;
  const readVarint = (): bigint | undefined => {
    let v = 0n;
    for (let shift = 0n; pos < end && shift < 70n; shift += 7n) {
      const b = bytes[pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
    }
    return undefined;
  };
  while (pos < end) {
    const tag = readVarint();
    if (tag === undefined) return out;
    const wire = Number(tag & 7n);
    if (wire === 0) {
      if (readVarint() === undefined) return out;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const at = pos;
      const len = readVarint();
      if (len === undefined || pos + Number(len) > end) return out;
      out.push([at, pos - at]);
      // Nested messages are length-delimited too; a string that does not parse just adds nothing.
      lengthPrefixes(bytes, pos, pos + Number(len), out);
      pos += Number(len);
    } else return out;
  }
  return out;
}

/** Value that replaces a length prefix: off by one, zero, past the end, or the 32/64-bit edges. */
const tamperedLength = fc.oneof(
  fc.constantFrom(0n, 1n, 127n, 128n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 63n) - 1n, (1n << 64n) - 1n),
  fc.bigInt({ min: 0n, max: 1n << 20n }),
);

/** An overlong or huge varint: 10-byte values up to 2^64-1, or 11+ continuation bytes (invalid). */
const hugeVarint: fc.Arbitrary<number[]> = fc.oneof(
  fc.bigInt({ min: 1n << 35n, max: (1n << 64n) - 1n }).map(varint),
  fc.integer({ min: 10, max: 40 }).map((n) => [...new Array<number>(n).fill(0xff), 0x01]),
  fc.integer({ min: 1, max: 20 }).map((n) => new Array<number>(n).fill(0x80)),
);

/** `times` copies of `piece`, built without per-byte pushes (runs can be tens of kB). */
function repeat(piece: readonly number[], times: number): Uint8Array {
  const out = new Uint8Array(piece.length * times);
  for (let i = 0; i < times; i++) out.set(piece, i * piece.length);
  return out;
}

/** A run of START_GROUP tags (wire type 3), optionally closed, around protobufjs's recursion limit (100) and far past it. */
const groupRun: fc.Arbitrary<Uint8Array> = fc
  .record({
    field: fc.integer({ min: 1, max: 2000 }),
    depth: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 120, max: 5000 })),
    closed: fc.boolean(),
  })
  .map(({ field, depth, closed }) => {
    const open = repeat(varint(BigInt(field * 8 + 3)), depth);
    if (!closed) return open;
    const close = repeat(varint(BigInt(field * 8 + 4)), depth);
    const out = new Uint8Array(open.length + close.length);
    out.set(open, 0);
    out.set(close, open.length);
    return out;
  });

/** A position, taken modulo the frame length; unbiased, since fast-check favours small numbers and would hit only the first bytes. */
const pos = fc.noBias(fc.nat());

type Mutation = (bytes: Uint8Array, other: Uint8Array) => Uint8Array;

const mutations: Record<string, fc.Arbitrary<Mutation>> = {
  bitFlips: fc.array(fc.tuple(pos, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((flips) => (b: Uint8Array) => {
    const out = Uint8Array.from(b); // a copy even if b is a Buffer (whose slice() is a view)
    for (const [i, bit] of flips) if (out.length > 0) out[i % out.length]! ^= 1 << bit;
    return out;
  }),
  truncate: pos.map((n) => (b: Uint8Array) => b.slice(0, n % (b.length + 1))),
  splice: fc.tuple(pos, pos).map(([i, j]) => (b: Uint8Array, o: Uint8Array) => {
    const head = b.subarray(0, i % (b.length + 1));
    const tail = o.subarray(j % (o.length + 1));
    const out = new Uint8Array(head.length + tail.length);
    out.set(head, 0);
    out.set(tail, head.length);
    return out;
  }),
  duplicateRange: fc.tuple(pos, pos, pos, fc.integer({ min: 1, max: 4 })).map(([i, len, at, times]) => (b: Uint8Array) => {
    const from = i % (b.length + 1);
    const piece = Array.from(b.subarray(from, from + (len % 64) + 1));
    return splice(b, at % (b.length + 1), 0, repeat(piece, times));
  }),
  lengthPrefix: fc.tuple(pos, tamperedLength).map(([k, len]) => (b: Uint8Array) => {
    const prefixes = lengthPrefixes(b);
    const p = prefixes[k % Math.max(prefixes.length, 1)];
    return p === undefined ? b : splice(b, p[0], p[1], varint(len));
  }),
  hugeVarint: fc.tuple(pos, fc.boolean(), fc.integer({ min: 1, max: 40 }), hugeVarint).map(([at, withTag, field, v]) => (b: Uint8Array) => {
    const bytes = withTag ? [...varint(BigInt(field * 8)), ...v] : v;
    return splice(b, at % (b.length + 1), 0, bytes);
  }),
  nestedGroups: fc.tuple(pos, groupRun).map(([at, run]) => (b: Uint8Array) => splice(b, at % (b.length + 1), 0, run)),
  replaceBytes: fc.array(fc.tuple(pos, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((subs) => (b: Uint8Array) => {
    const out = Uint8Array.from(b); // a copy even if b is a Buffer (whose slice() is a view)
    for (const [i, v] of subs) if (out.length > 0) out[i % out.length] = v;
    return out;
  }),
};

export const MUTATION_NAMES = Object.keys(mutations);

/** A mutated copy of one of `bases` (a second base feeds splices), with the mutation's name. */
export function mutatedFrame(bases: readonly Uint8Array[], maxStack = 2): fc.Arbitrary<{ names: string[]; bytes: Uint8Array }> {
  const named = fc.oneof(...Object.entries(mutations).map(([name, arb]) => arb.map((m) => ({ name, m }))));
  return fc
    .record({ base: fc.constantFrom(...bases), other: fc.constantFrom(...bases), steps: fc.array(named, { minLength: 1, maxLength: maxStack }) })
    .map(({ base, other, steps }) => ({ names: steps.map((s) => s.name), bytes: steps.reduce((b, s) => s.m(b, other), base) }));
}

/** Field soup: random tags (known field numbers, and others) with values of random wire types. */
export const fieldSoup: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.record({
      field: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25, 26, 27, 28), fc.integer({ min: 0, max: 536_870_911 })),
      wire: fc.integer({ min: 0, max: 7 }),
      value: fc.uint8Array({ maxLength: 24 }),
      n: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    }),
    { maxLength: 12 },
  )
  .map((fields) => {
    const out: number[] = [];
    for (const f of fields) {
      out.push(...varint(BigInt(f.field) * 8n + BigInt(f.wire)));
      if (f.wire === 0) out.push(...varint(f.n));
      else if (f.wire === 2) out.push(...varint(BigInt(f.value.length)), ...f.value);
      else out.push(...f.value.subarray(0, f.wire === 1 ? 8 : f.wire === 5 ? 4 : 0));
    }
    return Uint8Array.from(out);
  });
