// A schema-less walk of protobuf bytes with protobufjs's low-level Reader, printed in the layout of
// `protoc --decode_raw`, so our reader can be compared line for line with protoc's.
import protobuf from 'protobufjs';

const Reader = protobuf.Reader;

/** Unsigned decimal of a 64-bit value as the Reader returns it (Long, or number when Long is off). */
function u64(v: unknown): bigint {
  if (typeof v === 'number') return BigInt(v);
  const long = v as { low: number; high: number };
  return (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
}

/** protoc's CEscape: octal for anything but printable ASCII, plus the usual backslash escapes. */
export function cEscape(bytes: Uint8Array): string {
  const named: Record<number, string> = { 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x22: '\\"', 0x27: "\\'", 0x5c: '\\\\' };
  let out = '';
  for (const b of bytes) {
    out += named[b] ?? (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '\\' + b.toString(8).padStart(3, '0'));
  }
  return out;
}

/**
 * Walks one message (or group body) and returns its lines; throws when the bytes are not a
 * well-formed field sequence. `endGroup` is the field number whose END_GROUP tag ends a group body.
 */
function walk(r: protobuf.Reader, end: number, indent: string, endGroup?: number): string[] {
  const lines: string[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) throw new Error('field number 0');
    switch (wire) {
      case 0:
        lines.push(`${indent}${field}: ${u64(r.uint64())}`);
        break;
      case 1:
        lines.push(`${indent}${field}: 0x${u64(r.fixed64()).toString(16).padStart(16, '0')}`);
        break;
      case 5:
        lines.push(`${indent}${field}: 0x${r.fixed32().toString(16).padStart(8, '0')}`);
        break;
      case 2: {
        const bytes = r.bytes();
        // Like protoc: a length-delimited field that parses as a message is shown as one.
        let nested: string[] | undefined;
        try {
          if (bytes.length > 0) nested = walk(Reader.create(bytes), bytes.length, `${indent}  `);
        } catch {
          nested = undefined;
        }
        if (nested) lines.push(`${indent}${field} {`, ...nested, `${indent}}`);
        else lines.push(`${indent}${field}: "${cEscape(bytes)}"`);
        break;
      }
      case 3:
        lines.push(`${indent}${field} {`, ...walk(r, end, `${indent}  `, field), `${indent}}`);
        break;
      case 4:
        if (field !== endGroup) throw new Error(`unexpected end group ${field}`);
        return lines;
      default:
        throw new Error(`bad wire type ${wire}`);
    }
  }
  if (r.pos !== end) throw new Error('field runs past the end');
  if (endGroup !== undefined) throw new Error(`group ${endGroup} not closed`);
  return lines;
}

/** The `protoc --decode_raw` text of `bytes`, produced by protobufjs's Reader. */
export function decodeRaw(bytes: Uint8Array): string {
  return walk(Reader.create(bytes), bytes.length, '').map((l) => `${l}\n`).join('');
}
