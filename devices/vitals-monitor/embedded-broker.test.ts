import net from 'node:net';
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../protocols/index.js';
import type { Reading } from '../device.js';
import { acquireEmbeddedBroker, GATEWAY_USER } from './embedded-broker.js';
import { VitalsMqttDevice } from './mqtt-device.js';

// The embedded broker from the attacker's side: a client on the ambulance network (or a
// compromised monitor) must not read another monitor's vitals, spoof them, or pass as the gateway.

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PASS_A = 'monitor-a-secret-1';
const PASS_B = 'monitor-b-secret-2';

async function gatewayWithTwoMonitors(): Promise<{ url: string; a: VitalsMqttDevice; b: VitalsMqttDevice; readingsB: Reading[] }> {
  const mk = (id: string, monitorPassword: string) => new VitalsMqttDevice({
    id, monitorId: id, url: null, brokerHost: '127.0.0.1', brokerPort: 0, monitorPassword, clock: systemClock, logger: log, silenceMs: 60_000,
  });
  const a = mk('mon-a', PASS_A);
  const b = mk('mon-b', PASS_B);
  const readingsB: Reading[] = [];
  b.on('reading', (r) => readingsB.push(r));
  const ac = new AbortController();
  await a.start(ac.signal);
  await b.start(ac.signal);
  cleanups.push(() => a.stop(), () => b.stop());
  expect(b.embeddedPort).toBe(a.embeddedPort); // one broker, shared
  const until = Date.now() + 5000;
  while (a.sessionState === 'connecting' || b.sessionState === 'connecting') {
    if (Date.now() > until) throw new Error('driver did not subscribe');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: `mqtt://127.0.0.1:${a.embeddedPort}`, a, b, readingsB };
}

/** Connects without retrying; resolves with the CONNACK error, or the client. */
async function tryConnect(url: string, opts: { username?: string; password?: string; clientId: string; will?: { topic: string; payload: Buffer; qos: 1; retain: boolean } }): Promise<MqttClient | Error> {
  const c = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...opts });
  return await new Promise((resolve) => {
    c.once('connect', () => { cleanups.push(() => c.endAsync(true)); resolve(c); });
    c.once('error', (err) => { c.end(true); resolve(err); });
  });
}

const numerics = JSON.stringify({ v: 1, boot: 1, seq: 1, t: Date.now(), numerics: [{ code: 150456, value: 70, unit: '%' }] });

