import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { primaryCode } from '../../protocols/vitals/index.js';
import { createScenario, type VitalsScenario } from './scenario.js';
import type { MonitorAlarm, NumericsFrame, ScenarioName, ScenarioStep, WaveformBlock } from './scenario-types.js';

// A vital-sign monitor (or its vendor's MQTT bridge) publishing a scenario on the ambulance's
// broker, in the topic layout and JSON schema of devices/vitals-monitor/README.md. It speaks only
// the documented bytes: it shares no code with the driver, so the integration tests check the
// contract, not a shared helper.

const ROOT = 'telemed/v1/monitors';

export interface MqttMonitorOptions {
  /** mqtt://host:port of the broker. */
  readonly url: string;
  readonly monitorId: string;
  readonly scenario: ScenarioName;
  readonly seed: number;
  /** Scenario speed-up (simulators/vitals README). Default 1. */
  readonly speed?: number;
  /** Broker credentials; the user name defaults to the monitor id when a password is given. */
  readonly username?: string;
  readonly password?: string;
  /** How "no value" is sent: JSON null (default), "NaN", or a vendor sentinel number such as -999. */
  readonly noValue?: null | 'NaN' | number;
  /** Publishing period, ms (waveform block length). Default 40: 20 ECG samples, 5 pleth, 1 CO2. */
  readonly periodMs?: number;
  /** Wall clock, Unix ms (injected for tests). */
  readonly now?: () => number;
  readonly timers?: { setInterval(fn: () => void, ms: number): unknown; clearInterval(h: unknown): void };
}

export interface MqttMonitorEvents {
  /** Published a step (after the scenario advanced). */
  step: [ScenarioStep];
  /** Connected (again) to the broker. */
  connected: [boot: number];
  error: [Error];
}

/** Counters of what was published. */
export interface MqttMonitorCounts {
  numerics: number;
  waveforms: number;
  alarms: number;
  boots: number;
}

export class MqttMonitorSimulator extends EventEmitter<MqttMonitorEvents> {
  readonly counts: MqttMonitorCounts = { numerics: 0, waveforms: 0, alarms: 0, boots: 0 };
  private readonly scenario: VitalsScenario;
  private readonly now: () => number;
  private readonly timers: NonNullable<MqttMonitorOptions['timers']>;
  private client: MqttClient | null = null;
  private handle: unknown = null;
  private startMs = 0;
  private boot = 0;
  private seq = 0;
  private readonly topics: { status: string; numerics: string; alarms: string; waveform: (c: string) => string };

