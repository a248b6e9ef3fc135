// bench:vitals edge side: N ambulances in ONE process, each the gateway's real uplink (Uplink:
// sequencer, memory outbox with group commit, class scheduler, pacer, session) dialling the hub
// through its own link emulator instance (the ports come from bench/vitals.ts). Each ambulance
// offers what the vitals pipeline sends for one monitor (gateway/vitals/pipeline.ts):
//   <device>/vitals   6 numerics at 1 Hz        VITALS durable
//   <device>/ecg-ii   ECG II 500 Hz, 20 samples per 40 ms chunk   WAVEFORM realtime
//   <device>/pleth    pleth 125 Hz, 5 samples per 40 ms chunk     WAVEFORM realtime
//   <device>/alarms   one alarm every alarmEveryMs               ALARM durable
// Baseline (`peer: mosquitto`): the same readings as MQTT messages to each ambulance's edge broker.
// The recorded BULK copy (<device>/rec/<stream>) is not offered (README "Not yet").
// Every ambulance's 40 ms monitor tick has its own phase, so the fleet's frames are spread out.
import { pino } from 'pino';
import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import { encodeEnvelope, systemClock, TrafficClass, telemed } from '../../protocols/index.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { Uplink } from '../../gateway/uplink/uplink.js';
import type { BuildFrameInput, OutFrame } from '../../gateway/uplink/streams.js';
import { UP_DURABLE, UP_REALTIME } from '../uplink/mqtt-sides.js';
import { sleep, wallMs } from '../uplink/clock.js';
import { AMBULANCE_SECRET, type ClassOffer, type FleetReport, type FleetSpec, type ToFleet } from './ipc.js';

const logger = pino({ level: 'warn' }, pino.destination(2));
const TICK_MS = 40;
const ECG_PER_TICK = 20;
const PLETH_PER_TICK = 5;
const DEVICE = 'monitor-1';

