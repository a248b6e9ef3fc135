import { ArmFrameDecoder, type AnyArmMessage } from '../../protocols/ultrasound-arm/index.js';
import type { ArmWire } from '../../simulators/ultrasound-arm/arm-simulator.js';

/** One frame seen at the simulated arm's end of the serial line, on the simulator's clock (ms). */
export interface TappedFrame {
  readonly atMs: number;
  readonly dir: 'in' | 'out';
  readonly message: AnyArmMessage;
}

/**
 * The simulator's own view of its serial line: wraps the arm's wire so every frame the host sends
 * is decoded and stamped the moment the simulator receives it (the same data event its own decoder
 * handles, so "the arm received a Hold at t" is when its commanded velocity went to zero), and every
 * frame the arm writes is decoded too. Telemetry is stamped with the sample's own time (its
 * armTimeUs on the simulator's clock), not when the write got through.
 */
export class ArmTap {
  private listeners: ((f: TappedFrame) => void)[] = [];
  private readonly inDecoder = new ArmFrameDecoder({ onFrame: (f) => this.emit({ atMs: this.now(), dir: 'in', message: f.message }) });
  private readonly outDecoder = new ArmFrameDecoder({
    onFrame: (f) => {
      const m = f.message;
      const at = m.type === 'Telemetry' && this.t0 !== null ? this.t0 + m.armTimeUs / 1000 : this.now();
      this.emit({ atMs: at, dir: 'out', message: m });
    },
  });
  /** The simulator's time origin (its first clock reading), to turn armTimeUs back into clock time. */
  private t0: number | null = null;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** The clock to give the simulator: the same clock, recording its first reading as the sample origin. */
  readonly now = (): number => {
    const v = this.clock();
    this.t0 ??= v;
    return v;
  };

  wrap(wire: ArmWire): ArmWire {
    return {
      write: (data) => {
        this.outDecoder.push(data);
        return wire.write(data);
      },
      onData: (l) => wire.onData((d) => {
        l(d);
        this.inDecoder.push(d);
      }),
    };
  }

  on(l: (f: TappedFrame) => void): () => void {
    this.listeners.push(l);
    return () => { this.listeners = this.listeners.filter((x) => x !== l); };
  }

  private emit(f: TappedFrame): void {
    for (const l of this.listeners) l(f);
  }
}
