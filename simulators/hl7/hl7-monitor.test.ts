// The PCD-01/PCD-04 monitor simulator: its messages read by an independent parser (@medplum/core)
// and by our receiver; the sender's ACK handling (timeout and AE re-sends, AR drop) against real
// loopback sockets; a scenario end to end into the hl7-mllp device.
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { Hl7Message } from '@medplum/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, telemed } from '../../protocols/index.js';
import { MllpDeframer, mllpEncode } from '../../protocols/hl7v2/index.js';
import { Hl7MllpDevice, Hl7Receiver } from '../../devices/hl7-mllp/index.js';
import type { Reading } from '../../devices/device.js';
import { waitFor } from '../../test/helpers/cli-process.js';
import { createScenario } from '../vitals/index.js';
import { Hl7MonitorSimulator, MllpSender, oruR01, oruR40, simulatedEui64 } from './index.js';

const v1 = telemed.v1;
const ID = { eui64: simulatedEui64(7), application: 'TM_SIM_MONITOR', facility: 'AMBULANCE', patientRef: 'ENC-7' };
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('PCD-01 / PCD-04 encoding', () => {
  it('ORU^R01 of a scenario tick: @medplum/core reads MSH/OBX as sent; our receiver gets the same values, null as valid:false', () => {
    const sc = createScenario({ scenario: 'vt-arrest', seed: 7 });
    const frames = [...sc.advance(10_000).numerics, ...sc.advance(200_000).numerics];
    const receiver = new Hl7Receiver({ ackId: () => 'A', timestamp: () => '20261206' });
    let nulls = 0;
    for (const [i, f] of frames.entries()) {
      const text = oruR01(ID, `C${i}`, Date.UTC(2026, 11, 6), f);
      const m = Hl7Message.parse(text);
      expect(m.header.getField(9)?.toString()).toBe('ORU^R01^ORU_R01');
      expect(m.header.getField(10)?.toString()).toBe(`C${i}`);
      expect(m.getAllSegments('OBX')).toHaveLength(f.numerics.length + 1);
      const out = receiver.handle(new TextEncoder().encode(text));
      expect(out.code).toBe('AA');
      const got = (out.readings[0]!.payload as { vitals: telemed.v1.IVitalsNumerics }).vitals;
      expect(got.deviceId).toBe(ID.eui64);
      f.numerics.forEach((n, k) => {
        const g = got.numerics![k]!;
        expect(g.code).toBe(n.refid);
        if (n.value === null) {
          nulls++;
          expect(g.valid).toBe(false);
        } else {
          expect(g.valid).toBe(true);
          expect(g.value).toBeCloseTo(n.value, 2);
        }
      });
    }
    expect(nulls).toBeGreaterThan(0); // VF: no pulse, no SpO2
  });

  it('ORU^R40 start and end of one alarm: same alarm id at the receiver, active then cleared, priority and kind kept', () => {
    const sc = createScenario({ scenario: 'probe-off', seed: 3 });
    const alarms = sc.advance(200_000).alarms.filter((a) => a.code === 'MDC_EVT_SENSOR_DISCONN');
    expect(alarms.map((a) => a.state)).toEqual(['active', 'cleared']);
    const receiver = new Hl7Receiver({ ackId: () => 'A', timestamp: () => '20261206' });
    const got = alarms.map((a, i) => {
      const text = oruR40(ID, `A${i}`, 0, a);
      expect(Hl7Message.parse(text).getSegment('OBR')?.getField(4)?.toString()).toBe('196616^MDC_EVT_ALARM^MDC');
      return (receiver.handle(new TextEncoder().encode(text)).readings[0]!.payload as { alarm: telemed.v1.IAlarm }).alarm;
    });
    expect(got[0]).toMatchObject({ code: 'MDC_PULS_OXIM_SAT_O2/MDC_EVT_SENSOR_DISCONN', state: v1.AlarmState.ALARM_STATE_ACTIVE, kind: v1.AlarmKind.ALARM_KIND_TECHNICAL });
    expect(got[1]!.state).toBe(v1.AlarmState.ALARM_STATE_CLEARED);
    expect(got[1]!.alarmId).toBe(got[0]!.alarmId);
  });

  it('a limit alarm names its parameter: "<parameter REFID>/<event>" for the edge alarm engine; two limit alarms keep apart', () => {
    const receiver = new Hl7Receiver({ ackId: () => 'A', timestamp: () => '20261206' });
    const mk = (parameter: 'HR' | 'RR', n: number) => oruR40(ID, `L${n}`, 0, { tMs: 1000, alarmId: `x${n}`, code: 'MDC_EVT_HI', parameter, kind: 'physiological', priority: 'medium', state: 'active', text: `${parameter} high` });
    const [hr, rr] = [mk('HR', 1), mk('RR', 2)].map((t) => (receiver.handle(new TextEncoder().encode(t)).readings[0]!.payload as { alarm: telemed.v1.IAlarm }).alarm);
    expect(hr).toMatchObject({ code: 'MDC_ECG_HEART_RATE/MDC_EVT_HI', priority: v1.AlarmPriority.ALARM_PRIORITY_MEDIUM, kind: v1.AlarmKind.ALARM_KIND_PHYSIOLOGICAL });
    expect(rr!.code).toBe('MDC_RESP_RATE/MDC_EVT_HI');
    expect(rr!.alarmId).not.toBe(hr!.alarmId);
  });
});

