import { describe, expect, it } from 'vitest';
import { MqttPacketGuard } from './packet-guard.js';

/** Feeds `bytes` split at `cuts`; resolves with what passed and the error, if any. */
async function feed(max: number, bytes: Uint8Array, cuts: number[]): Promise<{ out: Buffer; err: Error | null }> {
  const g = new MqttPacketGuard(max);
  const parts: Buffer[] = [];
  g.on('data', (d: Buffer) => parts.push(d));
  const err = await new Promise<Error | null>((resolve) => {
    g.on('error', resolve);
    g.on('finish', () => resolve(null));
    let at = 0;
    for (const c of [...cuts, bytes.length]) {
      if (c > at) g.write(Buffer.from(bytes.subarray(at, c)));
      at = Math.max(at, c);
    }
    g.end();
  });
  return { out: Buffer.concat(parts), err };
}

// PINGREQ (0xC0 0x00), a PUBLISH with a 200-byte body (length 200 = 0xC8 0x01), PINGREQ.
const body = new Uint8Array(200).fill(0x41);
const stream = Uint8Array.from([0xc0, 0x00, 0x30, 0xc8, 0x01, ...body, 0xc0, 0x00]);

describe('MqttPacketGuard', () => {
  it('passes packets under the cap unchanged, split anywhere', async () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = await feed(1000, stream, [cut]);
      expect(r.err).toBeNull();
      expect(r.out.equals(Buffer.from(stream))).toBe(true);
    }
  });

  it('fails on a packet announcing more than the cap, or a 5-byte length, wherever the header is cut', async () => {
    for (let cut = 0; cut <= 5; cut++) {
      expect((await feed(199, stream, [cut])).err?.message).toMatch(/TM_ERR_VITALS_BROKER_PACKET: packet of 200 bytes > 199/);
    }
    expect((await feed(1 << 30, Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]), [3])).err?.message).toMatch(/malformed remaining length/);
    // 268 435 455 (the MQTT maximum) announced in 4 bytes: refused before any body arrives.
    expect((await feed(65_536, Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0x7f]), [])).err?.message).toMatch(/268435455/);
  });
});
