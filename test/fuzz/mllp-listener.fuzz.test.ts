// The MLLP LISTENER (devices/hl7-mllp) under hostile byte streams over real loopback sockets, while
// a well-behaved monitor keeps sending. Each input is a byte stream (random bytes, stray SB/EB/CR,
// real IHE PCD messages as sent or with random bytes flipped, framed random payloads, framed
// "MSH|…" noise, over-long blocks) written on one of several attacker connections, cut at random
// points; every 500 inputs an attacker connection is closed and a new one opened.
// Properties: the device stays running; the well-behaved sender gets an AA for every message, in
// order, with bounded latency; every error the listener and the receiver counted is a known stable
// code; no handler exception; at the end every attacker connection still gets AA for a good message.
//
// Seeded (FUZZ_SEED); FUZZ_RUNS inputs, default 5 000 in CI; `npm run fuzz:mllp-listener` runs 100 000.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../protocols/index.js';
import { Hl7ErrorCode, MLLP_CR, MLLP_END, MLLP_START, mllpEncode } from '../../protocols/hl7v2/index.js';
import { Hl7DeviceErrorCode, Hl7MllpDevice } from '../../devices/hl7-mllp/index.js';
import { oru, testSender, type TestSender } from '../../devices/hl7-mllp/test-support.js';
import { sharedDataPath } from '../helpers/shared-data.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
const RUNS = Number(process.env.FUZZ_RUNS ?? 5_000);
const CAP = 4096;
const ATTACKERS = 6;
const KNOWN = new Set<string>([...Object.values(Hl7ErrorCode), ...Object.values(Hl7DeviceErrorCode)]);

function realMessages(): Uint8Array[] {
  const dir = sharedDataPath('ihe-pcd01-messages');
  const out: Uint8Array[] = [];
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    for (const f of readdirSync(join(dir, sub.name))) {
      const b = readFileSync(join(dir, sub.name, f));
      if (b.length <= CAP && !b.includes(MLLP_START) && !b.includes(MLLP_END)) out.push(new Uint8Array(b));
    }
  }
  return out;
}

function inputs(good: Uint8Array[]): fc.Arbitrary<{ bytes: Uint8Array; cuts: number[] }> {
  const noFrameBytes = (a: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> => a.map((b) => b.map((x) => (x === MLLP_START || x === MLLP_END ? 0x41 : x)));
  const piece = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }),
    fc.constantFrom([MLLP_START], [MLLP_END], [MLLP_CR], [MLLP_END, MLLP_CR], [MLLP_START, MLLP_END, MLLP_CR], [0x0d, 0x0a]).map((b) => Uint8Array.from(b)),
    fc.nat({ max: good.length - 1 }).map((i) => mllpEncode(good[i]!)),
    fc.tuple(fc.nat({ max: good.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })).map(([i, flips]) => {
      const m = good[i]!.slice();
      for (const [at, v] of flips) m[at % m.length] = v === MLLP_START || v === MLLP_END ? 0x7c : v;
      return mllpEncode(m);
    }),
    noFrameBytes(fc.uint8Array({ minLength: 0, maxLength: 200 })).map((b) => mllpEncode(b)),
    noFrameBytes(fc.uint8Array({ minLength: 0, maxLength: 120 })).map((b) => mllpEncode(Uint8Array.from([...Buffer.from('MSH|^~\\&|'), ...b]))),
    fc.integer({ min: CAP + 1, max: CAP + 300 }).map((n) => { const b = new Uint8Array(n + 1).fill(0x41); b[0] = MLLP_START; return b; }),
  );
  return fc.record({ parts: fc.array(piece, { minLength: 1, maxLength: 4 }), cuts: fc.array(fc.nat(), { maxLength: 4 }) }).map(({ parts, cuts }) => {
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { bytes.set(p, at); at += p.length; }
    return { bytes, cuts: [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b) };
  });
}

