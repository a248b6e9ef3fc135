// Frames per second one hub process and one gateway process sustain (issue 3 item 6).
// hub: a raw WebSocket client blasts pre-encoded frames at a hub in its own process (receive →
// decode → dedup → store → ack for durable; receive → decode → fan-out for realtime), packed into
// Batch envelopes of up to 64 KiB as the gateway sends them at full rate (SESSION.md §2a), and
// again one frame per WebSocket message (the `...Single...` figures: an older gateway).
// gateway: a gateway in this process (encode → schedule → outbox → send) into a hub in a child.
// gateway sustained: frames offered at a steady rate (published every ~1 ms tick), stepped up until
// the gateway no longer keeps up (drops, backlog, p99 queue wait); the burst figures are kept.
// Usage: npm run bench:throughput -- [--json FILE] [--frames N] [--only STEP,...] [--rates R,...] [--step-s S] [--tls]
// --tls: hub and gateway over wss:// with mutual TLS (certificates made per run), the cost of TLS;
// the *ToSink steps stay plain (sink-hub.ts speaks ws:// only).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, TrafficClass, decodeEnvelope, encodeEnvelope, telemed, type DecodedEnvelope } from '../protocols/index.js';
import { batchElementSize, encodeBatch } from '../protocols/wire/batch.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { startGateway } from '../gateway/main.js';
import { benchPki } from './uplink/bench-pki.js';
import { ChildProc } from './uplink/child-proc.js';
import { sleep } from './uplink/clock.js';
import { DEFAULT_TRAFFIC, type RunName } from './uplink/scenario.js';
import { GATEWAY_ID, GATEWAY_SECRET } from './uplink/side.js';
import type { BuildFrameInput } from '../gateway/uplink/streams.js';
import type { DropReason } from '../protocols/transport/index.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const FRAMES = Number(arg('--frames') ?? 50_000);
const dir = mkdtempSync(join(os.tmpdir(), 'telemed-throughput-'));
const TLS = process.argv.includes('--tls');
const pkiDir = join(dir, 'pki');
/** --tls: the bench gateway's client side (its certificate, key and the pinned CA), for raw sockets and the gateway. */
async function gatewayTls(): Promise<{ files: { ca: string; cert: string; key: string }; pems: { ca: Buffer; cert: Buffer; key: Buffer } }> {
  const files = (await benchPki(pkiDir)).gateways.get(GATEWAY_ID);
  if (files === undefined) throw new Error('bench pki has no gateway certificate');
  return { files, pems: { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) } };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks; the command name may hold spaces, so split after ')'.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()?.trim().split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const ownCpuSeconds = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

/**
 * Per-step CPU-normalised rates: frames per CPU-second of the process under test. On a box shared
 * with other work the wall-clock rate says how much CPU we got; this says what one core sustains.
 */
const perCpu: Record<string, number> = {};

async function hubChild(name: string): Promise<{ child: ChildProc; port: number }> {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const child = new ChildProc({ role: 'hub', run: 'telemed', traffic: { ...DEFAULT_TRAFFIC, controlHz: 0.001 }, dir: d, connectPort: 0, ...(TLS ? { tlsDir: pkiDir } : {}) });
  return { child, port: (await child.wait('ready', 30_000)).port };
}

function vitalsFrame(seq: number, durable: boolean): Uint8Array {
  return encodeEnvelope({
    header: { gatewayId: GATEWAY_ID, streamId: durable ? 'vitals/tp' : 'arm/tp', seq, captureTimeNs: Date.now() * 1e6, trafficClass: durable ? TrafficClass.TRAFFIC_CLASS_VITALS : TrafficClass.TRAFFIC_CLASS_CONTROL, durable },
    vitals: { deviceId: 'tp', numerics: [{ code: 'MDC_ECG_HEART_RATE', label: 'HR', value: 72, unit: '/min', valid: true }] },
  });
}

/** The gateway's largest Batch: one chunk at full rate (chunkSizeFor's maximum). */
const BATCH_BYTES = 65_536;

