import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../../protocols/index.js';
import type { Device, DeviceEvents, DeviceState } from '../device.js';
import { MllpListener, type MllpListenerOptions, type MllpListenerStats } from './listener.js';
import { Hl7Receiver, hl7Timestamp, type ReceiverStats } from './receiver.js';

export interface Hl7MllpDeviceOptions extends Omit<MllpListenerOptions, 'port'> {
  readonly id: string;
  readonly port: number;
  readonly allowApplications?: readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Device kind `hl7-mllp`: an MLLP listener for IHE PCD-01 (ORU^R01) and PCD-04 (ORU^R40) from the
 * ambulance's monitors. Readings, per monitor (EUI-64 from OBX-18, else MSH-3):
 *   `<monitor>/vitals`       VITALS   durable      { vitals }   one per OBR group with our parameters
 *   `<monitor>/alarm`        ALARM    durable      { alarm }    one per ORU^R40 group
 *   `<monitor>/wave-<chan>`  WAVEFORM not durable  { waveform } one per NA row with a sample rate
 */
export class Hl7MllpDevice extends EventEmitter<DeviceEvents> implements Device {
  readonly kind = 'hl7-mllp';
  private current: DeviceState = 'stopped';
  private listener: MllpListener | null = null;
  private readonly receiver: Hl7Receiver;
  private ackSeq = 0;
  private readonly log: Logger;
  private boundPort: number | null = null;

  constructor(private readonly o: Hl7MllpDeviceOptions) {
    super();
    this.log = o.logger.child({ deviceId: o.id, component: 'hl7-mllp' });
    this.receiver = new Hl7Receiver({
      ...(o.allowApplications ? { allowApplications: o.allowApplications } : {}),
      ackId: () => `${o.id}-${(++this.ackSeq).toString(36)}`,
      timestamp: () => hl7Timestamp(o.clock.nowNs() / 1e6),
    });
  }

  get id(): string { return this.o.id; }
  get state(): DeviceState { return this.current; }
  /** The bound TCP port while running (useful with port 0). */
  get port(): number | null { return this.boundPort; }
  get stats(): { receiver: ReceiverStats; listener: MllpListenerStats | null } {
    return { receiver: this.receiver.stats, listener: this.listener?.stats ?? null };
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.listener) return;
    this.to('starting');
    const listener = new MllpListener(this.o, (payload) => this.onMessage(payload));
    this.listener = listener;
    try {
      this.boundPort = await listener.listen();
    } catch (err) {
      this.listener = null;
      this.to('faulted');
      this.log.error({ err }, 'MLLP listener did not start');
      throw err;
    }
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    this.log.info({ host: this.o.host ?? '127.0.0.1', port: this.boundPort }, 'MLLP listener up');
    this.to('running');
  }

  async stop(): Promise<void> {
    const l = this.listener;
    this.listener = null;
    this.boundPort = null;
    if (l) await l.close();
    this.to('stopped');
  }

  private onMessage(payload: Uint8Array): Uint8Array | undefined {
    const out = this.receiver.handle(payload);
    const now = this.o.clock.nowNs();
    for (const r of out.readings) this.emit('reading', { ...r, captureTimeNs: now });
    if (out.code !== undefined && out.code !== 'AA') this.log.debug({ ack: out.code }, 'HL7 message not fully accepted');
    if (out.ack === undefined) return undefined;
    return Buffer.from(out.ack, out.utf8 ? 'utf8' : 'latin1');
  }

  private to(s: DeviceState): void {
    if (s === this.current) return;
    this.current = s;
    this.emit('state', s);
  }
}
