import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { TrafficClass, type Clock } from '../../protocols/index.js';
import { systemIntervals, type Device, type DeviceEvents, type DeviceState, type IntervalTimers, type Reading, type ReadingPayload } from '../device.js';
import { ClockOffset } from './clock-offset.js';
import { acquireEmbeddedBroker, GATEWAY_USER, type EmbeddedBroker } from './embedded-broker.js';
import { VitalsError, VitalsErrorCode } from './errors.js';
import { decodeMonitorMessage, type MonitorMessage } from './schema.js';
import { deviceStateOf, nextSessionState, type SessionEvent, type SessionState } from './session-state.js';
import { alarmToWire, numericsToVitals, waveformToChunk } from './to-readings.js';
import { monitorTopics } from './topics.js';

export interface VitalsMqttDeviceOptions {
  readonly id: string;
  /** The monitor's topic tree: telemed/v1/monitors/{monitorId}/… */
  readonly monitorId: string;
  /** mqtt://host:port of the ambulance's broker (e.g. Mosquitto); null: the embedded aedes broker. */
  readonly url: string | null;
  /** Embedded broker: listen address (loopback) and port (0: a free one, shared by every device with 0). */
  readonly brokerHost: string;
  readonly brokerPort: number;
  /** Our credentials on an external broker. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Embedded broker: the password the monitor must give (user name = monitorId); null: anonymous allowed. */
  readonly monitorPassword?: string | null | undefined;
  /** No message from the monitor for this long → faulted, ms. Default 5000. */
  readonly silenceMs?: number | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers?: IntervalTimers | undefined;
}

/** Counters (for /metrics and tests). Rejections by TM_ERR_VITALS_* code. */
export interface VitalsMqttCounts {
  messages: number;
  numerics: number;
  waveforms: number;
  alarms: number;
  status: number;
  rejected: Partial<Record<VitalsErrorCode, number>>;
  /** Numerics left out of an accepted message (unknown code, unit we cannot convert). */
  droppedNumerics: Partial<Record<VitalsErrorCode, number>>;
  /** Numerics passed on with valid: false (null, "NaN", a sentinel, outside the plausible range). */
  invalidValues: number;
}

const WATCHDOG_MS = 250;

/**
 * Driver of one vital-sign monitor publishing on the ambulance's MQTT broker (config kind
 * `vitals-mqtt`, README.md). Readings: `vitals` (VITALS, durable), `ecg-ii` / `pleth` / `co2` /
 * … (WAVEFORM, not durable), `monitor-alarms` (ALARM, durable). The session state follows the
 * monitor's retained status, its last will and a silence watchdog: `faulted` when it is gone.
 */
export class VitalsMqttDevice extends EventEmitter<DeviceEvents> implements Device {
  readonly kind = 'vitals-mqtt';
  readonly counts: VitalsMqttCounts = { messages: 0, numerics: 0, waveforms: 0, alarms: 0, status: 0, rejected: {}, droppedNumerics: {}, invalidValues: 0 };
  private session: SessionState = 'stopped';
  private client: MqttClient | null = null;
  private broker: EmbeddedBroker | null = null;
  private unregister: (() => void) | null = null;
  private watchdog: unknown = null;
  private lastHeardMono = 0;
  private boot = 0;
  private readonly waveNext = new Map<string, number>();
  private readonly offset = new ClockOffset();
  private readonly timers: IntervalTimers;
  private readonly log: Logger;
  private readonly silenceMs: number;

  constructor(private readonly opts: VitalsMqttDeviceOptions) {
    super();
    this.timers = opts.timers ?? systemIntervals;
    this.silenceMs = opts.silenceMs ?? 5000;
    this.log = opts.logger.child({ deviceId: opts.id, monitorId: opts.monitorId });
  }