/** An MLLP server answering each message with the codes given in turn (then AA), or not at all ('none'). */
async function scriptedServer(script: ('AA' | 'AE' | 'AR' | 'none')[]): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  const server: Server = createServer((s) => {
    const d = new MllpDeframer();
    s.on('data', (b: Buffer) => {
      for (const ev of d.push(b)) {
        if (ev.kind !== 'frame') continue;
        const text = Buffer.from(ev.payload).toString('latin1');
        received.push(text);
        const code = script.shift() ?? 'AA';
        if (code === 'none') continue;
        const control = text.split('\r')[0]!.split('|')[9];
        s.write(mllpEncode(new TextEncoder().encode(`MSH|^~\\&|X|Y|||20261206||ACK^R01^ACK|K|P|2.6\rMSA|${code}|${control}\r`)));
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as AddressInfo).port, received };
}

describe('MllpSender', () => {
  it('re-sends the same control id after a timeout and after an AE, drops on AR, keeps order', async () => {
    const srv = await scriptedServer(['none', 'AE', 'AA', 'AR', 'AA']);
    const sender = new MllpSender({ host: '127.0.0.1', port: srv.port, ackTimeoutMs: 300 });
    cleanup.push(() => sender.stop());
    sender.enqueue('MSH|^~\\&|S|F|||1||ORU^R01|M1|P|2.6\rOBR|1');
    sender.enqueue('MSH|^~\\&|S|F|||1||ORU^R01|M2|P|2.6\rOBR|1');
    sender.enqueue('MSH|^~\\&|S|F|||1||ORU^R01|M3|P|2.6\rOBR|1');
    await waitFor('all settled', () => (sender.pending === 0 ? true : undefined), 10_000);
    expect(srv.received.map((t) => t.split('|')[9])).toEqual(['M1', 'M1', 'M1', 'M2', 'M3']);
    expect(sender.stats).toMatchObject({ sent: 5, retransmits: 2, timeouts: 1, acks: { AA: 2, AE: 1, AR: 1 }, dropped: 1 });
  });

  it('puts an alarm ahead of queued numerics', async () => {
    const srv = await scriptedServer([]);
    const sender = new MllpSender({ host: '127.0.0.1', port: srv.port });
    cleanup.push(() => sender.stop());
    for (let i = 1; i <= 3; i++) sender.enqueue(`MSH|^~\\&|S|F|||1||ORU^R01|N${i}|P|2.6`);
    sender.enqueue('MSH|^~\\&|S|F|||1||ORU^R40|AL1|P|2.6', true);
    await waitFor('all settled', () => (sender.pending === 0 ? true : undefined), 10_000);
    // Nothing was in flight yet (still connecting): the alarm goes first.
    expect(srv.received.map((t) => t.split('|')[9])).toEqual(['AL1', 'N1', 'N2', 'N3']);
  });
});

describe('hl7-monitor simulator → hl7-mllp device (real sockets)', () => {
  it('probe-off at speed 30: numerics each second, SpO2 valid:false while the probe is off, the technical alarm raised and cleared; a lost ACK re-sent and stored once', async () => {
    const dev = new Hl7MllpDevice({ id: 'hl7', port: 0, clock: systemClock, logger: pino({ level: 'silent' }) });
    const readings: Reading[] = [];
    dev.on('reading', (r) => readings.push(r));
    await dev.start(new AbortController().signal);
    cleanup.push(() => dev.stop());
    // A proxy that swallows the device's first ACK, so the simulator must re-send.
    let swallowed = false;
    const proxy = createServer((c) => {
      const up = connect({ host: '127.0.0.1', port: dev.port! });
      c.on('data', (b) => up.write(b));
      up.on('data', (b) => { if (!swallowed) { swallowed = true; return; } c.write(b); });
      const end = (): void => { c.destroy(); up.destroy(); };
      c.on('close', end); up.on('close', end); c.on('error', end); up.on('error', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => proxy.close(() => r())));
    const sim = new Hl7MonitorSimulator({ host: '127.0.0.1', port: (proxy.address() as AddressInfo).port, scenario: 'probe-off', seed: 5, speed: 30, tickMs: 200, ackTimeoutMs: 400 });
    sim.start();
    cleanup.push(() => sim.stop());
    const alarmsOf = (): telemed.v1.IAlarm[] => readings.filter((r) => 'alarm' in r.payload).map((r) => (r.payload as { alarm: telemed.v1.IAlarm }).alarm);
    await waitFor('probe alarm cleared', () => (alarmsOf().some((a) => a.code?.endsWith('MDC_EVT_SENSOR_DISCONN') && a.state === v1.AlarmState.ALARM_STATE_CLEARED) ? true : undefined), 20_000);
    const vit = readings.filter((r) => 'vitals' in r.payload).map((r) => (r.payload as { vitals: telemed.v1.IVitalsNumerics }).vitals);
    const spo2 = vit.map((v) => v.numerics!.find((n) => n.label === 'SPO2')!);
    expect(spo2.some((n) => n.valid === false)).toBe(true);
    expect(spo2.some((n) => n.valid === true && n.value! > 90)).toBe(true);
    expect(vit.every((v) => v.deviceId === sim.eui64)).toBe(true);
    expect(sim.stats.retransmits).toBeGreaterThanOrEqual(1);
    expect(dev.stats.receiver.duplicates).toBeGreaterThanOrEqual(1);
    // every tick stored exactly once, the re-sent one included
    const times = vit.map((v) => v.numerics![0]!.timeNs);
    expect(new Set(times).size).toBe(times.length);
  }, 40_000);
});
