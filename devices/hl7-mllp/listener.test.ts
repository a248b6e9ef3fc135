// The hl7-mllp device on real TCP sockets on 127.0.0.1 (port 0): the IHE PCD files replayed over
// MLLP, our ACKs read back by an independent HL7 parser (@medplum/core's Hl7Message) and an
// independent MLLP client (@medplum/hl7's Hl7Client); concurrent senders beside one sending
// garbage; connection caps and allow-lists from the attacker's side.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, telemed } from '../../protocols/index.js';
import { waitFor } from '../../test/helpers/cli-process.js';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import type { Reading } from '../device.js';
import { Hl7MllpDevice, type Hl7MllpDeviceOptions } from './hl7-device.js';
import { oru, testSender, type TestSender } from './test-support.js';

const logger = pino({ level: 'silent' });
let devices: Hl7MllpDevice[] = [];
let senders: TestSender[] = [];

async function startDevice(o: Partial<Hl7MllpDeviceOptions> = {}): Promise<{ dev: Hl7MllpDevice; port: number; readings: Reading[] }> {
  const dev = new Hl7MllpDevice({ id: 'hl7-1', port: 0, clock: systemClock, logger, ...o });
  const readings: Reading[] = [];
  dev.on('reading', (r) => readings.push(r));
  await dev.start(new AbortController().signal);
  devices.push(dev);
  return { dev, port: dev.port!, readings };
}
async function sender(port: number, local?: string): Promise<TestSender> {
  const s = await testSender(port, local);
  senders.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(senders.map((s) => s.close()));
  await Promise.all(devices.map((d) => d.stop()));
  senders = [];
  devices = [];
});

function pcdFiles(): { name: string; text: string }[] {
  const dir = sharedDataPath('ihe-pcd01-messages');
  const out: { name: string; text: string }[] = [];
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    for (const f of readdirSync(join(dir, sub.name)).sort()) out.push({ name: `${sub.name}/${f}`, text: readFileSync(join(dir, sub.name, f), 'latin1') });
  }
  return out;
}

