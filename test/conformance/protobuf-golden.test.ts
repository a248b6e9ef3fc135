// protobufjs (the runtime under our codec) against upstream protobuf's golden_message:
// proto2_unittest.TestAllTypes with every field set, every wire type, groups included.
// Data: $TELEMED_SHARED_DATA/protobuf-golden (default <repo>/../shared/data), see its GROUND_TRUTH.txt.
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { REPO_ROOT } from './protoc.js';
import { decodeRaw } from './raw-decode.js';

const DATA = join(process.env.TELEMED_SHARED_DATA ?? resolve(REPO_ROOT, '..', 'shared', 'data'), 'protobuf-golden');
const golden = new Uint8Array(readFileSync(join(DATA, 'golden_message')));

function loadTestAllTypes(): protobuf.Type {
  const root = new protobuf.Root();
  // unittest.proto imports "google/protobuf/unittest_import.proto"; the data set keeps the files flat.
  root.resolvePath = (_origin, target) => join(DATA, basename(target));
  root.loadSync('unittest.proto', { keepCase: true });
  root.resolveAll();
  return root.lookupType('proto2_unittest.TestAllTypes');
}

/** 64-bit values come back as Long (or number when Long is off): compare as decimal strings. */
const str = (v: unknown): string => String(v);

describe('protobuf golden_message', () => {
  it('is the 493-byte file the ground truth describes', () => {
    expect(golden.length).toBe(493);
  });

  it('protobufjs Reader walks every field and matches protoc --decode_raw line for line', () => {
    const want = readFileSync(join(DATA, 'golden_message.decode_raw.txt'), 'utf8');
    expect(decodeRaw(golden)).toBe(want);
  });

  describe('reflection decode of unittest.proto (edition 2023)', () => {
    const type = loadTestAllTypes();
    const msg = type.toObject(type.decode(golden), { bytes: Array }) as Record<string, unknown>;

    it('scalars match GROUND_TRUTH.txt', () => {
      expect(msg.optional_int32).toBe(101);
      expect(str(msg.optional_int64)).toBe('102');
      expect(msg.optional_uint32).toBe(103);
      expect(str(msg.optional_uint64)).toBe('104');
      expect(msg.optional_sint32).toBe(105);
      expect(str(msg.optional_sint64)).toBe('106');
      expect(msg.optional_fixed32).toBe(107);
      expect(str(msg.optional_fixed64)).toBe('108');
      expect(msg.optional_sfixed32).toBe(109);
      expect(str(msg.optional_sfixed64)).toBe('110');
      expect(msg.optional_float).toBe(111);
      expect(msg.optional_double).toBe(112);
      expect(msg.optional_bool).toBe(true);
      expect(msg.optional_string).toBe('115');
      expect(msg.optional_bytes).toEqual([1, 0, 2, 3, 0, 5]);
    });

    it('group, nested messages and enums match', () => {
      expect(msg.optionalgroup).toEqual({ a: 117 });
      expect(msg.optional_nested_message).toEqual({ bb: 118 });
      expect(msg.optional_foreign_message).toEqual({ c: 119 });
      expect(msg.optional_import_message).toEqual({ d: 120 });
      expect([msg.optional_nested_enum, msg.optional_foreign_enum, msg.optional_import_enum]).toEqual([3, 6, 9]);
    });

    it('repeated fields carry two values each (2xx, 3xx)', () => {
      expect(msg.repeated_int32).toEqual([201, 301]);
      expect((msg.repeated_sint64 as unknown[]).map(str)).toEqual(['206', '306']);
      expect(msg.repeated_float).toEqual([211, 311]);
      expect(msg.repeated_double).toEqual([212, 312]);
      expect(msg.repeated_bool).toEqual([false, true]);
      expect(msg.repeatedgroup).toEqual([{ a: 217 }, { a: 317 }]);
      expect(msg.repeated_bytes).toEqual([[216, 0, 0, 0], [60, 1, 0, 0]]);
      expect(msg.repeated_nested_enum).toEqual([3, 2]);
    });

    it('default_* fields carry the 4xx values', () => {
      expect(msg.default_int32).toBe(401);
      expect(str(msg.default_sint64)).toBe('406');
      expect(msg.default_float).toBe(411);
      expect(msg.default_string).toBe('415');
      expect(msg.default_cord).toBe('425');
    });

    it('re-encodes to the original 493 bytes', () => {
      const again = type.encode(type.decode(golden)).finish();
      expect(Buffer.from(again).equals(Buffer.from(golden))).toBe(true);
    });
  });
});
