// Test double of the hub's /uplink endpoint (protocols/SESSION.md), for the gateway's own tests.
// It speaks the real protocol with the real codec; the real hub lives in hospital/.
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { decodeEnvelope, encodeEnvelope, type DecodedEnvelope, type EnvelopeInit } from '../../protocols/index.js';

export interface FakeHubOptions {
  /** Credential accepted; anything else is refused with TM_ERR_AUTH_FAILED + 4401. */
  credential: string;
  /** Ack durable frames as they arrive (default true). */
  autoAck?: boolean;
  /** Reply to pings (default true). */
  answerPings?: boolean;
  /** Never answer Hello (to test the gateway's hello timeout). */
  ignoreHello?: boolean;
  /** Largest Batch announced in HelloAck (SESSION.md §2a); absent: none, like an older hub. */
  maxBatchBytes?: number;
}

export class FakeHub {
  /** Stored high-water mark per durable stream (what HelloAck reports). */
  readonly stored = new Map<string, number>();
  /** Every frame received, in order, across connections. */
  readonly received: DecodedEnvelope[] = [];
  readonly sockets = new Set<WebSocket>();
  /** Every WebSocket message received: its size and how many frames it carried (a Batch: more than one). */
  readonly messages: { bytes: number; frames: number }[] = [];
  hellos = 0;
  /** HelloAck.downlink_epoch sent on the next Hello ('' like an older hub); change it to model a hub with a new database. */
  downlinkEpoch = '';
  private waiters: { pred: (e: DecodedEnvelope) => boolean; resolve: (e: DecodedEnvelope) => void }[] = [];

  private constructor(private readonly wss: WebSocketServer, private readonly opts: FakeHubOptions) {
    wss.on('connection', (ws) => this.onConnection(ws));
  }

  static async start(opts: FakeHubOptions): Promise<FakeHub> {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      path: '/uplink',
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has('telemed.v1') ? 'telemed.v1' : false),
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new FakeHub(wss, opts);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/uplink`;
  }

  /** Resolves with the first frame (already received or future) matching `pred`. */
  waitFor(pred: (e: DecodedEnvelope) => boolean): Promise<DecodedEnvelope> {
    const seen = this.received.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** Data frames (not session frames) of a stream, in arrival order. */
  dataFrames(streamId: string): DecodedEnvelope[] {
    return this.received.filter((e) => e.header.streamId === streamId && e.payload !== 'ping' && e.payload !== 'pong');
  }

  send(env: EnvelopeInit): void {
    for (const ws of this.sockets) ws.send(encodeEnvelope(env));
  }

  /** Cuts every connection abruptly, as a dying cell would. */
  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data: Buffer) => {
      const env = decodeEnvelope(new Uint8Array(data));
      // A Batch is unpacked like the real hub does; a nested one is not (it would fail the test's frame checks).
      const frames = env.payload === 'batch' ? (env.batch?.frames ?? []).map((f) => decodeEnvelope(f)) : [env];
      this.messages.push({ bytes: data.length, frames: frames.length });
      for (const e of frames) this.onFrame(ws, e);
    });
  }

  private onFrame(ws: WebSocket, env: DecodedEnvelope): void {
    this.received.push(env);
    this.handle(ws, env);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(env)) return true;
      w.resolve(env);
      return false;
    });
  }

  private handle(ws: WebSocket, env: DecodedEnvelope): void {
    const reply = (e: EnvelopeInit): void => ws.send(encodeEnvelope({ header: { gatewayId: 'hub' }, ...e }));
    switch (env.payload) {
      case 'hello':
        this.hellos += 1;
        if (this.opts.ignoreHello === true) return;
        if (env.hello?.credential !== this.opts.credential) {
          reply({ helloAck: { accepted: false, reasonCode: 'TM_ERR_AUTH_FAILED', reason: 'bad credential' } });
          ws.close(4401, 'auth');
          return;
        }
        reply({
          helloAck: {
            accepted: true, sessionId: `s${this.hellos}`, hubTimeNs: Date.now() * 1e6, protocolVersion: 1,
            streams: [...this.stored].map(([streamId, seq]) => ({ streamId, seq })),
            ...(this.opts.maxBatchBytes !== undefined ? { maxBatchBytes: this.opts.maxBatchBytes } : {}),
            downlinkEpoch: this.downlinkEpoch,
          },
        });
        return;
      case 'ping':
        if (this.opts.answerPings !== false) {
          const t = Date.now() * 1e6;
          reply({ pong: { id: env.ping?.id ?? 0, t1Ns: env.ping?.t1Ns ?? 0, t2Ns: t, t3Ns: t } });
        }
        return;
      default:
        if (env.header.durable) {
          const high = this.stored.get(env.header.streamId) ?? 0;
          if (env.header.seq === high + 1) this.stored.set(env.header.streamId, env.header.seq);
          if (this.opts.autoAck !== false) {
            reply({ ack: { streams: [{ streamId: env.header.streamId, seq: this.stored.get(env.header.streamId) ?? 0 }] } });
          }
        }
    }
  }
}
