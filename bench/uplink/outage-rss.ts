// Gateway peak RSS while the hub is unreachable and durable traffic piles up in the SQLite outbox
// (issue 3: 10 minutes at 5 Mbit/s, target <= 150 MB). Real time: the gateway in this process runs
// exactly as in production (startGateway, group commit, reconnect backoff against a closed port).
// Usage: node --import tsx bench/uplink/outage-rss.ts [--minutes 10] [--mbps 5] [--json FILE]
// (also `npm run bench:throughput -- --outage-rss [--minutes M]`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { TrafficClass } from '../../protocols/index.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { freePortNow } from './outage-port.js';
import { sleep } from './clock.js';

export interface OutageRssOptions {
  /** Length of the outage, minutes. */
  readonly minutes: number;
  /** Offered durable load, Mbit/s (payload bytes; frames add ~1 %). */
  readonly mbps: number;
}

/** Payload of one BULK chunk, bytes: a 16 KiB record chunk as the ECG cart sends them. */
const CHUNK_BYTES = 16_384;
const TICK_MS = 100;

export async function outageRss(o: OutageRssOptions): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(os.tmpdir(), 'telemed-outage-rss-'));
  const loadBefore = os.loadavg();
  const deadPort = await freePortNow(); // nothing listens here: every connect is refused
  const config = loadGatewayConfig({
    gatewayId: 'rss-gw', hub: { url: `ws://127.0.0.1:${deadPort}/uplink`, credential: 'unused' }, port: 0, dataDir: dir,
    outbox: { maxBytes: 1024 * 1024 * 1024 }, reconnect: { initialMs: 250, maxMs: 10_000, jitter: 0.5 },
  });
  const gw = await startGateway(config, { logger: pino({ level: 'error' }, pino.destination(2)) });
  const bytesPerTick = (o.mbps * 1e6 / 8) * (TICK_MS / 1000);
  const chunk = new Uint8Array(CHUNK_BYTES).fill(0x5a);
  let owed = 0;
  let offeredBytes = 0;
  let refused = 0;
  let peakRss = 0;
  let peakHeap = 0;
  const samples: { tS: number; rssMB: number; heapMB: number; outboxMB: number }[] = [];
  const t0 = performance.now();
  const endAt = t0 + o.minutes * 60_000;
  let nextSample = t0;
  let seqInRecord = 0;
  while (performance.now() < endAt) {
    owed += bytesPerTick;
    while (owed >= CHUNK_BYTES) {
      owed -= CHUNK_BYTES;
      offeredBytes += CHUNK_BYTES;
      gw.uplink.submit({
        streamId: 'cart-1/ecg-record', trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: Date.now() * 1e6,
        payload: { ecgChunk: { recordId: `r${Math.floor(seqInRecord / 12)}`, offset: (seqInRecord % 12) * CHUNK_BYTES, data: chunk } },
      }).catch(() => { refused += 1; });
      seqInRecord += 1;
    }
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    const now = performance.now();
    if (now >= nextSample) {
      nextSample += 10_000;
      const s = { tS: Math.round((now - t0) / 1000), rssMB: +(m.rss / 2 ** 20).toFixed(1), heapMB: +(m.heapUsed / 2 ** 20).toFixed(1), outboxMB: +(gw.uplink.outbox.bytes / 2 ** 20).toFixed(1) };
      samples.push(s);
      process.stderr.write(`[outage-rss] ${JSON.stringify(s)}\n`);
    }
    await sleep(TICK_MS);
  }
  const outboxBytes = gw.uplink.outbox.bytes;
  const linkState = gw.uplink.session.state;
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
  const peakRssMB = +(peakRss / 2 ** 20).toFixed(1);
  return {
    bench: 'outage-rss', minutes: o.minutes, offeredMbps: o.mbps, offeredMB: +(offeredBytes / 2 ** 20).toFixed(1),
    outboxMBAtEnd: +(outboxBytes / 2 ** 20).toFixed(1), refused, linkStateAtEnd: linkState,
    peakRssMB, peakHeapMB: +(peakHeap / 2 ** 20).toFixed(1), samples,
    target: { target: 'gateway peak RSS through the outage', limit: '<= 150 MB', value: peakRssMB, pass: peakRssMB <= 150 },
    machine: { cpus: os.cpus().length, loadavgBefore: loadBefore, loadavgAfter: os.loadavg(), node: process.version },
  };
}

const isMain = /outage-rss\.[jt]s$/.test(process.argv[1] ?? '');
if (isMain) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const out = await outageRss({ minutes: Number(arg('--minutes') ?? 10), mbps: Number(arg('--mbps') ?? 5) });
  const json = arg('--json');
  if (json !== undefined) writeFileSync(json, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}
