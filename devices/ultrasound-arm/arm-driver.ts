import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { CartError, CartErrorCode } from '../../protocols/ecg-cart/index.js';
import type { Clock } from '../../protocols/index.js';
import {
  ArmFault, ArmFrameDecoder, encodeArmFrame,
  type ArmFrame, type ArmMessage, type HostMessage, type JointState, type Q4, type V3,
} from '../../protocols/ultrasound-arm/index.js';
import type { TransportFactory } from '../ecg-cart/transport.js';
import { Watchdog, backoffMs, systemTimers, type Timers } from '../ecg-cart/watchdog.js';
import { canTransition, type ArmLinkState } from './arm-state.js';

type DeviceInfo = Extract<ArmMessage, { type: 'DeviceInfo' }>;

export interface ArmDriverOptions {
  readonly id: string;
  /** Serial path (/dev/serial/by-id/…) or tcp://HOST:PORT. */
  readonly url: string;
  readonly transport: TransportFactory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers?: Timers;
  /** Default 921600 (ignored over TCP). */
  readonly baudRate?: number;
  /** No byte from the arm for this long → reopen. Default 100 (10 telemetry periods at 100 Hz). */
  readonly watchdogMs?: number;
  /** Wait for DeviceInfo, total. Default 2000 (RequestInfo re-sent every 500). */
  readonly identifyTimeoutMs?: number;
  /** Reconnect backoff: initial 100 doubling to max 2000. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Arm-side expiry of each Jog (SPEC.md §5); the supervisor's survival time. Default 100. */
  readonly jogValidMs?: number;
  /** A Heartbeat after this long without another command (the arm's link watchdog is 250). Default 100. */
  readonly heartbeatMs?: number;
}

/** One telemetry sample, shaped for gateway/safety's ArmTelemetrySample (plus the arm's extras). */
export interface ArmTelemetry {
  readonly pose: { readonly position: V3; readonly orientation: Q4 };
  readonly forceN: number;
  readonly estopInput: boolean;
  /** Fault name, null when none (a link-lost hold is not a fault the host must reset). */
  readonly fault: string | null;
  readonly status: string;
  readonly joints: readonly JointState[];
  readonly lastCommandSeq: number;
  readonly armTimeUs: number;
}

export interface ArmDriverEvents {
  linkState: [ArmLinkState];
  info: [DeviceInfo];
  telemetry: [ArmTelemetry];
  armFault: [{ code: number; text: string }];
  rejected: [{ commandSeq: number; code: number }];
}

export interface ArmDriverStats {
  frames: number;
  lostFrames: number;
  frameErrors: Record<string, number>;
  reconnects: number;
  watchdogResets: number;
  commandsSent: number;
  commandsDropped: number;
}

const FAULT_NAMES = new Map<number, string>(Object.entries(ArmFault).map(([k, v]) => [v, k]));

/**
 * Driver of the ultrasound arm (protocols/ultrasound-arm/SPEC.md): open → identify → stream, and
 * on any port failure, hang or timeout: close, back off, reopen. Its command methods have the
 * shape of gateway/safety's ArmActuator; only the safety supervisor calls them. Commands while
 * the link is down are dropped and counted (never queued: a late motion command is a hazard).
 */
export class ArmDriver extends EventEmitter<ArmDriverEvents> {
  readonly kind = 'ultrasound-arm';
  readonly stats: ArmDriverStats = { frames: 0, lostFrames: 0, frameErrors: {}, reconnects: 0, watchdogResets: 0, commandsSent: 0, commandsDropped: 0 };
  private current: ArmLinkState = 'closed';
  private info: DeviceInfo | null = null;
  private onInfo: (() => void) | null = null;
  private transport: ReturnType<TransportFactory> | null = null;
  private txSeq = 0;
  private rxSeq: number | null = null;
  private writing: Promise<void> = Promise.resolve();
  private lastSentMs = 0;
  private heartbeat: unknown = null;
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private readonly timers: Timers;
  private readonly log: Logger;