describe('MLLP listener under fuzzing (real sockets)', () => {
  it(`${RUNS} hostile streams on ${ATTACKERS} connections; a well-behaved monitor is served throughout`, async () => {
    const dev = new Hl7MllpDevice({ id: 'fuzz', port: 0, clock: systemClock, logger: pino({ level: 'silent' }), maxFrameBytes: CAP, maxConnections: 64, maxConnectionsPerAddress: 64 });
    await dev.start(new AbortController().signal);
    const port = dev.port!;
    const good = realMessages();
    expect(good.length).toBeGreaterThanOrEqual(10);
    const attackers: TestSender[] = [];
    for (let i = 0; i < ATTACKERS; i++) attackers.push(await testSender(port));
    // The well-behaved monitor: one message every 20 ms, each must be AA'd, in order.
    const monitor = await testSender(port);
    let sent = 0;
    const sentAt: number[] = [];
    const tick = setInterval(() => {
      monitor.send(oru('GOOD_MON', `G${sent}`, 60 + (sent % 50)));
      sentAt.push(performance.now());
      sent++;
    }, 20);
    let maxLatency = 0;
    let checked = 0;
    const checkMonitor = (): void => {
      for (; checked < monitor.acks.length; checked++) {
        const m = /MSA\|(\w+)\|([^|\r]*)/.exec(monitor.acks[checked]!);
        if (!m || m[1] !== 'AA' || m[2] !== `G${checked}`) throw new Error(`monitor ACK ${checked}: ${monitor.acks[checked]}`);
        maxLatency = Math.max(maxLatency, performance.now() - sentAt[checked]!);
      }
    };
    const stats = { inputs: 0, bytes: 0, reconnects: 0 };
    try {
      const arb = inputs(good);
      const BATCH = 100; // small batches: generating inputs blocks this process, which also hosts the listener
      for (let b = 0; b * BATCH < RUNS; b++) {
        const batch = fc.sample(arb, { seed: SEED + b, numRuns: Math.min(BATCH, RUNS - b * BATCH) });
        for (const [k, { bytes, cuts }] of batch.entries()) {
          const a = attackers[k % ATTACKERS]!;
          let prev = 0;
          for (const c of [...cuts, bytes.length]) {
            if (c > prev) a.send(bytes.subarray(prev, c), true);
            prev = c;
          }
          stats.inputs++;
          stats.bytes += bytes.length;
          // Let the event loop run (the listener, the monitor's timer) every few inputs.
          if (k % 25 === 24) await new Promise((r) => setImmediate(r));
        }
        // Wait for the attackers' bytes to be read before the next batch (bounded memory), then
        // replace one attacker connection.
        await Promise.all(attackers.map((a) => new Promise<void>((r) => (a.socket.writableLength === 0 ? r() : a.socket.once('drain', () => r())))));
        checkMonitor();
        const i = b % ATTACKERS;
        await attackers[i]!.close();
        attackers[i] = await testSender(port);
        stats.reconnects++;
      }
      clearInterval(tick);
      await monitor.waitAcks(sent, 20_000);
      checkMonitor();
      expect(dev.state).toBe('running');
      // Every attacker connection is still served after whatever it sent.
      for (const [i, a] of attackers.entries()) {
        a.send(new Uint8Array([MLLP_END, MLLP_CR]), true); // end whatever block the last input left open
        a.send(oru('AFTER', `after-${i}`, 70));
        await waitUntil(() => a.acks.some((x) => x.includes(`MSA|AA|after-${i}`)), 10_000, `attacker ${i} served after fuzzing`);
      }
      const l = dev.stats.listener!;
      const r = dev.stats.receiver;
      console.log(`[fuzz] mllp-listener: seed=${SEED} inputs=${stats.inputs} bytes=${stats.bytes} monitor=${sent} maxLatencyMs=${maxLatency.toFixed(0)} frames=${l.frames} acks=${l.acksSent} ${JSON.stringify(l.errors)} receiver=${JSON.stringify({ acks: r.acks, dup: r.duplicates, unanswered: r.unanswered, errors: r.errors })}`);
      expect(stats.inputs).toBe(RUNS);
      expect(l.errors.TM_ERR_MLLP_HANDLER).toBeUndefined();
      for (const code of [...Object.keys(l.errors), ...Object.keys(r.errors), ...Object.keys(l.connectionsRefused)]) expect(KNOWN.has(code), code).toBe(true);
      expect(Object.keys(l.connectionsRefused)).toEqual([]);
      expect(checked).toBe(sent);
      expect(maxLatency).toBeLessThan(5000);
      if (RUNS >= 5000) for (const c of ['TM_ERR_MLLP_GARBAGE', 'TM_ERR_MLLP_OVERFLOW', 'TM_ERR_MLLP_BAD_END']) expect(l.errors[c], c).toBeGreaterThan(0);
    } finally {
      clearInterval(tick);
      await Promise.all([...attackers, monitor].map((a) => a.close()));
      await dev.stop();
    }
  }, 900_000);
});

async function waitUntil(f: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