describe('embedded broker access control', () => {
  it('refuses anonymous clients, wrong passwords and a guessed gateway identity when monitors have passwords', async () => {
    const { url } = await gatewayWithTwoMonitors();
    const refused = [
      await tryConnect(url, { clientId: 'anon' }),
      await tryConnect(url, { clientId: 'x1', username: 'mon-a', password: PASS_B }),
      await tryConnect(url, { clientId: 'x2', username: 'mon-c', password: PASS_A }),
      await tryConnect(url, { clientId: 'x3', username: GATEWAY_USER, password: 'guess' }),
    ];
    for (const r of refused) {
      expect(r).toBeInstanceOf(Error);
      expect((r as Error & { code?: number }).code).toBe(4); // CONNACK 4: bad user name or password
    }
    expect(await tryConnect(url, { clientId: 'ok', username: 'mon-a', password: PASS_A })).not.toBeInstanceOf(Error);
  });

  it('a monitor can neither spoof another monitor nor read its vitals', async () => {
    const { url, b, readingsB } = await gatewayWithTwoMonitors();
    const monB = await connectAsync(url, { protocolVersion: 4, clientId: 'real-b', username: 'mon-b', password: PASS_B });
    cleanups.push(() => monB.endAsync());
    const evil = await tryConnect(url, { clientId: 'evil-a', username: 'mon-a', password: PASS_A });
    if (evil instanceof Error) throw evil;
    // Reading: the subscription is refused (SUBACK 0x80) and nothing of B's arrives.
    await expect(evil.subscribeAsync('telemed/v1/monitors/#', { qos: 1 })).rejects.toMatchObject({ packet: { granted: [128] } });
    const stolen: string[] = [];
    evil.on('message', (topic) => stolen.push(topic));
    // Spoofing: a QoS 0 publish on B's tree is dropped by the broker.
    evil.publish('telemed/v1/monitors/mon-b/numerics', numerics, { qos: 0 });
    await monB.publishAsync('telemed/v1/monitors/mon-b/numerics', JSON.stringify({ v: 1, boot: 1, seq: 2, t: Date.now(), numerics: [{ code: 150456, value: 97, unit: '%' }] }), { qos: 1 });
    const until = Date.now() + 3000;
    while (readingsB.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    const values = readingsB.flatMap((r) => ('vitals' in r.payload ? r.payload.vitals.numerics ?? [] : []).map((n) => n.value));
    expect(values).toEqual([97]);
    expect(stolen).toEqual([]);
    expect(b.state).toBe('running');
  });

  it('a monitor\'s last will on another monitor\'s status topic is not published', async () => {
    const { url, b } = await gatewayWithTwoMonitors();
    const monB = await connectAsync(url, { protocolVersion: 4, clientId: 'real-b2', username: 'mon-b', password: PASS_B });
    cleanups.push(() => monB.endAsync());
    await monB.publishAsync('telemed/v1/monitors/mon-b/numerics', numerics, { qos: 1 });
    const until = Date.now() + 3000;
    while (b.state !== 'running' && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(b.state).toBe('running');
    const evil = await tryConnect(url, {
      clientId: 'evil-will', username: 'mon-a', password: PASS_A,
      will: { topic: 'telemed/v1/monitors/mon-b/status', payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline', reason: 'lwt' })), qos: 1, retain: true },
    });
    if (evil instanceof Error) throw evil;
    evil.stream.destroy(); // dies without DISCONNECT: the broker would publish the will
    await new Promise((r) => setTimeout(r, 500));
    expect(b.state).toBe('running');
  });

  it('closes a connection announcing an oversized packet before buffering it; the monitors are still served', async () => {
    const { url, b, readingsB } = await gatewayWithTwoMonitors();
    const port = Number(new URL(url).port);
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => undefined); // the broker resets us: expected
    const closed = new Promise((resolve) => sock.on('close', resolve));
    await new Promise((resolve) => sock.on('connect', resolve));
    // A CONNECT whose remaining length (0x80 0x88 0xAF 0x5F) announces 200 MB, then its first 64 KiB.
    sock.write(Buffer.from([0x10, 0x80, 0x88, 0xaf, 0x5f]));
    sock.write(Buffer.alloc(64 * 1024, 0x41));
    await closed;
    const monB = await connectAsync(url, { protocolVersion: 4, clientId: 'real-b3', username: 'mon-b', password: PASS_B });
    cleanups.push(() => monB.endAsync());
    await monB.publishAsync('telemed/v1/monitors/mon-b/numerics', numerics, { qos: 1 });
    const until = Date.now() + 3000;
    while (readingsB.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(readingsB.length).toBe(1);
    expect(b.state).toBe('running');
  });

  it('listens on loopback only and closes when the last lease is released', async () => {
    const lease = await acquireEmbeddedBroker('127.0.0.1', 0, log);
    const other = await acquireEmbeddedBroker('127.0.0.1', 0, log);
    expect(other.port).toBe(lease.port);
    await lease.release();
    const stillUp = await tryConnect(`mqtt://127.0.0.1:${other.port}`, { clientId: 'probe', username: GATEWAY_USER, password: other.gatewayPassword });
    expect(stillUp).not.toBeInstanceOf(Error);
    if (!(stillUp instanceof Error)) await stillUp.endAsync(true);
    await other.release();
    const down = await tryConnect(`mqtt://127.0.0.1:${other.port}`, { clientId: 'probe2' });
    expect(down).toBeInstanceOf(Error);
  });
});
