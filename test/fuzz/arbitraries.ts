// fast-check arbitraries for valid envelopes, derived from telemed.proto by reflection so a field
// added to the schema is fuzzed without touching this file.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import type { EnvelopeInit, PayloadKind } from '../../protocols/index.js';
import { PAYLOAD_KINDS, SESSION_KINDS } from '../../protocols/wire/fixtures.js';

const PROTO_FILE = fileURLToPath(new URL('../../protocols/telemed.proto', import.meta.url));

/** Largest doubles inside the 64-bit ranges: exact as JS numbers, so they round-trip. */
const INT64_EDGES = [-9_223_372_036_854_775_808, 9_223_372_036_854_774_784, -1, 0];
const UINT64_EDGES = [18_446_744_073_709_549_568, 0, 1];

const uint32 = fc.tuple(fc.nat(0xffff), fc.nat(0xffff)).map(([hi, lo]) => hi * 0x10000 + lo);

function scalar(type: string): fc.Arbitrary<unknown> | undefined {
  switch (type) {
    case 'string':
      // Short enough that ids stay under the 128-character limit even in UTF-16 units.
      return fc.string({ maxLength: 30, unit: 'binary' });
    case 'bytes':
      return fc.uint8Array({ maxLength: 64 });
    case 'double':
      return fc.double();
    case 'bool':
      return fc.boolean();
    case 'int32':
    case 'sint32':
      return fc.integer();
    case 'uint32':
      return uint32;
    case 'int64':
      return fc.oneof(fc.maxSafeInteger(), fc.constantFrom(...INT64_EDGES));
    case 'uint64':
      return fc.oneof(fc.maxSafeNat(), fc.constantFrom(...UINT64_EDGES));
    default:
      return undefined;
  }
}

function fieldArb(field: protobuf.Field): fc.Arbitrary<unknown> {
  field.resolve();
  const t = field.resolvedType;
  let one: fc.Arbitrary<unknown>;
  if (t instanceof protobuf.Type) one = messageArb(t);
  else if (t instanceof protobuf.Enum) one = fc.constantFrom(...Object.values(t.values));
  else {
    const s = scalar(field.type);
    if (s === undefined) throw new Error(`no arbitrary for ${field.fullName} (${field.type}): add one`);
    one = s;
  }
  return field.repeated ? fc.array(one, { maxLength: 6 }) : one;
}

const cache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

/** Any value of a message type: each field present or absent, values over their whole range. */
export function messageArb(type: protobuf.Type): fc.Arbitrary<Record<string, unknown>> {
  const hit = cache.get(type.fullName);
  if (hit) return hit;
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of type.fieldsArray) if (f.partOf === null) model[f.name] = fieldArb(f);
  const arb = fc.record(model, { requiredKeys: [] });
  cache.set(type.fullName, arb);
  return arb;
}

/** A valid envelope (one the validator must accept) with a random payload kind. */
export function validEnvelopeArb(): fc.Arbitrary<{ kind: PayloadKind; envelope: EnvelopeInit }> {
  const root = protobuf.loadSync(PROTO_FILE);
  root.resolveAll();
  const envType = root.lookupType('telemed.v1.Envelope');
  const header = messageArb(root.lookupType('telemed.v1.Header'));
  const byKind = PAYLOAD_KINDS.map((kind) => {
    const f = envType.fields[kind];
    if (f === undefined) throw new Error(`Envelope has no field ${kind}`);
    return fc.record({
      kind: fc.constant(kind),
      header: header,
      payload: messageArb(root.lookupType(f.type)),
      cls: fc.integer({ min: SESSION_KINDS.has(kind) ? 0 : 1, max: 6 }),
      streamId: fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }),
      seq: fc.maxSafeNat(),
    });
  });
  return fc.oneof(...byKind).map(({ kind, header: h, payload, cls, streamId, seq }) => ({
    kind,
    envelope: { header: { ...h, trafficClass: cls, streamId, seq }, [kind]: payload },
  }));
}