  constructor(private readonly opts: MqttMonitorOptions) {
    super();
    this.scenario = createScenario({ scenario: opts.scenario, seed: opts.seed, ...(opts.speed === undefined ? {} : { speed: opts.speed }) });
    this.now = opts.now ?? Date.now;
    this.timers = opts.timers ?? { setInterval: (fn, ms) => setInterval(fn, ms), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) };
    const base = `${ROOT}/${opts.monitorId}`;
    this.topics = { status: `${base}/status`, numerics: `${base}/numerics`, alarms: `${base}/alarms`, waveform: (c) => `${base}/waveform/${c}` };
  }

  /** Connects, announces itself (retained status) and starts publishing. Resolves once connected. */
  async start(): Promise<void> {
    this.startMs = this.now();
    await this.powerOn();
    this.handle = this.timers.setInterval(() => this.tick(), this.opts.periodMs ?? 40);
  }

  /** Clean shutdown: retained status offline ("shutdown"), then DISCONNECT (the will is not sent [MQTT-3.14.4-3]). */
  async stop(): Promise<void> {
    if (this.handle !== null) this.timers.clearInterval(this.handle);
    this.handle = null;
    const c = this.client;
    this.client = null;
    if (c === null) return;
    if (c.connected) await c.publishAsync(this.topics.status, JSON.stringify({ v: 1, state: 'offline', boot: this.boot, t: this.now(), reason: 'shutdown' }), { qos: 1, retain: true });
    await c.endAsync();
  }

  /** Power loss: the TCP connection dies without DISCONNECT, so the broker publishes our will. */
  crash(): void {
    const c = this.client;
    this.client = null;
    if (c === null) return;
    c.stream.destroy();
    c.end(true);
  }

  private async powerOn(): Promise<void> {
    this.boot += 1;
    this.counts.boots = this.boot;
    this.seq = 0;
    const auth: Pick<IClientOptions, 'username' | 'password'> = {};
    if (this.opts.password !== undefined) {
      auth.username = this.opts.username ?? this.opts.monitorId;
      auth.password = this.opts.password;
    } else if (this.opts.username !== undefined) auth.username = this.opts.username;
    const client = connect(this.opts.url, {
      protocolVersion: 4, clean: true, clientId: `monitor-${this.opts.monitorId}`, keepalive: 5, reconnectPeriod: 1000,
      // The broker announces our death: retained, QoS 1, so a gateway subscribing later sees it too.
      will: { topic: this.topics.status, payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline', boot: this.boot, reason: 'lwt' })), qos: 1, retain: true },
      ...auth,
    });
    this.client = client;
    client.on('error', (err) => this.emit('error', err));
    client.on('connect', () => {
      (client.stream as Partial<Socket>).setNoDelay?.(true);
      client.publish(this.topics.status, JSON.stringify({ v: 1, state: 'online', boot: this.boot, t: this.now(), model: 'TM-SIM-MQTT', serial: this.opts.monitorId }), { qos: 1, retain: true });
      this.emit('connected', this.boot);
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => { client.off('connect', ok); reject(err); };
      const ok = (): void => { client.off('error', fail); resolve(); };
      client.once('connect', ok);
      client.once('error', fail);
    });
  }

  private tick(): void {
    const step = this.scenario.advance(this.now() - this.startMs);
    const wasOnline = this.client !== null;
    if (wasOnline && !step.online) this.crash();
    if (!wasOnline && step.online) {
      this.powerOn().catch((err: unknown) => this.emit('error', err as Error));
    }
    if (step.online && this.client !== null) this.publishStep(step);
    this.emit('step', step);
  }

  private publishStep(step: ScenarioStep): void {
    const c = this.client!;
    for (const f of step.numerics) c.publish(this.topics.numerics, this.numericsJson(f), { qos: 1 });
    this.counts.numerics += step.numerics.length;
    for (const w of step.waveforms) c.publish(this.topics.waveform(w.channel), this.waveformJson(w), { qos: 0 });
    this.counts.waveforms += step.waveforms.length;
    for (const a of step.alarms) c.publish(this.topics.alarms, this.alarmJson(a), { qos: 1 });
    this.counts.alarms += step.alarms.length;
  }

  private head(tMs: number): { v: 1; boot: number; seq: number; t: number } {
    this.seq += 1;
    return { v: 1, boot: this.boot, seq: this.seq, t: this.startMs + tMs };
  }

  private numericsJson(f: NumericsFrame): string {
    const noValue = this.opts.noValue === undefined ? null : this.opts.noValue;
    return JSON.stringify({
      ...this.head(f.tMs),
      numerics: f.numerics.map((n) => ({ code: n.mdc, refid: n.refid, value: n.value ?? noValue, unit: n.ucum, label: n.label })),
    });
  }

  private waveformJson(w: WaveformBlock): string {
    return JSON.stringify({
      ...this.head(w.tMs), code: w.mdc, refid: w.refid, rateHz: w.rateHz, first: w.firstSampleIndex, unit: w.ucum, scale: w.scale, samples: w.samples,
    });
  }

  private alarmJson(a: MonitorAlarm): string {
    const alarm: Record<string, unknown> = { id: a.alarmId, code: a.code, kind: a.kind, priority: a.priority, state: a.state, text: a.text };
    if (a.mdc !== undefined) alarm['mdc'] = a.mdc;
    if (a.parameter !== undefined) alarm['source'] = primaryCode(a.parameter).mdc;
    if (a.value !== undefined) alarm['value'] = a.value;
    if (a.ucum !== undefined) alarm['unit'] = a.ucum;
    return JSON.stringify({ ...this.head(a.tMs), alarm });
  }
}
