import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { TrafficClass, type Clock } from '../../protocols/index.js';
import {
  CartError, CartErrorCode, FrameDecoder, LEAD_MDC, encodeFrame,
  type CartLeadName, type CartMessage, type Frame, type HostCommand,
} from '../../protocols/ecg-cart/index.js';
import type { Device, DeviceEvents, DeviceState, ReadingPayload } from '../device.js';
import { canTransition, deviceStateOf, type CartState } from './cart-state.js';
import { RecordAssembler, type CartRecord } from './record-assembler.js';
import type { SerialTransport, TransportFactory } from './transport.js';
import { Watchdog, backoffMs, systemTimers, type Timers } from './watchdog.js';

type DeviceInfoMsg = Extract<CartMessage, { type: 'DeviceInfo' }>;

/** Options of the cart driver; durations in ms. */
export interface CartDriverOptions {
  readonly id: string;
  /** Stable path, e.g. /dev/serial/by-id/usb-…; resolved again on every (re)open. */
  readonly path: string;
  readonly transport: TransportFactory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers?: Timers;
  /** Default 921600. */
  readonly baudRate?: number;
  /** No byte for this long means a hung cart: reopen. Default 3000. */
  readonly watchdogMs?: number;
  /** Wait for DeviceInfo, total. Default 2000 (RequestInfo re-sent every 500). */
  readonly identifyTimeoutMs?: number;
  /** Reconnect backoff: initial 250 doubling to max 5000. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Leads sent live as WAVEFORM readings. Default: all. */
  readonly liveLeads?: readonly string[];
}

export interface CartBlock {
  readonly firstSampleIndex: number;
  readonly samplesPerLead: number;
  /** Counts, lead-major. */
  readonly samples: Int16Array;
}

/** Typed events: the Device ones plus the cart's own. */
export interface CartDriverEvents extends DeviceEvents {
  cartState: [CartState];
  info: [DeviceInfoMsg];
  block: [CartBlock];
  leadOff: [{ bitmap: number; leads: string[] }];
  record: [CartRecord];
  cartError: [{ code: number; text: string }];
}

/** Counters for /metrics and tests. */
export interface CartDriverStats {
  frames: number;
  lostFrames: number;
  /** Rejected frames by TM_ERR_CART_* code. */
  frameErrors: Record<string, number>;
  reconnects: number;
  watchdogResets: number;
  /** RecordStart/RecordStop the driver could not act on (no DeviceInfo yet, already recording, unknown record id). */
  recordsMissed: number;
}

/**
 * Driver of the 18-lead ECG cart (protocols/ecg-cart/SPEC.md). One session loop: open → identify
 * → stream, and on any port failure, hang or protocol timeout: close, back off, reopen.
 */
export class CartDriver extends EventEmitter<CartDriverEvents> implements Device {
  readonly kind = 'ecg-cart';
  readonly stats: CartDriverStats = { frames: 0, lostFrames: 0, frameErrors: {}, reconnects: 0, watchdogResets: 0, recordsMissed: 0 };
  private current: CartState = 'closed';
  private info: DeviceInfoMsg | null = null;
  private transport: SerialTransport | null = null;
  private txSeq = 0;
  private rxSeq: number | null = null;
  private writing: Promise<void> = Promise.resolve();
  private onInfo: (() => void) | null = null;
  private assembler: RecordAssembler | null = null;
  private leadOff = 0;
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private readonly timers: Timers;
  private readonly log: Logger;

  constructor(private readonly opts: CartDriverOptions) {
    super();
    this.timers = opts.timers ?? systemTimers;
    this.log = opts.logger.child({ deviceId: opts.id, component: 'ecg-cart' });
  }

  // Narrowed signatures so the typed event map also satisfies the Device interface.
  override on<K extends keyof CartDriverEvents>(event: K, listener: (...args: CartDriverEvents[K]) => void): this {
    return super.on(event, listener as never);
  }
  override off<K extends keyof CartDriverEvents>(event: K, listener: (...args: CartDriverEvents[K]) => void): this {
    return super.off(event, listener as never);
  }

  get id(): string { return this.opts.id; }
  get state(): DeviceState { return deviceStateOf(this.current); }
  get cartState(): CartState { return this.current; }
  get deviceInfo(): DeviceInfoMsg | null { return this.info; }

  start(signal: AbortSignal): Promise<void> {
    if (this.loop) return Promise.resolve();
    const controller = new AbortController();
    this.controller = controller;
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    this.loop = this.run(controller.signal);
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.transport?.close();
    await this.loop;
    this.loop = null;
  }

