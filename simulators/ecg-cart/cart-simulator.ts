import { CART_LEADS, DERIVED_LEADS, encodeFrame, type AnyMessage, type Frame } from '../../protocols/ecg-cart/index.js';
import { FrameDecoder } from '../../protocols/ecg-cart/index.js';
import type { CartSource } from './cart-source.js';
import { EcgModel, type EcgModelOptions } from './ecg-model.js';

/** The cart's end of a serial line: a pty (serial-wire.ts) or an in-memory fake port end. */
export interface CartWire {
  write(data: Uint8Array): Promise<void>;
  onData(listener: (data: Uint8Array) => void): void;
}

export interface CartSimulatorOptions {
  readonly wire: CartWire;
  /** The synthetic model to stream (ignored when `source` is given). */
  readonly model?: EcgModelOptions;
  /** What to stream instead of the synthetic model, e.g. a RecordReplay. */
  readonly source?: CartSource;
  /** Line rate; bytes are paced at baud/10 per second (8N1). Default 921600. */
  readonly baudRate?: number;
  /** Block length, ms. Default 20. */
  readonly blockMs?: number;
  readonly serial?: string;
  /** Frames waiting for the line; when full, new sample blocks are dropped (the seq gap shows it). Default 64. */
  readonly maxQueuedFrames?: number;
  /** Monotonic ms. Default performance.now. */
  readonly now?: () => number;
}

/**
 * A stand-in for the 18-lead cart: answers the host's commands and streams the model's samples in
 * real time over the cart protocol, at the line's real byte rate (socat ignores baud, so we pace).
 */
export class CartSimulator {
  readonly model: CartSource;
  private seq = 0;
  private readonly queue: Uint8Array[] = [];
  private sending = false;
  private lineFreeAt = 0;
  private streaming = false;
  private streamT0 = 0;
  private produced = 0;
  private hung = false;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private record: { id: string; stopAt: number } | null = null;
  private records = 0;
  private readonly t0: number;
  private readonly now: () => number;
  readonly stats = { framesSent: 0, blocksDropped: 0, bytesSent: 0, commands: 0 };

  constructor(private readonly o: CartSimulatorOptions) {
    this.model = o.source ?? new EcgModel(o.model ?? { seed: 1 });
    this.now = o.now ?? (() => performance.now());
    this.t0 = this.now();
    const decoder = new FrameDecoder({ onFrame: (f) => this.onCommand(f) });
    o.wire.onData((d) => decoder.push(d));
  }

  start(): void {
    this.heartbeat = setInterval(() => {
      this.enqueue({ type: 'Heartbeat', uptimeMs: Math.round(this.now() - this.t0) });
      this.enqueue({ type: 'LeadOff', bitmap: this.model.leadOffBitmap });
    }, 1000);
    this.timer = setInterval(() => this.tick(), this.o.blockMs ?? 20);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = this.heartbeat = null;
    this.queue.length = 0;
  }

  /** A silent hang: the cart stops sending anything (and drops what it had queued). */
  setHung(hung: boolean): void {
    this.hung = hung;
    if (hung) this.queue.length = 0;
  }

  setLeadOff(bitmap: number): void {
    this.model.setLeadOff(bitmap);
    this.enqueue({ type: 'LeadOff', bitmap });
  }

  /** Raw bytes on the line, e.g. noise from a bad cable. */
  injectBytes(bytes: Uint8Array): void {
    this.queue.push(bytes);
    void this.pump();
  }

  /**
   * The operator pressed the cart's record button. patientId is a patient identifier. False when
   * nothing started: the host has not started the stream yet, or a record is already running.
   */
  pressRecord(patientId: string, durationMs = 10_000): boolean {
    if (!this.streaming || this.record) return false;
    const id = `${this.o.serial ?? 'SIM'}-${++this.records}`;
    const start = this.produced;
    this.record = { id, stopAt: start + Math.round((durationMs / 1000) * this.model.sampleRateHz) };
    this.enqueue({ type: 'RecordStart', recordId: id, patientId, startSampleIndex: start });
    return true;
  }

  private onCommand(f: Frame): void {
    this.stats.commands++;
    const m = f.message;
    switch (m.type) {
      case 'RequestInfo':
        this.enqueue({
          type: 'DeviceInfo', model: 'TM-ECG18 simulator', serial: this.o.serial ?? 'SIM-0001', firmware: '1.0.0',
          sampleRateHz: this.model.sampleRateHz, uvPerCount: this.model.uvPerCount,
          leads: CART_LEADS.map((name) => ({ name, derived: (this.model.derivedLeads ?? DERIVED_LEADS).has(name) })),
        });
        return;
      case 'StartStream':
        // A restart of the stream restarts the sample index (SPEC.md §3).
        this.streaming = true;
        this.streamT0 = this.now();
        this.produced = 0;
        this.record = null;
        this.model.rewindIndex();
        return;
      case 'StopStream':
        this.streaming = false;
        return;
      case 'StartRecord':
        this.pressRecord(m.patientId, m.durationMs);
        return;
      case 'StopRecord':
        if (this.record) {
          this.enqueue({ type: 'RecordStop', recordId: this.record.id, stopSampleIndex: this.produced, aborted: true });
          this.record = null;
        }
        return;
      default:
        return;
    }
  }

  private tick(): void {
    if (!this.streaming || this.hung) return;
    const rate = this.model.sampleRateHz;
    const due = Math.floor(((this.now() - this.streamT0) / 1000) * rate);
    const per = Math.round(((this.o.blockMs ?? 20) / 1000) * rate);
    while (this.produced + per <= due) {
      // A replayed record can run out: the last block is short, then the cart sends no more samples.
      const left = this.model.available?.() ?? Number.POSITIVE_INFINITY;
      const count = Math.min(per, left);
      if (count <= 0) {
        if (this.record) {
          this.enqueue({ type: 'RecordStop', recordId: this.record.id, stopSampleIndex: this.produced, aborted: true });
          this.record = null;
        }
        return;
      }
      const first = this.produced;
      const samples = this.model.next(count);
      this.produced += count;
      this.enqueue({ type: 'SampleBlock', firstSampleIndex: first, leadCount: CART_LEADS.length, samplesPerLead: count, samples }, true);
      if (this.record && this.produced >= this.record.stopAt) {
        this.enqueue({ type: 'RecordStop', recordId: this.record.id, stopSampleIndex: this.record.stopAt, aborted: false });
        this.record = null;
      }
    }
  }

  private enqueue(m: AnyMessage, droppable = false): void {
    if (this.hung) return;
    const frame = encodeFrame(this.seq++ & 0xffff, m);
    if (droppable && this.queue.length >= (this.o.maxQueuedFrames ?? 64)) {
      this.stats.blocksDropped++;
      return;
    }
    this.queue.push(frame);
    void this.pump();
  }

  /** Writes queued frames no faster than the line: each waits until the previous has left. */
  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    const bytesPerMs = (this.o.baudRate ?? 921_600) / 10 / 1000;
    try {
      for (let f = this.queue.shift(); f; f = this.queue.shift()) {
        const wait = this.lineFreeAt - this.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        this.lineFreeAt = Math.max(this.now(), this.lineFreeAt) + f.length / bytesPerMs;
        await this.o.wire.write(f);
        this.stats.framesSent++;
        this.stats.bytesSent += f.length;
      }
    } catch {
      // The line is gone (unplugged); what was queued is lost, as on a real cart.
      this.queue.length = 0;
    } finally {
      this.sending = false;
    }
  }
}