describe('hl7-mllp listener over real sockets', () => {
  it('replays every IHE PCD file over MLLP: ACK per message read by @medplum/core, numerics as in GROUND_TRUTH', async () => {
    const { port, readings } = await startDevice();
    const s = await sender(port);
    const files = pcdFiles();
    for (const f of files) s.send(f.text);
    // Every file starts with MSH, so every one is answered (ACK_watchdog is an ACK: AR unsupported).
    const acks = await s.waitAcks(files.length);
    expect(acks).toHaveLength(files.length);
    acks.forEach((ack, i) => {
      const m = Hl7Message.parse(ack);
      const theirs = Hl7Message.parse(files[i]!.text.replace(/\r?\n/g, '\r'));
      expect(m.header.getField(9)?.toString()).toBe(`ACK^${theirs.header.getField(9)?.getComponent(2)}^ACK`);
      const msa = m.getSegment('MSA')!;
      expect(msa.getField(2)?.toString()).toBe(theirs.header.getField(10)?.toString());
      // sending / receiving application swapped
      expect(m.header.getField(5)?.toString()).toBe(theirs.header.getField(3)?.toString());
      const code = msa.getField(1)?.toString();
      const trigger = theirs.header.getField(9)?.getComponent(2);
      const type = theirs.header.getField(9)?.getComponent(1);
      expect(code, files[i]!.name).toBe(type === 'ORU' && (trigger === 'R01' || trigger === 'R40') ? 'AA' : 'AR');
      if (code === 'AR') expect(m.getSegment('ERR')?.getField(3)?.getComponent(1)).toBe('200');
    });
    const vitals = readings.filter((r) => 'vitals' in r.payload).map((r) => (r.payload as { vitals: telemed.v1.IVitalsNumerics }).vitals);
    const valid = vitals.map((v) => Object.fromEntries((v.numerics ?? []).filter((n) => n.valid).map((n): [string, number] => [n.label ?? '', n.value ?? NaN])));
    expect(valid).toContainEqual({ NIBP_SYS: 111, NIBP_DIA: 60, NIBP_MEAN: 80, PR: 63 });
    expect(valid).toContainEqual({ NIBP_SYS: 120, NIBP_DIA: 80, NIBP_MEAN: 100 });
    expect(valid).toContainEqual({ PR: 55 });
    expect(readings.filter((r) => 'alarm' in r.payload)).toHaveLength(4); // LiveData advisory, B.Braun start + end, Draeger; not the Draeger watchdog (MDC_EVT_ACTIVE)
  });

  it('an independent MLLP client (@medplum/hl7 Hl7Client) gets AA for its control id; a retransmission is AA and not stored twice', async () => {
    const { port, readings } = await startDevice();
    const client = new Hl7Client({ host: '127.0.0.1', port });
    try {
      const msg = Hl7Message.parse(oru('MEDPLUM_MON', 'MP-1', 88));
      const ack = await client.sendAndWait(msg, { timeoutMs: 5000 });
      expect(ack.getSegment('MSA')?.getField(1)?.toString()).toBe('AA');
      expect(ack.getSegment('MSA')?.getField(2)?.toString()).toBe('MP-1');
      const again = await client.sendAndWait(Hl7Message.parse(oru('MEDPLUM_MON', 'MP-1', 88)), { timeoutMs: 5000 });
      expect(again.getSegment('MSA')?.getField(1)?.toString()).toBe('AA');
    } finally {
      await client.close();
    }
    expect(readings.filter((r) => 'vitals' in r.payload)).toHaveLength(1);
  });

  it('four concurrent senders keep getting every ACK while a fifth sends garbage and over-long blocks', async () => {
    const { dev, port, readings } = await startDevice({ maxFrameBytes: 8192 });
    const good = await Promise.all([0, 1, 2, 3].map(() => sender(port)));
    const bad = await sender(port);
    const N = 200;
    const junk = (): void => {
      bad.send(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), true); // plain garbage between blocks
      bad.send(new Uint8Array(2000).map((_, i) => (i * 7919 + 13) & 0xff), true); // stray SB/EB bytes among noise
      const big = new Uint8Array(9000).fill(0x41);
      big[0] = 0x0b;
      bad.send(big, true);
    };
    for (let i = 0; i < N; i++) {
      good.forEach((s, k) => s.send(oru(`MON${k}`, `C${i}`, 60 + (i % 40))));
      if (i % 20 === 0) junk();
    }
    await Promise.all(good.map((s) => s.waitAcks(N, 20_000)));
    for (const [k, s] of good.entries()) {
      expect(s.acks.map((a) => /MSA\|(\w+)\|([^|\r]*)/.exec(a)!.slice(1).join(':'))).toEqual(Array.from({ length: N }, (_, i) => `AA:C${i}`));
      expect(readings.filter((r) => r.stream === `MON${k}/vitals`)).toHaveLength(N);
    }
    const errors = dev.stats.listener!.errors;
    // The garbage connection is read in parallel: wait until all ten over-long blocks were seen.
    await waitFor('overflows', () => ((errors.TM_ERR_MLLP_OVERFLOW ?? 0) >= N / 20 ? true : undefined), 20_000);
    expect(errors.TM_ERR_MLLP_GARBAGE ?? 0).toBeGreaterThan(0);
    expect(errors.TM_ERR_MLLP_OVERFLOW ?? 0).toBeGreaterThan(0);
    expect((errors.TM_ERR_MLLP_BAD_END ?? 0) + (errors.TM_ERR_MLLP_UNTERMINATED ?? 0)).toBeGreaterThan(0);
    // After all that the garbage sender's own connection still works.
    bad.send(new Uint8Array([0x1c, 0x0d]), true);
    bad.send(oru('BAD', 'after-garbage', 70));
    const after = await bad.waitAcks(1);
    expect(after[after.length - 1]).toMatch(/MSA\|AA\|after-garbage/);
  });

  it('caps: a third connection from one address and connections past the total are closed at once; the others go on', async () => {
    const { dev, port } = await startDevice({ maxConnectionsPerAddress: 2, maxConnections: 3 });
    const a = await sender(port);
    const b = await sender(port);
    const c = await sender(port);
    await c.closed;
    expect(dev.stats.listener!.connectionsRefused.TM_ERR_MLLP_CONNECTION_LIMIT).toBe(1);
    const d = await sender(port, '127.0.0.2');
    const e = await sender(port, '127.0.0.3');
    await e.closed;
    expect(dev.stats.listener!.connectionsRefused.TM_ERR_MLLP_CONNECTION_LIMIT).toBe(2);
    for (const [i, s] of [a, b, d].entries()) {
      s.send(oru('M', `ok-${i}`, 70));
      expect((await s.waitAcks(1))[0]).toMatch(new RegExp(`MSA\\|AA\\|ok-${i}`));
    }
  });

  it('allow-lists: an address not listed is cut before anything is read; an application not listed gets AR', async () => {
    const { dev, port, readings } = await startDevice({ allowAddresses: ['127.0.0.2'], allowApplications: ['MON_OK'] });
    const intruder = await sender(port, '127.0.0.1');
    intruder.send(oru('MON_OK', 'x1', 70));
    await intruder.closed;
    expect(intruder.acks).toHaveLength(0);
    expect(dev.stats.listener!.connectionsRefused.TM_ERR_MLLP_ADDRESS_NOT_ALLOWED).toBe(1);
    const s = await sender(port, '127.0.0.2');
    s.send(oru('SPOOF', 'x2', 70));
    s.send(oru('MON_OK', 'x3', 70));
    const acks = await s.waitAcks(2);
    expect(acks[0]).toMatch(/MSA\|AR\|x2\|TM_ERR_HL7_SENDER_NOT_ALLOWED/);
    expect(acks[1]).toMatch(/MSA\|AA\|x3/);
    expect(readings.map((r) => r.stream)).toEqual(['MON_OK/vitals']);
  });
});