  /** Asks the cart to take a record. The patient id goes to the cart only; it is never logged. */
  startRecord(patientId: string, durationMs = 10_000): Promise<void> {
    if (this.current !== 'streaming') return Promise.reject(new CartError(CartErrorCode.BAD_STATE, `cannot start a record while ${this.current}`));
    return this.send({ type: 'StartRecord', patientId, durationMs });
  }

  stopRecord(): Promise<void> {
    return this.send({ type: 'StopRecord' });
  }

  /** The one transition function: checks the table, logs, emits. */
  private to(next: CartState, why: string): void {
    if (next === this.current) return;
    if (!canTransition(this.current, next)) throw new CartError(CartErrorCode.BAD_STATE, `bad transition ${this.current} → ${next}`);
    const before = this.state;
    this.log.info({ from: this.current, to: next, why }, 'cart state');
    this.current = next;
    this.emit('cartState', next);
    if (this.state !== before) this.emit('state', this.state);
  }

  private send(cmd: HostCommand): Promise<void> {
    const t = this.transport;
    if (!t) return Promise.reject(new CartError(CartErrorCode.PORT_CLOSED, 'cart is not connected'));
    const bytes = encodeFrame(this.txSeq++ & 0xffff, cmd);
    // One write at a time, in order: frames must not interleave on the line.
    const p = this.writing.then(() => t.write(bytes));
    this.writing = p.catch(() => undefined);
    return p;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.opts.backoff ?? { initialMs: 250, maxMs: 5000 };
    let attempt = 0;
    while (!signal.aborted) {
      this.to('opening', attempt === 0 ? 'start' : 'reconnect');
      try {
        await this.session(signal, () => { attempt = 0; });
      } catch (err) {
        if (signal.aborted) break;
        const code = err instanceof CartError ? err.code : 'unknown';
        // Unplugs, hangs and a silent cart are the device's trouble, not ours: warn, not error.
        this.log.warn({ code, err: err instanceof CartError ? undefined : err }, 'cart session ended');
      }
      if (signal.aborted) break;
      this.to('reconnecting', 'session ended');
      this.stats.reconnects++;
      await this.sleep(backoffMs(attempt++, backoff.initialMs, backoff.maxMs), signal);
    }
    if (this.current !== 'closed') this.to('closed', 'stopped');
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const h = this.timers.setTimeout(done, ms);
      function done(): void { signal.removeEventListener('abort', abort); resolve(); }
      const timers = this.timers;
      function abort(): void { timers.clearTimeout(h); resolve(); }
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  private async session(signal: AbortSignal, identified: () => void): Promise<void> {
    const t = this.opts.transport();
    this.transport = t;
    this.rxSeq = null;
    this.assembler = null;
    let failure: CartError | null = null;
    const fail = (err: CartError): void => {
      failure ??= err;
      void t.close();
    };
    const dog = new Watchdog(this.opts.watchdogMs ?? 3000, () => this.opts.clock.monoMs(), this.timers, () => {
      this.stats.watchdogResets++;
      fail(new CartError(CartErrorCode.WATCHDOG, 'no bytes from the cart'));
    });
    const onAbort = (): void => void t.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await t.open(this.opts.path, { baudRate: this.opts.baudRate ?? 921_600, signal });
      this.log.info({ port: t.openedPath }, 'cart port open');
      this.to('identifying', 'port open');
      dog.start();
      const decoder = new FrameDecoder({
        onFrame: (f) => this.onFrame(f),
        onError: (e) => {
          this.stats.frameErrors[e.code] = (this.stats.frameErrors[e.code] ?? 0) + 1;
          this.log.debug({ code: e.code }, 'cart frame rejected');
        },
      });
      const pump = (async () => {
        for (;;) {
          const chunk = await t.read();
          dog.kick();
          decoder.push(chunk);
        }
      })();
      pump.catch(() => undefined);
      await Promise.race([pump, this.identify(t)]);
      identified();
      await this.send({ type: 'StartStream' });
      this.to('streaming', 'identified');
      await pump;
    } catch (err) {
      throw failure ?? err;
    } finally {
      dog.stop();
      signal.removeEventListener('abort', onAbort);
      this.onInfo = null;
      this.transport = null;
      await t.close();
    }
  }

  private async identify(t: SerialTransport): Promise<void> {
    this.info = null;
    const total = this.opts.identifyTimeoutMs ?? 2000;
    const got = new Promise<void>((resolve) => { this.onInfo = resolve; });
    const start = this.opts.clock.monoMs();
    while (this.info === null) {
      if (this.opts.clock.monoMs() - start >= total) {
        void t.close();
        throw new CartError(CartErrorCode.IDENTIFY_TIMEOUT, `no DeviceInfo within ${total} ms`);
      }
      await this.send({ type: 'RequestInfo' });
      let h: unknown = null;
      await Promise.race([got, new Promise<void>((r) => { h = this.timers.setTimeout(r, Math.min(500, total)); })]);
      this.timers.clearTimeout(h);
    }
  }