  constructor(private readonly opts: ArmDriverOptions) {
    super();
    this.timers = opts.timers ?? systemTimers;
    this.log = opts.logger.child({ deviceId: opts.id, component: 'ultrasound-arm' });
  }

  get id(): string { return this.opts.id; }
  get linkState(): ArmLinkState { return this.current; }
  get deviceInfo(): DeviceInfo | null { return this.info; }

  start(signal: AbortSignal): void {
    if (this.loop) return;
    const controller = new AbortController();
    this.controller = controller;
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    this.loop = this.run(controller.signal);
  }

  /** Ends the session loop and closes the port (lifecycle; `stop()` is the arm's Stop command). */
  async close(): Promise<void> {
    this.controller?.abort();
    await this.transport?.close();
    await this.loop;
    this.loop = null;
  }

  // ------------------------------------------------------------------ ArmActuator

  moveTo(target: { position: V3; orientation: Q4 }, limits: { speedMmS: number; accelMmS2: number }): void {
    this.send({ type: 'MoveTo', positionMm: target.position, orientation: target.orientation, speedMmS: limits.speedMmS, accelMmS2: limits.accelMmS2 });
  }
  jog(twist: { linear: V3; angular: V3 }, limits: { accelMmS2: number }): void {
    this.send({ type: 'Jog', linearMmS: twist.linear, angularDegS: twist.angular, accelMmS2: limits.accelMmS2, validMs: this.opts.jogValidMs ?? 100 });
  }
  hold(): void { this.send({ type: 'Hold' }); }
  home(limits: { speedMmS: number; accelMmS2: number }): void { this.send({ type: 'Home', speedMmS: limits.speedMmS, accelMmS2: limits.accelMmS2 }); }
  /** Fastest controlled stop, then hold (the supervisor's e-stop action). */
  stop(): void { this.send({ type: 'Stop' }); }
  resetFault(): void { this.send({ type: 'ResetFault' }); }

  // ------------------------------------------------------------------ session

  private to(next: ArmLinkState, why: string): void {
    if (next === this.current) return;
    if (!canTransition(this.current, next)) throw new CartError(CartErrorCode.BAD_STATE, `bad transition ${this.current} → ${next}`);
    this.log.info({ from: this.current, to: next, why }, 'arm link state');
    this.current = next;
    this.emit('linkState', next);
  }

  private send(m: HostMessage): void {
    const t = this.transport;
    if (!t || (this.current !== 'streaming' && m.type !== 'RequestInfo')) {
      this.stats.commandsDropped++;
      return;
    }
    const bytes = encodeArmFrame(this.txSeq++ & 0xffff, m);
    this.stats.commandsSent++;
    this.lastSentMs = this.opts.clock.monoMs();
    // One write at a time, in order; a failed write is the session's failure (the pump sees it).
    this.writing = this.writing.then(() => t.write(bytes)).catch(() => undefined);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.opts.backoff ?? { initialMs: 100, maxMs: 2000 };
    let attempt = 0;
    while (!signal.aborted) {
      this.to('opening', attempt === 0 ? 'start' : 'reconnect');
      try {
        await this.session(signal, () => { attempt = 0; });
      } catch (err) {
        if (signal.aborted) break;
        this.log.warn({ code: err instanceof CartError ? err.code : 'unknown' }, 'arm session ended');
      }
      if (signal.aborted) break;
      this.to('reconnecting', 'session ended');
      this.stats.reconnects++;
      await new Promise<void>((resolve) => {
        const h = this.timers.setTimeout(done, backoffMs(attempt++, backoff.initialMs, backoff.maxMs));
        const timers = this.timers;
        function done(): void { signal.removeEventListener('abort', abort); resolve(); }
        function abort(): void { timers.clearTimeout(h); resolve(); }
        signal.addEventListener('abort', abort, { once: true });
      });
    }
    if (this.current !== 'closed') this.to('closed', 'stopped');
  }

