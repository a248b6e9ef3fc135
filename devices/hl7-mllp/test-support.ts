// A small MLLP client for tests: connects, sends blocks, collects the ACK blocks it gets back.
import { connect, type Socket } from 'node:net';
import { MllpDeframer, mllpEncode } from '../../protocols/hl7v2/index.js';

export interface TestSender {
  readonly socket: Socket;
  readonly acks: string[];
  /** Sends one message (an MLLP block) or raw bytes. */
  send(message: string | Uint8Array, raw?: boolean): void;
  /** Resolves when `n` ACKs in total have arrived (rejects after `timeoutMs`). */
  waitAcks(n: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

export async function testSender(port: number, localAddress = '127.0.0.1'): Promise<TestSender> {
  const socket = connect({ host: '127.0.0.1', port, localAddress, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const acks: string[] = [];
  const deframer = new MllpDeframer();
  let waiters: (() => void)[] = [];
  socket.on('data', (b: Buffer) => {
    for (const ev of deframer.push(b)) if (ev.kind === 'frame') acks.push(Buffer.from(ev.payload).toString('latin1'));
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return {
    socket,
    acks,
    closed,
    send(message, raw = false) {
      const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
      socket.write(raw ? bytes : mllpEncode(bytes));
    },
    async waitAcks(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (acks.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${acks.length} of ${n} ACKs within ${timeoutMs} ms`);
        if (socket.destroyed) throw new Error(`connection closed after ${acks.length} of ${n} ACKs`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return acks;
    },
    async close() {
      socket.end();
      socket.destroy();
      await closed;
    },
  };
}

/** A minimal ORU^R01 with HR, SpO2 and NIBP, control id `id`, from application `app`. */
export function oru(app: string, id: string, hr: number, spo2 = 97): string {
  return [
    `MSH|^~\\&|${app}|AMB|TELEMED|GW|20261206080000+0000||ORU^R01^ORU_R01|${id}|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_ORU_R01^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
    'OBR|1||X|182777000^monitoring of patient^SCT|||20261206080000+0000',
    `OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|${hr}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||20261206080000+0000`,
    `OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|${spo2}|262688^MDC_DIM_PERCENT^MDC|||||F|||20261206080000+0000`,
  ].join('\r');
}
