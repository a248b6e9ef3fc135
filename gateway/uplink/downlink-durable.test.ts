import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { systemClock, TrafficClass, type DecodedEnvelope } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { FakeHub } from './fake-hub.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { Uplink } from './uplink.js';

const SECRET = 'downlink-secret';
let hub: FakeHub | undefined;
let uplink: Uplink | undefined;
let outbox: SqliteOutbox | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await uplink?.close();
  outbox?.close();
  await hub?.close();
  uplink = hub = outbox = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const diag = (seq: number) => ({
  header: { gatewayId: 'hub', streamId: 'ecg-diagnosis', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true },
  diagnosis: { recordId: 'r1', text: `reading ${seq}` },
});

describe('durable downlink at the gateway', () => {
  it('delivers each hub seq once, even when the hub resends after the gateway restarted', async () => {
    hub = await FakeHub.start({ credential: SECRET });
    const dir = mkdtempSync(join(tmpdir(), 'telemed-gw-downlink-'));
    dirs.push(dir);
    const config = loadGatewayConfig({ gatewayId: 'clinic-1', hub: { url: hub.url, credential: SECRET }, reconnect: { initialMs: 10, maxMs: 40, jitter: 0 } });
    const delivered: DecodedEnvelope[] = [];
    const start = (): Uplink => {
      outbox = new SqliteOutbox({ dataDir: dir, maxBytes: 1 << 20 });
      const u = new Uplink(config, { clock: systemClock, logger: pino({ level: 'silent' }), outbox, hooks: { downlink: (env) => delivered.push(env) } });
      u.start();
      return u;
    };
    const acksOf = (): number[] => hub?.received.filter((e) => e.payload === 'ack' && (e.ack?.streams?.length ?? 0) > 0)
      .map((e) => Number(e.ack?.streams?.[0]?.seq)) ?? [];

    uplink = start();
    await vi.waitFor(() => expect(uplink?.session.state).toBe('ready'), { timeout: 3000, interval: 5 });
    hub.send(diag(1));
    hub.send(diag(1)); // a resend on the same connection
    await vi.waitFor(() => expect(acksOf()).toEqual([1, 1]), { timeout: 3000, interval: 5 });
    expect(delivered.map((e) => e.header.seq)).toEqual([1]);

    await uplink.close();
    outbox?.close();
    uplink = start(); // a new process on the same outbox.db
    await vi.waitFor(() => expect(hub?.sockets.size).toBe(1), { timeout: 3000, interval: 5 });
    await vi.waitFor(() => expect(uplink?.session.state).toBe('ready'), { timeout: 3000, interval: 5 });
    hub.send(diag(1)); // the hub never saw our ack: it resends after our restart
    hub.send(diag(2));
    await vi.waitFor(() => expect(acksOf()).toEqual([1, 1, 1, 2]), { timeout: 3000, interval: 5 });
    expect(delivered.map((e) => [e.header.seq, e.diagnosis?.text])).toEqual([[1, 'reading 1'], [2, 'reading 2']]);
    expect(outbox?.downlinkHigh('ecg-diagnosis')).toBe(2);
  });

  it('forgets its downlink marks when the hub comes back with a new epoch, keeps them on the same or an empty one', async () => {
    hub = await FakeHub.start({ credential: SECRET });
    const dir = mkdtempSync(join(tmpdir(), 'telemed-gw-epoch-'));
    dirs.push(dir);
    const config = loadGatewayConfig({ gatewayId: 'clinic-1', hub: { url: hub.url, credential: SECRET }, reconnect: { initialMs: 10, maxMs: 40, jitter: 0 } });
    const delivered: string[] = [];
    outbox = new SqliteOutbox({ dataDir: dir, maxBytes: 1 << 20 });
    uplink = new Uplink(config, { clock: systemClock, logger: pino({ level: 'silent' }), outbox, hooks: { downlink: (env) => delivered.push(env.diagnosis?.text ?? '') } });
    uplink.start();
    const h = hub;
    const u = uplink;
    const reconnect = async (): Promise<void> => {
      const hellos = h.hellos;
      for (const ws of h.sockets) ws.terminate();
      await vi.waitFor(() => { expect(h.hellos).toBeGreaterThan(hellos); expect(u.session.state).toBe('ready'); }, { timeout: 3000, interval: 5 });
    };
    const sendAndWait = async (seq: number, acked: number): Promise<void> => {
      const n = h.received.length;
      h.send(diag(seq));
      await vi.waitFor(() => expect(h.received.slice(n).some((e) => e.payload === 'ack' && Number(e.ack?.streams?.[0]?.seq) === acked)).toBe(true), { timeout: 3000, interval: 5 });
    };

    h.downlinkEpoch = 'epoch-a';
    await reconnect(); // first epoch seen: stored, marks untouched
    await sendAndWait(1, 1);
    await sendAndWait(2, 2);
    expect([outbox.downlinkEpoch(), outbox.downlinkHigh('ecg-diagnosis'), u.session.downlinkEpochChanges]).toEqual(['epoch-a', 2, 0]);

    await reconnect(); // same epoch: a resend of 2 is still a duplicate
    await sendAndWait(2, 2);
    expect(delivered).toEqual(['reading 1', 'reading 2']);

    h.downlinkEpoch = '';
    await reconnect(); // an older hub: nothing changes
    await sendAndWait(1, 2);
    expect([outbox.downlinkEpoch(), outbox.downlinkHigh('ecg-diagnosis'), delivered.length]).toEqual(['epoch-a', 2, 2]);

    h.downlinkEpoch = 'epoch-b';
    await reconnect(); // the hub lost its database: numbering restarted at 1
    await sendAndWait(1, 1);
    expect(delivered).toEqual(['reading 1', 'reading 2', 'reading 1']);
    expect([outbox.downlinkEpoch(), outbox.downlinkHigh('ecg-diagnosis'), u.session.downlinkEpochChanges]).toEqual(['epoch-b', 1, 1]);
  });
});