  /** One handler per message kind, dispatched from one switch. */
  private onFrame(f: Frame): void {
    this.stats.frames++;
    if (this.rxSeq !== null) {
      const gap = (f.seq - this.rxSeq - 1) & 0xffff;
      this.stats.lostFrames += gap;
    }
    this.rxSeq = f.seq;
    const m = f.message;
    switch (m.type) {
      case 'DeviceInfo': return this.handleInfo(m);
      case 'SampleBlock': return this.handleBlock(m);
      case 'LeadOff': return this.handleLeadOff(m.bitmap);
      case 'RecordStart': return this.handleRecordStart(m);
      case 'RecordStop': return this.handleRecordStop(m);
      case 'Error':
        this.log.warn({ cartCode: m.code }, 'cart reported an error');
        this.emit('cartError', { code: m.code, text: m.text });
        return;
      case 'Heartbeat': return;
      default:
        // A host command echoed back: a wiring fault (loopback), worth a warning.
        this.log.warn({ type: m.type }, 'host command received from the cart');
    }
  }

  private handleInfo(m: DeviceInfoMsg): void {
    this.info = m;
    this.log.info({ model: m.model, firmware: m.firmware, sampleRateHz: m.sampleRateHz, leads: m.leads.length }, 'cart identified');
    this.emit('info', m);
    this.onInfo?.();
  }

  private handleBlock(m: Extract<CartMessage, { type: 'SampleBlock' }>): void {
    const info = this.info;
    if (!info || m.leadCount !== info.leads.length) return;
    this.emit('block', { firstSampleIndex: m.firstSampleIndex, samplesPerLead: m.samplesPerLead, samples: m.samples });
    this.assembler?.add(m.firstSampleIndex, m.samplesPerLead, m.samples);
    const live = this.opts.liveLeads;
    info.leads.forEach((lead, l) => {
      if (live && !live.includes(lead.name)) return;
      const samples = Array.from(m.samples.subarray(l * m.samplesPerLead, (l + 1) * m.samplesPerLead));
      this.push(`ecg-${lead.name}`, TrafficClass.TRAFFIC_CLASS_WAVEFORM, false, {
        waveform: {
          deviceId: this.id, channel: `ECG_${lead.name}`, code: LEAD_MDC[lead.name as CartLeadName] ?? '',
          sampleRateHz: info.sampleRateHz, firstSampleIndex: m.firstSampleIndex, samples, scale: info.uvPerCount, unit: 'uV',
        },
      });
    });
  }

  private handleLeadOff(bitmap: number): void {
    if (bitmap === this.leadOff) return;
    this.leadOff = bitmap;
    const leads = (this.info?.leads ?? []).filter((_, i) => (bitmap >>> i) & 1).map((l) => l.name);
    this.log.info({ leadsOff: leads }, 'lead-off changed');
    this.emit('leadOff', { bitmap, leads });
  }

  private handleRecordStart(m: Extract<CartMessage, { type: 'RecordStart' }>): void {
    const info = this.info;
    if (!info || this.current !== 'streaming') {
      // Never silent: a record the cart thinks it is taking but we are not assembling is lost.
      this.stats.recordsMissed++;
      this.log.warn({ recordId: m.recordId, state: this.current, identified: info !== null }, 'RecordStart ignored: the record will not be assembled');
      return;
    }
    this.assembler = new RecordAssembler(m.recordId, m.patientId, m.startSampleIndex, {
      sampleRateHz: info.sampleRateHz, uvPerCount: info.uvPerCount, leads: info.leads.map((l) => l.name),
    });
    this.to('recording', 'RecordStart');
  }

  private handleRecordStop(m: Extract<CartMessage, { type: 'RecordStop' }>): void {
    const a = this.assembler;
    if (!a || a.recordId !== m.recordId) {
      this.stats.recordsMissed++;
      this.log.warn({ recordId: m.recordId, assembling: a?.recordId ?? null }, 'RecordStop for a record that is not being assembled');
      return;
    }
    this.assembler = null;
    const record = a.finish(m.stopSampleIndex, m.aborted);
    this.to('streaming', 'RecordStop');
    this.log.info({ recordId: record.recordId, samples: record.length, complete: record.complete, missingSamples: record.missingSamples }, 'record complete');
    // The gateway (gateway/ecg) analyses, previews and sends the record; the driver only hands it over.
    this.emit('record', record);
  }

  private push(stream: string, trafficClass: TrafficClass, durable: boolean, payload: ReadingPayload): void {
    this.emit('reading', { stream, trafficClass, durable, captureTimeNs: this.opts.clock.nowNs(), payload });
  }
}