const NUMERICS: readonly { code: string; label: string; unit: string; base: number }[] = [
  { code: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min', base: 88 },
  { code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', unit: '%', base: 96 },
  { code: 'MDC_PRESS_BLD_NONINV_SYS', label: 'NIBP sys', unit: 'mm[Hg]', base: 124 },
  { code: 'MDC_PRESS_BLD_NONINV_DIA', label: 'NIBP dia', unit: 'mm[Hg]', base: 78 },
  { code: 'MDC_RESP_RATE', label: 'RR', unit: '/min', base: 16 },
  { code: 'MDC_TEMP_BODY', label: 'Temp', unit: 'Cel', base: 36.9 },
];

/** How one ambulance's readings leave it: the gateway's Uplink, or an MQTT client on its edge Mosquitto. */
interface Sender {
  offer(c: string, input: BuildFrameInput, refused: () => void): void;
  ready(): boolean;
  close(): Promise<void>;
}

interface Ambulance {
  readonly id: string;
  readonly sender: Sender;
  ticks: number;
  /** Offsets this ambulance's alarms in the alarm period, so the fleet's alarms are spread over it. */
  readonly alarmPhase: number;
  ecgIndex: number;
  plethIndex: number;
}

function uplinkSender(id: string, linkPort: number, dropped: (f: OutFrame, reason: string) => void): Sender {
  const config = loadGatewayConfig({
    gatewayId: id, siteKind: 'ambulance', siteName: id, host: '127.0.0.1', port: 0,
    hub: { url: `ws://127.0.0.1:${linkPort}/uplink`, credential: AMBULANCE_SECRET },
    outbox: { kind: 'memory', maxBytes: 64 * 1024 * 1024 },
  });
  const uplink = new Uplink(config, { clock: systemClock, logger, hooks: { dropped } });
  uplink.start();
  return {
    offer: (_c, input, refused) => {
      if (!input.durable) { uplink.publish(input); return; }
      uplink.submit(input).catch(refused);
    },
    ready: () => uplink.session.state === 'ready',
    close: () => uplink.close(),
  };
}

/**
 * The baseline's ambulance: the same envelopes (gateway id, per-stream seq, capture time) published
 * to its edge Mosquitto, durable classes QoS 1 under telemed/up/d/<class>, waveforms QoS 0 under
 * telemed/up/r/<class> (the topics bench/uplink/mosquitto.ts's `fair` bridge forwards).
 */
function mqttSender(id: string, brokerPort: number): Sender {
  const client = mqtt.connect({ host: '127.0.0.1', port: brokerPort, clientId: `bench-vitals-${id}`, clean: true, protocolVersion: 4, reconnectPeriod: 500, keepalive: 60 });
  client.on('connect', () => (client.stream as Socket).setNoDelay?.(true));
  client.on('error', (err) => process.stderr.write(`mqtt ${id}: ${err.message}\n`));
  const seqs = new Map<string, number>();
  return {
    offer: (c, input, refused) => {
      const seq = (seqs.get(input.streamId) ?? 0) + 1;
      seqs.set(input.streamId, seq);
      const bytes = encodeEnvelope({ header: { gatewayId: id, streamId: input.streamId, seq, captureTimeNs: input.captureTimeNs, trafficClass: input.trafficClass, durable: input.durable }, ...input.payload });
      client.publish(`${input.durable ? UP_DURABLE : UP_REALTIME}/${c}`, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { qos: input.durable ? 1 : 0 }, (err) => { if (err) refused(); });
    },
    ready: () => client.connected,
    close: async () => { await client.endAsync(true); },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as FleetSpec;
  let t0 = Infinity;
  let t1 = -Infinity;
  const inWindow = (captureMs: number): boolean => captureMs >= t0 && captureMs < t1;
  const classes: Record<string, ClassOffer> = {};
  const cls = (c: string): ClassOffer => (classes[c] ??= { offered: 0, dropped: 0, dropReasons: {} });
  const drop = (c: string, reason: string): void => {
    const o = cls(c);
    o.dropped++;
    o.dropReasons[reason] = (o.dropReasons[reason] ?? 0) + 1;
  };
  const alarmEveryTicks = Math.max(1, Math.round(spec.alarmEveryMs / TICK_MS));
  const ambulances: Ambulance[] = spec.gatewayIds.map((id, i) => {
    const sender = spec.peer === 'mosquitto' ? mqttSender(id, spec.ports[i] ?? 0) : uplinkSender(id, spec.ports[i] ?? 0, (f, reason) => { if (inWindow(Number(f.env.header.captureTimeNs) / 1e6)) drop(f.className, reason); });
    return { id, sender, ticks: 0, alarmPhase: Math.floor((i * alarmEveryTicks) / spec.gatewayIds.length), ecgIndex: 0, plethIndex: 0 };
  });
  // 30 s plus 0.1 s per ambulance: N sessions say Hello to one hub at once.
  const readyWithinS = 30 + ambulances.length / 10;
  for (let i = 0; ambulances.some((a) => !a.sender.ready()); i++) {
    if (i * 50 > readyWithinS * 1000) throw new Error(`${ambulances.filter((a) => !a.sender.ready()).length} of ${ambulances.length} ambulances not ready after ${readyWithinS} s`);
    await sleep(50);
  }

  const offer = (a: Ambulance, c: string, input: BuildFrameInput): void => {
    const counted = inWindow(input.captureTimeNs / 1e6);
    if (counted) cls(c).offered++;
    a.sender.offer(c, input, () => { if (counted) drop(c, 'refused'); });
  };
  const wave = (channel: string, code: string, rateHz: number, first: number, n: number): telemed.v1.IWaveformChunk => ({
    deviceId: DEVICE, channel, code, sampleRateHz: rateHz, firstSampleIndex: first, scale: 0.001, unit: channel === 'ECG_II' ? 'mV' : '1',
    samples: Array.from({ length: n }, (_, k) => Math.round(800 * Math.sin((2 * Math.PI * (first + k)) / rateHz))),
  });
  const tick = (a: Ambulance): void => {
    const nowMs = wallMs();
    const ns = Math.round(nowMs * 1e6);
    offer(a, 'waveform', { streamId: `${DEVICE}/ecg-ii`, trafficClass: TrafficClass.TRAFFIC_CLASS_WAVEFORM, durable: false, captureTimeNs: ns, payload: { waveform: wave('ECG_II', 'MDC_ECG_ELEC_POTL_II', 500, a.ecgIndex, ECG_PER_TICK) } });
    offer(a, 'waveform', { streamId: `${DEVICE}/pleth`, trafficClass: TrafficClass.TRAFFIC_CLASS_WAVEFORM, durable: false, captureTimeNs: ns, payload: { waveform: wave('PLETH', 'MDC_PULS_OXIM_PLETH', 125, a.plethIndex, PLETH_PER_TICK) } });
    a.ecgIndex += ECG_PER_TICK;
    a.plethIndex += PLETH_PER_TICK;
    if (a.ticks % (1000 / TICK_MS) === 0) {
      const numerics = NUMERICS.map((m) => ({ code: m.code, label: m.label, unit: m.unit, value: Math.round((m.base + Math.sin(a.ticks / 100)) * 10) / 10, valid: true }));
      offer(a, 'vitals', { streamId: `${DEVICE}/vitals`, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: ns, payload: { vitals: { deviceId: DEVICE, numerics } } });
    }
    if ((a.ticks + a.alarmPhase) % alarmEveryTicks === 0) {
      const alarm = {
        alarmId: `${DEVICE}/spo2-low/${a.ticks}`, deviceId: DEVICE, kind: telemed.v1.AlarmKind.ALARM_KIND_PHYSIOLOGICAL,
        priority: telemed.v1.AlarmPriority.ALARM_PRIORITY_HIGH, state: telemed.v1.AlarmState.ALARM_STATE_ACTIVE,
        code: 'MDC_EVT_LO', text: 'SpO2 low', value: 87, unit: '%',
      };
      offer(a, 'alarm', { streamId: `${DEVICE}/alarms`, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true, captureTimeNs: ns, payload: { alarm } });
    }
    a.ticks++;
  };

  const timers: NodeJS.Timeout[] = [];
  let running = false;
  const late: number[] = [];
  let cpu0 = process.cpuUsage();
  let peakRss = 0;
  const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); }, 500);
  const start = (): void => {
    cpu0 = process.cpuUsage();
    running = true;
    ambulances.forEach((a, i) => {
      // Phase i/N of the tick: the fleet's monitors are not synchronised. Each tick is scheduled
      // for its own due time (not setInterval, which drifts under load), so the offered rate holds
      // and a late tick is measured, not hidden.
      let due = wallMs() + (i * TICK_MS) / ambulances.length;
      const run = (): void => {
        if (!running) return;
        const now = wallMs();
        if (inWindow(now)) late.push(now - due);
        tick(a);
        due += TICK_MS;
        timers[i] = setTimeout(run, Math.max(0, due - wallMs()));
      };
      timers[i] = setTimeout(run, Math.max(0, due - wallMs()));
    });
  };
  const stop = (): void => { running = false; for (const t of timers) clearTimeout(t); };
  process.on('message', (raw) => {
    const msg = raw as ToFleet;
    switch (msg.type) {
      case 'window': t0 = msg.t0; t1 = msg.t1; return;
      case 'start': start(); return;
      case 'stop': stop(); return;
      case 'collect': {
        const c = process.cpuUsage(cpu0);
        late.sort((x, y) => x - y);
        const report: FleetReport = {
          classes, ready: ambulances.filter((a) => a.sender.ready()).length, ambulances: ambulances.length,
          cpuS: (c.user + c.system) / 1e6, peakRssBytes: Math.max(peakRss, process.memoryUsage.rss()),
          tickLateP99Ms: Math.round((late[Math.floor(0.99 * late.length)] ?? 0) * 10) / 10, tickLateMaxMs: Math.round((late[late.length - 1] ?? 0) * 10) / 10,
        };
        process.send?.({ type: 'report', report });
        return;
      }
      case 'close':
        stop();
        clearInterval(rssTimer);
        Promise.all(ambulances.map((a) => a.sender.close())).then(() => { process.send?.({ type: 'closed' }); process.disconnect(); }, () => process.exit(1));
        return;
    }
  });
  process.on('disconnect', () => setTimeout(() => process.exit(0), 3000).unref());
  process.send?.({ type: 'ready', port: 0 });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  setTimeout(() => process.exit(1), 100);
});