  private async session(signal: AbortSignal, identified: () => void): Promise<void> {
    const t = this.opts.transport();
    this.transport = t;
    this.rxSeq = null;
    let failure: CartError | null = null;
    const dog = new Watchdog(this.opts.watchdogMs ?? 100, () => this.opts.clock.monoMs(), this.timers, () => {
      this.stats.watchdogResets++;
      failure ??= new CartError(CartErrorCode.WATCHDOG, 'no bytes from the arm');
      void t.close();
    });
    const onAbort = (): void => void t.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await t.open(this.opts.url, { baudRate: this.opts.baudRate ?? 921_600, signal });
      this.to('identifying', 'port open');
      dog.start();
      const decoder = new ArmFrameDecoder({
        onFrame: (f) => this.onFrame(f),
        onError: (e) => { this.stats.frameErrors[e.code] = (this.stats.frameErrors[e.code] ?? 0) + 1; },
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
      this.to('streaming', 'identified');
      this.startHeartbeat();
      await pump;
    } catch (err) {
      throw failure ?? err;
    } finally {
      dog.stop();
      this.stopHeartbeat();
      signal.removeEventListener('abort', onAbort);
      this.onInfo = null;
      this.transport = null;
      await t.close();
    }
  }

  private async identify(t: ReturnType<TransportFactory>): Promise<void> {
    this.info = null;
    const total = this.opts.identifyTimeoutMs ?? 2000;
    const got = new Promise<void>((resolve) => { this.onInfo = resolve; });
    const start = this.opts.clock.monoMs();
    while (this.info === null) {
      if (this.opts.clock.monoMs() - start >= total) {
        void t.close();
        throw new CartError(CartErrorCode.IDENTIFY_TIMEOUT, `no DeviceInfo within ${total} ms`);
      }
      this.send({ type: 'RequestInfo' });
      let h: unknown = null;
      await Promise.race([got, new Promise<void>((r) => { h = this.timers.setTimeout(r, Math.min(500, total)); })]);
      this.timers.clearTimeout(h);
    }
  }

  private startHeartbeat(): void {
    const every = this.opts.heartbeatMs ?? 100;
    const beat = (): void => {
      if (this.opts.clock.monoMs() - this.lastSentMs >= every) this.send({ type: 'Heartbeat' });
      this.heartbeat = this.timers.setTimeout(beat, every);
    };
    this.heartbeat = this.timers.setTimeout(beat, every);
  }

  private stopHeartbeat(): void {
    this.timers.clearTimeout(this.heartbeat);
    this.heartbeat = null;
  }

  /** One handler per message kind, dispatched from one switch. */
  private onFrame(f: ArmFrame): void {
    this.stats.frames++;
    if (this.rxSeq !== null) this.stats.lostFrames += (f.seq - this.rxSeq - 1) & 0xffff;
    this.rxSeq = f.seq;
    const m = f.message;
    switch (m.type) {
      case 'DeviceInfo':
        this.info = m;
        this.log.info({ model: m.model, firmware: m.firmware, telemetryHz: m.telemetryHz }, 'arm identified');
        this.emit('info', m);
        this.onInfo?.();
        return;
      case 'Telemetry': {
        // linkLost is a hold the next command ends; estop is reported by the input flag and the
        // e-stop state (cleared by a local clear, which resets the arm): neither is a fault here.
        const quiet = m.faultCode === ArmFault.none || m.faultCode === ArmFault.linkLost || m.faultCode === ArmFault.estop;
        const fault = quiet ? null : (FAULT_NAMES.get(m.faultCode) ?? `fault-${m.faultCode}`);
        this.emit('telemetry', {
          pose: { position: m.positionMm, orientation: m.orientation }, forceN: m.forceN, estopInput: m.estopInput, fault,
          status: m.status, joints: m.joints, lastCommandSeq: m.lastCommandSeq, armTimeUs: m.armTimeUs,
        });
        return;
      }
      case 'Ack':
        if (m.result !== 0) this.emit('rejected', { commandSeq: m.commandSeq, code: m.code });
        return;
      case 'Fault':
        this.log.warn({ armFault: m.code }, 'arm reported a fault');
        this.emit('armFault', { code: m.code, text: m.text });
        return;
      default:
        this.log.warn({ type: m.type }, 'host command received from the arm');
    }
  }
}