/** Frames packed into Batch envelopes of at most BATCH_BYTES, in order, as the gateway's pump does. */
function batched(frames: readonly Uint8Array[]): Uint8Array[] {
  const outer = telemed.v1.Header.encode({ gatewayId: GATEWAY_ID }).finish();
  const out: Uint8Array[] = [];
  let group: Uint8Array[] = [];
  let bytes = 32; // outer header and batch tag, generously
  for (const f of frames) {
    if (group.length > 0 && bytes + batchElementSize(f.length) > BATCH_BYTES) {
      out.push(encodeBatch(outer, group));
      group = [];
      bytes = 32;
    }
    group.push(f);
    bytes += batchElementSize(f.length);
  }
  if (group.length > 0) out.push(encodeBatch(outer, group));
  return out;
}

/** Hub: frames/s from the first frame written to the last one acked (durable) or counted (realtime). */
async function hubRate(durable: boolean, batch: boolean): Promise<number> {
  const { child, port } = await hubChild(`${durable ? 'hub-durable' : 'hub-realtime'}${batch ? '-batch' : ''}`);
  const single = Array.from({ length: FRAMES }, (_, i) => vitalsFrame(i + 1, durable));
  const frames = batch ? batched(single) : single;
  const ws = new WebSocket(`${TLS ? 'wss' : 'ws'}://127.0.0.1:${port}/uplink`, 'telemed.v1', { perMessageDeflate: false, ...(TLS ? (await gatewayTls()).pems : {}) });
  const inbox: DecodedEnvelope[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (d: Buffer) => { inbox.push(decodeEnvelope(new Uint8Array(d))); wake?.(); });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const until = async (pred: (e: DecodedEnvelope) => boolean, ms: number): Promise<void> => {
    const end = Date.now() + ms;
    while (!inbox.some(pred)) {
      if (Date.now() > end) throw new Error('hub throughput: timed out');
      await new Promise<void>((r) => { wake = r; setTimeout(r, 50); });
    }
  };
  ws.send(encodeEnvelope({ header: { gatewayId: GATEWAY_ID }, hello: { protocolVersion: PROTOCOL_VERSION, gatewayId: GATEWAY_ID, credential: GATEWAY_SECRET, softwareVersion: 'bench', siteKind: 1, siteName: 'bench' } }));
  await until((e) => e.payload === 'helloAck', 10_000);
  const cpu0 = cpuSecondsOf(child.pid);
  const t0 = performance.now();
  for (const f of frames) {
    ws.send(f);
    while (ws.bufferedAmount > 1024 * 1024) await sleep(1);
  }
  let elapsed: number;
  let cpu1: number;
  if (durable) {
    await until((e) => e.payload === 'ack' && (e.ack?.streams ?? []).some((s) => Number(s.seq) >= FRAMES), 120_000);
    elapsed = performance.now() - t0;
    cpu1 = cpuSecondsOf(child.pid);
  } else {
    // Realtime frames are not acked: a Ping after them is answered only once all were processed.
    ws.send(encodeEnvelope({ header: { gatewayId: GATEWAY_ID }, ping: { id: 7, t1Ns: Date.now() * 1e6 } }));
    await until((e) => e.payload === 'pong' && e.pong?.id === 7, 120_000);
    elapsed = performance.now() - t0;
    cpu1 = cpuSecondsOf(child.pid);
    child.send({ type: 'collect' });
    const got = (await child.wait('report', 30_000)).report.recv.filter((r) => r.s === 'arm/tp').length;
    if (got !== FRAMES) throw new Error(`hub realtime: ${got} of ${FRAMES} frames reached fan-out`);
  }
  perCpu[`hub${durable ? 'Durable' : 'Realtime'}${batch ? '' : 'Single'}FramesPerCpuS`] = Math.round(FRAMES / (cpu1 - cpu0));
  ws.close();
  await child.close();
  return Math.round(FRAMES / (elapsed / 1000));
}

