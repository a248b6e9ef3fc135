// A hub stand-in that costs almost nothing per frame, so bench:throughput can measure what the
// gateway itself sustains (encode → schedule → send) without the real hub's decode and fan-out
// setting the pace. It answers Hello, then only counts bytes and sends the delivery feedback the
// gateway's pacer runs on (an Ack with bytes_received and receive time every 5 ms). It takes Batch
// envelopes (SESSION.md §2a) like the real hub and counts their inner frames; frames themselves
// are not decoded: realtime frames need no ack. Run as a forked child; sends {port} on IPC.
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { PROTOCOL_VERSION, decodeEnvelope, encodeEnvelope } from '../../protocols/index.js';

const ACK_EVERY_MS = 5;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/uplink', perMessageDeflate: false, handleProtocols: () => 'telemed.v1' });
wss.on('connection', (ws) => {
  let hello = false;
  let bytes = 0;
  let frames = 0;
  let lastRxNs = 0;
  const timer = setInterval(() => {
    if (!hello) return;
    ws.send(encodeEnvelope({ header: { gatewayId: 'sink', sendTimeNs: Date.now() * 1e6 }, ack: { streams: [], bytesReceived: bytes, receiveTimeNs: lastRxNs } }));
  }, ACK_EVERY_MS);
  ws.on('message', (data: Buffer) => {
    bytes += data.length;
    lastRxNs = Date.now() * 1e6;
    const env = decodeEnvelope(new Uint8Array(data));
    frames += env.payload === 'batch' ? (env.batch?.frames?.length ?? 0) : 1;
    if (hello || env.payload !== 'hello') return;
    hello = true;
    ws.send(encodeEnvelope({ header: { gatewayId: 'sink' }, helloAck: { accepted: true, sessionId: 'sink', hubTimeNs: Date.now() * 1e6, protocolVersion: PROTOCOL_VERSION, maxBatchBytes: 1024 * 1024 } }));
  });
  ws.on('close', () => {
    clearInterval(timer);
    process.send?.({ type: 'closed', frames, bytes });
  });
});
wss.on('listening', () => process.send?.({ type: 'ready', port: (wss.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
