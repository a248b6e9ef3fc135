import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { classFromName, decodeEnvelope, encodeEnvelope } from '../../protocols/index.js';
import { wallMs } from './clock.js';
import { Ledger, type ChildSpec } from './ipc.js';
import { GATEWAY_ID, type Side } from './side.js';
import { startDownlinkTraffic, startUplinkTraffic, type BenchFrame } from './traffic.js';

/** Topics: durable classes under d/ (bridged at QoS 1), realtime under r/ (QoS 0). */
export const UP_DURABLE = 'telemed/up/d';
export const UP_REALTIME = 'telemed/up/r';
export const DOWN = 'telemed/down';

async function connect(port: number, clientId: string, subscribe: string, ledger: Ledger): Promise<MqttClient> {
  const client = mqtt.connect({ host: '127.0.0.1', port, clientId, clean: true, protocolVersion: 4, reconnectPeriod: 500, keepalive: 60 });
  client.on('connect', () => (client.stream as Socket).setNoDelay?.(true));
  client.on('error', (err) => process.stderr.write(`mqtt ${clientId}: ${err.message}\n`));
  client.on('message', (_topic, payload) => {
    const env = decodeEnvelope(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    ledger.received(env.header.streamId, Number(env.header.seq), Number(env.header.captureTimeNs), wallMs());
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    setTimeout(() => reject(new Error(`mqtt ${clientId}: no CONNACK from 127.0.0.1:${port} in 10 s`)), 10_000).unref();
  });
  await client.subscribeAsync(subscribe, { qos: 1 });
  return client;
}

/** Numbers frames per stream and publishes them as the same protobuf envelopes telemed sends. */
function publisher(client: MqttClient, ledger: Ledger, topicOf: (f: BenchFrame) => string): (f: BenchFrame) => void {
  const seqs = new Map<string, number>();
  return (f) => {
    const seq = (seqs.get(f.streamId) ?? 0) + 1;
    seqs.set(f.streamId, seq);
    const bytes = encodeEnvelope({ header: { gatewayId: GATEWAY_ID, streamId: f.streamId, seq, captureTimeNs: f.captureMs * 1e6, trafficClass: classFromName(f.cls), durable: f.durable }, ...f.payload }, 1024 * 1024);
    ledger.offered(f.cls, f.streamId, seq, f.captureMs, bytes.length);
    client.publish(topicOf(f), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { qos: f.durable ? 1 : 0 });
  };
}

function side(client: MqttClient, ledger: Ledger, begin: (signal: AbortSignal) => void): Side {
  let stopper = new AbortController();
  return {
    port: 0,
    start: () => { stopper = new AbortController(); begin(stopper.signal); },
    stop: () => stopper.abort(),
    report: () => ledger.report(null),
    close: async () => { stopper.abort(); await client.endAsync(true); },
  };
}

/** Devices publishing to the edge Mosquitto; downlink commands subscribed there. */
export async function mqttEdge(spec: ChildSpec): Promise<Side> {
  const ledger = new Ledger();
  const client = await connect(spec.connectPort, 'bench-edge', `${DOWN}/#`, ledger);
  const pub = publisher(client, ledger, (f) => `${f.durable ? UP_DURABLE : UP_REALTIME}/${f.cls}`);
  return side(client, ledger, (signal) => startUplinkTraffic(spec.traffic, pub, signal));
}

/** The hospital's consumer on the hospital Mosquitto; arm commands published there. */
export async function mqttHub(spec: ChildSpec): Promise<Side> {
  const ledger = new Ledger();
  const client = await connect(spec.connectPort, 'bench-hub', 'telemed/up/#', ledger);
  const pub = publisher(client, ledger, (f) => `${DOWN}/${f.cls}`);
  return side(client, ledger, (signal) => startDownlinkTraffic(spec.traffic, pub, signal));
}