/** A near-free hub stand-in in a child process (bench/uplink/sink-hub.ts). */
async function sinkChild(): Promise<{ child: { close(): Promise<void> }; port: number }> {
  const proc = fork(fileURLToPath(new URL('./uplink/sink-hub.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [msg] = (await once(proc, 'message')) as [{ port: number }];
  return { port: msg.port, child: { close: async () => { proc.disconnect(); if (proc.exitCode === null) await once(proc, 'exit'); } } };
}

interface Gw {
  gw: Awaited<ReturnType<typeof startGateway>>;
  close(): Promise<void>;
}

/** A gateway in this process connected to a real hub (child) or to sink-hub.ts (`sink`), ready. */
async function openGateway(durable: boolean, mode: RunName, sink: boolean, maxQueued = 1_000_000): Promise<Gw> {
  const { child, port } = sink ? await sinkChild() : await hubChild(`gw-hub-${mode}-${durable}-${Date.now()}`);
  const d = join(dir, `gw-${mode}-${durable}-${Date.now()}`);
  const config = loadGatewayConfig({
    gatewayId: GATEWAY_ID, port: 0, dataDir: d,
    hub: TLS && !sink
      ? { url: `wss://127.0.0.1:${port}/uplink`, credential: GATEWAY_SECRET, tls: (await gatewayTls()).files }
      : { url: `ws://127.0.0.1:${port}/uplink`, credential: GATEWAY_SECRET },
    outbox: { maxBytes: 512 * 1024 * 1024 }, classes: { waveform: { maxQueuedFrames: maxQueued } },
    ...(mode === 'fifo' ? { uplink: { mode: 'fifo' } } : {}),
  });
  const gw = await startGateway(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
  while (gw.uplink.session.state !== 'ready') await sleep(20);
  return { gw, close: async () => { await gw.close(); await child.close(); } };
}

const frameInput = (durable: boolean, budgetMs?: number): BuildFrameInput => ({
  streamId: durable ? 'vitals/tp' : 'ecg/tp', trafficClass: durable ? TrafficClass.TRAFFIC_CLASS_VITALS : TrafficClass.TRAFFIC_CLASS_WAVEFORM, durable,
  captureTimeNs: Date.now() * 1e6, ...(budgetMs !== undefined ? { budgetMs } : {}),
  payload: { vitals: { deviceId: 'tp', numerics: [{ code: 'MDC_ECG_HEART_RATE', label: 'HR', value: 72, unit: '/min', valid: true }] } },
});

/**
 * Gateway, BURST: FRAMES published as fast as the bench loop can (1000 per event-loop turn, ~1M
 * frames/s offered) and frames/s from the first publish to the last frame written (realtime) or
 * acked (durable). The scheduled gateway then holds most of them queued behind its pacer, so this
 * measures draining a deep queue, not a rate the gateway sustains (see sustainedRate).
 * `sink`: into sink-hub.ts instead of a real hub, so the gateway's own cost sets the pace.
 */
async function gatewayRate(durable: boolean, mode: RunName, sink = false): Promise<number> {
  const g = await openGateway(durable, mode, sink);
  const gw = g.gw;
  // Realtime frames are WAVEFORM (a live ECG stream): CONTROL is latest-wins per stream, so a
  // burst on one CONTROL stream keeps only its newest frame and measures superseding, not sending.
  const cls = durable ? 'vitals' : 'waveform';
  const total = (): number => { const c = gw.uplink.classCounters()[cls]; return durable ? c.acked : c.sent; };
  const base = total();
  const cpu0 = ownCpuSeconds();
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i += 1000) {
    for (let j = i; j < Math.min(FRAMES, i + 1000); j++) {
      const input = frameInput(durable, 60_000);
      if (durable) void gw.uplink.submit(input).catch(() => undefined);
      else gw.uplink.publish(input);
    }
    await sleep(0); // let the pump and the socket run, as device callbacks would
  }
  // Bounded: a sender that stalls is reported by its rate, not waited for forever.
  const end = Date.now() + 30_000;
  while (total() - base < FRAMES && Date.now() < end) await sleep(5);
  const done = total() - base;
  const elapsed = performance.now() - t0;
  // The gateway runs in this process (frame generation included, a small share).
  perCpu[`gateway${mode === 'fifo' ? 'Fifo' : ''}${durable ? 'Durable' : 'Realtime'}${sink ? 'ToSink' : ''}FramesPerCpuS`] = Math.round(done / (ownCpuSeconds() - cpu0));
  const st = gw.uplink.scheduler.stats()[cls];
  process.stderr.write(`[bench:throughput] gateway ${mode} ${cls}: sent ${done}, dropped ${JSON.stringify(st.dropped)}, queued ${st.queued}, pacer ${gw.uplink.flow.pacer.state} ${Math.round(gw.uplink.flow.pacer.pacingRateBps / 1e6)} Mbit/s cwnd ${Math.round(gw.uplink.flow.pacer.cwndBytes)} B\n`);
  await g.close();
  return Math.round(done / (elapsed / 1000));
}

/** One offered rate held for STEP_S seconds. */
interface SteadyStep {
  offeredPerS: number;
  /** Frames published (realtime) or submitted (durable) during the measured part of the step. */
  offered: number;
  /** Frames written to the socket (realtime) or acked by the hub (durable) during it. */
  done: number;
  /** Frames waiting in the gateway (queued; durable: not yet acked) when the measured part began and at its end. */
  backlogAtStart: number;
  backlog: number;
  dropped: number;
  dropReasons: Record<string, number>;
  /** Time from build to release by the scheduler, ms (the frame's wait in the gateway's queue). */
  waitP50Ms: number;
  waitP99Ms: number;
  /** CPU of the gateway's process (frame generation included) per frame done, µs. */
  cpuUsPerFrame: number;
  /** What the pacer allows at the end of the step, Mbit/s, and the offered load in Mbit/s. */
  pacerMbps: number;
  /** The lowest pacing rate seen at the step's timer ticks, and the queue-delay cap at its end (1e6 = none). */
  pacerMinMbps: number;
  cruiseCapMbps: number;
  offeredMbps: number;
  /** The pacer's congestion window and min RTT at the step's end, its state. */
  cwndKB: number;
  minRttMs: number;
  pacerState: string;
  /** Times the pump stopped with frames queued because cwnd was full (waiting for an ack) or the pacing rate's tokens ran out. */
  cwndHolds: number;
  rateHolds: number;
  ok: boolean;
}

const STEP_S = Number(arg('--step-s') ?? 2);
/** Each rate is offered this long before its STEP_S measured seconds (the pacer ramps to it). */
const RAMP_S = 0.5;
/** Offered rates tried, frames/s, in order; the sweep stops at the first one not sustained. */
const STEADY_RATES = (arg('--rates') ?? '10000,20000,30000,40000,50000,60000,70000,80000,100000,120000,150000').split(',').map(Number);
/** A rate is sustained when no frame was dropped, the backlog at the step's end is at most this many ms of frames, and the p99 wait is at most WAIT_P99_MS. */
const BACKLOG_MS = 50;
const WAIT_P99_MS = 50;
/** Durable frames are done when acked: the group commit, the hub's store and the ack round trip add to the backlog. */
const DURABLE_BACKLOG_MS = 250;
/** Frames handed over per device callback (the pump runs between callbacks). */
const PER_CALLBACK = 32;

const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/**
 * Gateway, SUSTAINED: frames offered at a steady rate, as devices do: every timer tick (setTimeout
 * 1 ms, or longer when the loop is busy) the frames due by then are published. Each rate of
 * STEADY_RATES is offered RAMP_S s and then measured STEP_S s on one gateway (with the class's own budget, so a frame that
 * waits too long is dropped `late`), stepping up until one is not kept up with: frames dropped, a
 * backlog above BACKLOG_MS of frames at the step's end, or a p99 queue wait above WAIT_P99_MS
 * (twice: a failed step is tried once more).
 * Reports the highest rate kept up with and its CPU per frame.
 */
async function sustainedRate(durable: boolean, mode: RunName, sink: boolean, key: string): Promise<number> {
  // A deep queue (as for the burst): falling behind shows as backlog and wait, and as `late` drops
  // past the class budget; with the default 256-frame bound one 5 ms stall at 50k/s would drop.
  const g = await openGateway(durable, mode, sink);
  const gw = g.gw;
  const cls = durable ? 'vitals' : 'waveform';
  const sched = gw.uplink.scheduler;
  const waits: number[] = [];
  // Bench instrumentation: the queue wait of each released frame (deadline - budget = build time).
  const next = sched.next.bind(sched);
  sched.next = (nowMs, o) => {
    const f = next(nowMs, o);
    if (f !== undefined && f.className === cls) waits.push(nowMs - (f.deadlineMs - f.budgetMs));
    return f;
  };
  // Bench instrumentation: why the pump stopped with frames queued (the pacer's answer after hold).
  const flow = gw.uplink.flow;
  const hold = flow.hold.bind(flow);
  const rateSamples: number[] = [];
  let cwndHolds = 0;
  let rateHolds = 0;
  flow.hold = (nowMs) => {
    hold(nowMs);
    if (!flow.paced) return;
    const at = flow.pacer.nextSendMs(nowMs);
    if (at === undefined) cwndHolds += 1;
    else if (at > nowMs) rateHolds += 1;
  };
  const total = (): number => { const c = gw.uplink.classCounters()[cls]; return durable ? c.acked : c.sent; };
  const droppedNow = (): number => gw.uplink.classCounters()[cls].dropped;
  const bytesPerFrame = vitalsFrame(1, durable).length;
  const steps: SteadyStep[] = [];
  let best = 0;
  /** Offers `rate` for `seconds`; `mark` runs once, `markAfterS` in (the measured part starts). Frames published after the mark. */
  const offer = async (rate: number, seconds: number, markAfterS = 0, mark: () => void = () => undefined): Promise<number> => {
    const t0 = performance.now();
    let published = 0;
    let marked = -1;
    for (let el = 0; el < seconds * 1000; el = performance.now() - t0) {
      if (marked < 0 && el >= markAfterS * 1000) {
        mark();
        marked = published;
      }
      const due = Math.min(Math.floor((el * rate) / 1000), seconds * rate);
      for (; published < due; published++) {
        const input = frameInput(durable);
        if (durable) void gw.uplink.submit(input).catch(() => undefined);
        else gw.uplink.publish(input);
        // Devices hand frames over in their own callbacks, a few at a time: the pump (a microtask)
        // runs between them. A late tick's frames are not one synchronous burst.
        if (published % PER_CALLBACK === PER_CALLBACK - 1) await Promise.resolve();
      }
      if (flow.paced) rateSamples.push(flow.pacer.pacingRateBps);
      await sleep(1);
    }
    return published - Math.max(0, marked);
  };
  /** Frames of the class waiting in the gateway: queued (realtime) or not yet acked (durable). */
  const waiting = (): number => (durable ? gw.uplink.outbox.frames : sched.stats()[cls].queued);
  const settle = async (): Promise<void> => {
    // Until every frame offered so far is done or dropped (bounded).
    const end = Date.now() + 10_000;
    while (sched.queuedFrames > 0 && Date.now() < end) await sleep(5);
    if (durable) while (gw.uplink.outbox.frames > 0 && Date.now() < end) await sleep(5);
    await sleep(100);
  };
  // Warm-up (JIT, the pacer's first estimates): not counted.
  await offer(STEADY_RATES[0] ?? 10_000, 1);
  await settle();
  const attempt = async (rate: number): Promise<SteadyStep> => {
    let base = 0;
    let drop0 = 0;
    let reasons0 = { ...sched.stats()[cls].dropped };
    let cpu0 = 0;
    let waiting0 = 0;
    // The rate is offered for RAMP_S first (the pacer learns the new rate: not what "sustains"
    // asks), then measured for STEP_S without a gap.
    const published = await offer(rate, RAMP_S + STEP_S, RAMP_S, () => {
      waits.length = 0;
      cwndHolds = 0;
      rateHolds = 0;
      rateSamples.length = 0;
      base = total();
      drop0 = droppedNow();
      reasons0 = { ...sched.stats()[cls].dropped };
      cpu0 = ownCpuSeconds();
      waiting0 = waiting();
    });
    const cpu = ownCpuSeconds() - cpu0;
    const done = total() - base;
    const dropped = droppedNow() - drop0;
    const backlog = waiting();
    const reasons = sched.stats()[cls].dropped;
    const dropReasons = Object.fromEntries(Object.entries(reasons).map(([r, n]) => [r, n - reasons0[r as DropReason]]).filter(([, n]) => n !== 0));
    const pacer = gw.uplink.flow.pacer;
    const step: SteadyStep = {
      offeredPerS: rate, offered: published, done, backlogAtStart: waiting0, backlog, dropped, dropReasons,
      waitP50Ms: Math.round(quantile(waits, 0.5) * 10) / 10, waitP99Ms: Math.round(quantile(waits, 0.99) * 10) / 10,
      cpuUsPerFrame: Math.round((cpu / Math.max(1, done)) * 1e7) / 10,
      pacerMbps: mode === 'fifo' ? NaN : Math.round(pacer.pacingRateBps / 1e5) / 10,
      pacerMinMbps: mode === 'fifo' ? NaN : Math.round(Math.min(...rateSamples) / 1e5) / 10,
      cruiseCapMbps: mode === 'fifo' ? NaN : Math.round(Math.min(pacer.cruiseCapBps, 1e12) / 1e5) / 10,
      offeredMbps: Math.round(rate * bytesPerFrame * 8 / 1e5) / 10,
      cwndKB: mode === 'fifo' ? NaN : Math.round(pacer.cwndBytes / 100) / 10,
      minRttMs: mode === 'fifo' ? NaN : Math.round(pacer.estimator.minRttMs * 100) / 100,
      pacerState: pacer.state,
      cwndHolds, rateHolds,
      ok: false,
    };
    step.ok = dropped === 0 && backlog <= rate * (durable ? DURABLE_BACKLOG_MS : BACKLOG_MS) / 1000 && step.waitP99Ms <= WAIT_P99_MS;
    steps.push(step);
    process.stderr.write(`[bench:throughput] ${key} ${rate}/s: ${JSON.stringify(step)}\n`);
    // Drain before the next step, so each starts from an empty queue.
    await settle();
    return step;
  };
  for (const rate of STEADY_RATES) {
    // A step that fails is tried once more: on a shared 2-core box one stall of another process can
    // fail a step the gateway otherwise keeps up with. Both attempts are reported.
    if (!(await attempt(rate)).ok && !(await attempt(rate)).ok) break;
    best = rate;
  }
  steady[key] = steps;
  const at = steps.find((s) => s.ok && s.offeredPerS === best);
  if (at !== undefined) perCpu[`${key}AtSustainedFramesPerCpuS`] = Math.round(1e6 / at.cpuUsPerFrame);
  await g.close();
  return best;
}
const steady: Record<string, SteadyStep[]> = {};

async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  if (TLS) await benchPki(pkiDir);
  const result: Record<string, number | string> = {};
  // --only a,b: run just the named steps (e.g. gatewayRealtimeFramesPerS for a CPU profile).
  const only = arg('--only')?.split(',');
  const step = async (name: string, fn: () => Promise<number>): Promise<void> => {
    if (only !== undefined && !only.includes(name)) return;
    try { result[name] = await fn(); } catch (err) { result[name] = `failed: ${err instanceof Error ? err.message : String(err)}`; }
    process.stderr.write(`[bench:throughput] ${name}: ${result[name]}\n`);
  };
  await step('hubRealtimeFramesPerS', () => hubRate(false, true));
  await step('hubDurableFramesPerS', () => hubRate(true, true));
  await step('hubRealtimeSingleFramesPerS', () => hubRate(false, false));
  await step('hubDurableSingleFramesPerS', () => hubRate(true, false));
  await step('gatewayRealtimeFramesPerS', () => gatewayRate(false, 'telemed'));
  await step('gatewayRealtimeToSinkFramesPerS', () => gatewayRate(false, 'telemed', true));
  await step('gatewayDurableFramesPerS', () => gatewayRate(true, 'telemed'));
  await step('gatewayFifoRealtimeFramesPerS', () => gatewayRate(false, 'fifo'));
  await step('gatewayFifoToSinkFramesPerS', () => gatewayRate(false, 'fifo', true));
  await step('gatewaySustainedToSinkFramesPerS', () => sustainedRate(false, 'telemed', true, 'gatewaySustainedToSink'));
  await step('gatewaySustainedFramesPerS', () => sustainedRate(false, 'telemed', false, 'gatewaySustained'));
  await step('gatewaySustainedDurableFramesPerS', () => sustainedRate(true, 'telemed', false, 'gatewaySustainedDurable'));
  await step('gatewayFifoSustainedToSinkFramesPerS', () => sustainedRate(false, 'fifo', true, 'gatewayFifoSustainedToSink'));
  await step('gatewayFifoSustainedFramesPerS', () => sustainedRate(false, 'fifo', false, 'gatewayFifoSustained'));
  const num = (k: string): number => (typeof result[k] === 'number' ? result[k] : 0);
  const out = {
    bench: 'throughput', tls: TLS, frames: FRAMES, frameBytes: vitalsFrame(1, true).length, hubBatchBytes: BATCH_BYTES, result, perCpuSecond: perCpu,
    notes: {
      burst: 'gateway*FramesPerS without "Sustained": FRAMES published in ~50 ms (about 1M frames/s offered, budget 60 s so none is late), rate = FRAMES / time until the last is sent or acked; the scheduled gateway holds the burst queued behind its pacer: a drain figure, not a sustained rate',
      sustained: `gateway*Sustained*: highest offered rate (stepped through ${STEADY_RATES.join(', ')} frames/s, each offered ${RAMP_S} s then measured ${STEP_S} s, a failed step tried once more, published every ~1 ms timer tick in device callbacks of 32 frames, the class default budget (late frames drop) and a deep queue) with no drop, backlog at the step's end <= ${BACKLOG_MS} ms of frames (durable: ${DURABLE_BACKLOG_MS} ms, done = acked) (frames waiting at the end of the measured part) and p99 queue wait <= ${WAIT_P99_MS} ms; perCpuSecond.*AtSustained: 1 / the gateway process's CPU per frame at that rate (frame generation included). 0 = not even the first rate`,
    },
    steady,
    targets: [
      { target: 'gateway sustained frames/s (realtime, paced, into the real hub)', limit: '>= 50000', value: result.gatewaySustainedFramesPerS, pass: num('gatewaySustainedFramesPerS') >= 50_000 },
      { target: 'gateway sustained frames/s (realtime, paced, into a sink: the gateway alone)', limit: '>= 50000', value: result.gatewaySustainedToSinkFramesPerS, pass: num('gatewaySustainedToSinkFramesPerS') >= 50_000 },
      { target: 'gateway sustained durable frames/s (acked by the real hub)', limit: '>= 50000', value: result.gatewaySustainedDurableFramesPerS, pass: num('gatewaySustainedDurableFramesPerS') >= 50_000 },
      { target: 'gateway burst frames/s (realtime, into the real hub)', limit: '>= 50000', value: result.gatewayRealtimeFramesPerS, pass: num('gatewayRealtimeFramesPerS') >= 50_000 },
      { target: 'gateway burst frames/s (realtime, into a sink: the gateway alone)', limit: '>= 50000', value: result.gatewayRealtimeToSinkFramesPerS, pass: num('gatewayRealtimeToSinkFramesPerS') >= 50_000 },
      { target: 'hub realtime frames/s (Batches, as the gateway sends)', limit: '>= 100000', value: result.hubRealtimeFramesPerS, pass: num('hubRealtimeFramesPerS') >= 100_000 },
      { target: 'hub durable frames/s (Batches, as the gateway sends)', limit: '>= 20000', value: result.hubDurableFramesPerS, pass: num('hubDurableFramesPerS') >= 20_000 },
      { target: 'hub realtime frames/s (one frame per message, an older gateway)', limit: '>= 100000', value: result.hubRealtimeSingleFramesPerS, pass: num('hubRealtimeSingleFramesPerS') >= 100_000 },
      { target: 'hub durable frames/s (one frame per message, an older gateway)', limit: '>= 20000', value: result.hubDurableSingleFramesPerS, pass: num('hubDurableSingleFramesPerS') >= 20_000 },
    ],
    notDone: 'gateway peak RSS through a 10 min outage at 5 Mbit/s durable: not measured here',
    machine: { cpus: os.cpus().length, loadavgBefore: loadBefore, loadavgAfter: os.loadavg(), node: process.version },
  };
  const json = arg('--json');
  if (json) writeFileSync(json, JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out, null, 2));
}

main().catch((err: unknown) => { console.error(err); process.exitCode = 1; }).finally(() => rmSync(dir, { recursive: true, force: true }));