  get id(): string {
    return this.opts.id;
  }
  get state(): DeviceState {
    return deviceStateOf(this.session);
  }
  /** The driver's own session state (finer than `state`). */
  get sessionState(): SessionState {
    return this.session;
  }
  /** Port of the embedded broker once started (null with an external broker). */
  get embeddedPort(): number | null {
    return this.broker?.port ?? null;
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.session !== 'stopped') return;
    this.transition({ type: 'start' });
    this.lastHeardMono = this.opts.clock.monoMs();
    let url = this.opts.url;
    const auth: Pick<IClientOptions, 'username' | 'password'> = {};
    if (url === null) {
      try {
        this.broker = await acquireEmbeddedBroker(this.opts.brokerHost, this.opts.brokerPort, this.log);
      } catch (err) {
        this.transition({ type: 'stop' });
        throw new VitalsError(VitalsErrorCode.BROKER, `embedded MQTT broker cannot listen on ${this.opts.brokerHost}:${this.opts.brokerPort} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); is a Mosquitto already there? Then set mqtt.url to use it`, { cause: err });
      }
      this.unregister = this.broker.registerMonitor(this.opts.monitorId, this.opts.monitorPassword ?? null);
      url = `mqtt://${this.opts.brokerHost}:${this.broker.port}`;
      auth.username = GATEWAY_USER;
      auth.password = this.broker.gatewayPassword;
    } else {
      if (this.opts.username !== undefined) auth.username = this.opts.username;
      if (this.opts.password !== undefined) auth.password = this.opts.password;
    }
    if (signal.aborted || this.session === 'stopped') return this.stop();
    const topics = monitorTopics(this.opts.monitorId);
    // MQTT 3.1.1 (aedes and Mosquitto both speak it); a persistent session, so QoS 1 numerics and
    // alarms published while we reconnect wait in the broker for us [MQTT-3.1.2-4].
    const client = connect(url, {
      protocolVersion: 4, clean: false, clientId: `telemed-gw-${this.opts.id}`, keepalive: 10,
      reconnectPeriod: 1000, connectTimeout: 5000, resubscribe: true, ...auth,
    });
    this.client = client;
    client.on('connect', () => {
      // Nagle would hold a small QoS 1 PUBACK or PINGREQ up to a round trip (DESIGN.md §6).
      (client.stream as Partial<Socket>).setNoDelay?.(true);
      client.subscribe(topics.all, { qos: 1 }, (err, granted) => {
        const refused = granted?.some((g) => g.qos === 128) ?? false;
        if (err || refused) {
          this.log.error({ code: VitalsErrorCode.BROKER, err }, 'subscription refused by the broker');
          return;
        }
        this.transition({ type: 'broker-up' });
      });
    });
    client.on('close', () => this.transition({ type: 'broker-down' }));
    client.on('error', (err) => this.log.warn({ code: VitalsErrorCode.BROKER, err: { message: err.message } }, 'MQTT broker connection error'));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.watchdog = this.timers.setInterval(() => this.checkSilence(), WATCHDOG_MS);
    signal.addEventListener('abort', () => void this.stop(), { once: true });
  }

  async stop(): Promise<void> {
    if (this.watchdog !== null) this.timers.clearInterval(this.watchdog);
    this.watchdog = null;
    const client = this.client;
    this.client = null;
    this.transition({ type: 'stop' });
    if (client !== null) {
      client.removeAllListeners('close');
      await client.endAsync();
    }
    this.unregister?.();
    this.unregister = null;
    const broker = this.broker;
    this.broker = null;
    await broker?.release();
  }

  private transition(e: SessionEvent): void {
    const next = nextSessionState(this.session, e);
    if (next === this.session) return;
    const before = this.state;
    this.session = next;
    this.log.info({ session: next, event: e.type }, 'monitor session');
    if (this.state !== before) this.emit('state', this.state);
  }

  private checkSilence(): void {
    if (this.opts.clock.monoMs() - this.lastHeardMono > this.silenceMs) this.transition({ type: 'silence' });
  }

  private reject(code: VitalsErrorCode, detail: string): void {
    const n = (this.counts.rejected[code] ?? 0) + 1;
    this.counts.rejected[code] = n;
    // A client's mistake: info, on the 1st and every 1000th of a code (a broken bridge floods).
    if (n % 1000 === 1) this.log.info({ code, detail, count: n }, 'monitor message rejected');
  }

  private onMessage(topic: string, payload: Buffer): void {
    this.counts.messages += 1;
    const r = decodeMonitorMessage(topic, payload);
    if (!r.ok) return this.reject(r.code, r.detail);
    if (r.message.topic.monitorId !== this.opts.monitorId) return this.reject(VitalsErrorCode.BAD_TOPIC, 'another monitor\'s topic');
    this.handle(r.message);
  }

  private handle(m: MonitorMessage): void {
    const clock = this.opts.clock;
    if (m.kind === 'status') {
      this.counts.status += 1;
      if (m.msg.state === 'online' && m.msg.boot !== undefined) this.noteBoot(m.msg.boot);
      this.log.info({ status: m.msg.state, reason: m.msg.reason, boot: m.msg.boot }, 'monitor status');
      this.transition({ type: 'status', online: m.msg.state === 'online' });
      return;
    }
    this.noteBoot(m.msg.boot);
    const nowNs = clock.nowNs();
    const offsetMs = this.offset.observe(nowNs / 1e6, m.msg.t, clock.monoMs());
    // The monitor's own time, corrected only when its clock is off by more than the tolerance: a
    // point's time must not depend on when it arrived (a QoS 1 redelivery then overwrites the same
    // TSDB point instead of adding one). A time further ahead of ours than the tolerance (a clock
    // jump before the offset catches up) is clamped there; within it, latency figures floor at 0.
    const toNs = (monitorMs: number): number => Math.min(monitorMs + offsetMs, nowNs / 1e6 + this.offset.toleranceMs) * 1e6;
    const id = this.opts.id;
    switch (m.kind) {
      case 'numerics': {
        const r = numericsToVitals(id, m.msg, toNs);
        for (const d of r.dropped) this.counts.droppedNumerics[d.code] = (this.counts.droppedNumerics[d.code] ?? 0) + 1;
        this.counts.invalidValues += r.invalid;
        this.heard();
        if (r.vitals.numerics?.length === 0) return;
        this.counts.numerics += 1;
        this.push('vitals', TrafficClass.TRAFFIC_CLASS_VITALS, true, toNs(m.msg.t), { vitals: r.vitals });
        return;
      }
      case 'waveform': {
        const channel = m.topic.channel;
        const key = `${m.msg.boot}/${channel}`;
        const expected = this.waveNext.get(key);
        // QoS 0 may lose a block (a gap is fine); an index going backwards is a replay or a stale copy.
        if (expected !== undefined && m.msg.first < expected) return this.reject(VitalsErrorCode.WAVE_ORDER, `${channel}: first ${m.msg.first} < ${expected}`);
        const chunk = waveformToChunk(id, channel, m.msg);
        if (typeof chunk === 'string') return this.reject(chunk, `${channel}: unit ${m.msg.unit}`);
        this.waveNext.set(key, m.msg.first + m.msg.samples.length);
        this.counts.waveforms += 1;
        this.heard();
        this.push(channel.toLowerCase().replace(/_/g, '-'), TrafficClass.TRAFFIC_CLASS_WAVEFORM, false, toNs(m.msg.t), { waveform: chunk });
        return;
      }
      case 'alarms':
        this.counts.alarms += 1;
        this.heard();
        this.push('monitor-alarms', TrafficClass.TRAFFIC_CLASS_ALARM, true, toNs(m.msg.t), { alarm: alarmToWire(id, m.msg) });
        return;
    }
  }

  /** A newer boot: the monitor restarted; its sample indexes and clock start over. */
  private noteBoot(boot: number): void {
    if (boot <= this.boot) return;
    if (this.boot !== 0) this.log.info({ boot }, 'monitor rebooted');
    this.boot = boot;
    this.waveNext.clear();
    this.offset.reset();
  }

  private heard(): void {
    this.lastHeardMono = this.opts.clock.monoMs();
    this.transition({ type: 'data' });
  }

  private push(stream: string, trafficClass: TrafficClass, durable: boolean, captureTimeNs: number, payload: ReadingPayload): void {
    const reading: Reading = { stream, trafficClass, durable, captureTimeNs, payload };
    this.emit('reading', reading);
  }
}
