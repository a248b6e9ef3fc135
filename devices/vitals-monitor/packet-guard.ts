import { Transform, type TransformCallback } from 'node:stream';

/**
 * Caps the size of MQTT control packets before the embedded broker buffers them. The MQTT 3.1.1
 * fixed header is one type byte and a Remaining Length of 1-4 bytes, 7 bits each, low first
 * [MQTT-2.2.3]; aedes' parser would otherwise wait for up to 256 MB of one PUBLISH. Bytes pass
 * through unchanged; a packet announcing more than `maxPacketBytes` (or a malformed length) fails
 * the stream, and the caller closes the connection.
 */
export class MqttPacketGuard extends Transform {
  /** Bytes still to skip of the current packet's body. */
  private remaining = 0;
  /** Fixed header being read: [type byte, length bytes...]. */
  private header: number[] = [];

  constructor(private readonly maxPacketBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        continue;
      }
      const b = chunk[i]!;
      i += 1;
      this.header.push(b);
      if (this.header.length === 1) continue;
      if ((b & 0x80) !== 0) {
        if (this.header.length > 4) return done(new Error('TM_ERR_VITALS_BROKER_PACKET: malformed remaining length'));
        continue;
      }
      let len = 0;
      for (let k = this.header.length - 1; k >= 1; k--) len = len * 128 + (this.header[k]! & 0x7f);
      this.header = [];
      if (len > this.maxPacketBytes) return done(new Error(`TM_ERR_VITALS_BROKER_PACKET: packet of ${len} bytes > ${this.maxPacketBytes}`));
      this.remaining = len;
    }
    done(null, chunk);
  }
}
