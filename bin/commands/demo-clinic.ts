// The demo clinic's equipment (issue 10 item 7): the 18-lead ECG cart simulator on one end of a
// socat pty pair, the gateway's real cart driver (`ecg-cart`) on the other. The simulator paces
// its bytes at the cart's line rate and a nurse "presses record" about once a minute, each time for
// the next patient in the queue, so records go through edge analysis to the hub's worklist. The
// clinic also has the robotic ultrasound arm (demo-arm.ts) for a specialist to drive from #/teleop.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CartSimulator, EcgModel, openSerialWire, type CartSource, type Rhythm } from '../../simulators/ecg-cart/index.js';
import { armEquipment } from './demo-arm.js';
import { startPty, type DemoPty } from './demo-pty.js';

/** The cart's line rate, baud (protocols/ecg-cart/SPEC.md §1): both ends use it, the simulator paces to it. */
export const DEMO_CART_BAUD = 921_600;

/** The demo's queue of patients at the clinic: one rhythm each, in this order, round and round. */
export const DEMO_CART_PATIENTS: readonly { rhythm: Rhythm; hrBpm: number }[] = [
  { rhythm: 'sinus', hrBpm: 72 }, { rhythm: 'pvc', hrBpm: 78 }, { rhythm: 'af', hrBpm: 96 }, { rhythm: 'stemi', hrBpm: 88 },
];

export interface ClinicEquipmentOptions {
  /** Where the cart's pty links go. */
  dir: string;
  seed: number;
  logger: Logger;
  /** Delay before the first record once the gateway streams from the cart, ms (default 3 s: the record stops ~13 s in). */
  firstRecordMs?: number;
  /** Between record presses, ms (default 60 s). */
  recordEveryMs?: number;
}

export interface ClinicEquipment {
  /** Gateway device entries (gateway/config.ts). */
  devices: Record<string, unknown>[];
  /** Starts the cart simulator and its record button; call once the gateway runs. */
  start(): Promise<void>;
  /** Stops the simulator and socat. Safe to call twice. */
  close(): Promise<void>;
  /** Banner lines. */
  lines: string[];
  /** Records started so far (for tests and the log). */
  readonly recordsStarted: number;
}

/**
 * The cart's signal: one EcgModel per patient, switched when the next patient's record starts (new
 * electrodes on a new chest: the stream jumps there, as on a real cart).
 */
class PatientQueue implements CartSource {
  readonly sampleRateHz = 500;
  readonly uvPerCount: number;
  private readonly models: EcgModel[];
  private current = 0;
  private leadOff = 0;

  constructor(seed: number) {
    this.models = DEMO_CART_PATIENTS.map((p, i) => new EcgModel({ seed: seed + i, rhythm: p.rhythm, hrBpm: p.hrBpm, sampleRateHz: 500 }));
    this.uvPerCount = this.models[0]?.uvPerCount ?? 1;
  }

  get leadOffBitmap(): number { return this.leadOff; }
  setLeadOff(bitmap: number): void { this.leadOff = bitmap >>> 0; for (const m of this.models) m.setLeadOff(bitmap); }
  rewindIndex(): void { for (const m of this.models) m.rewindIndex(); }
  next(n: number): Int16Array { return (this.models[this.current] ?? this.models[0]!).next(n); }
  /** Patient i of DEMO_CART_PATIENTS (modulo their number) is on the cart now. */
  select(i: number): void { this.current = i % this.models.length; }
}

export async function clinicEquipment(o: ClinicEquipmentOptions): Promise<ClinicEquipment> {
  await mkdir(o.dir, { recursive: true });
  // The gateway opens a stable path, as it would /dev/serial/by-id/usb-… on a real clinic PC.
  const cartEnd = join(o.dir, 'cart-sim');
  const hostEnd = join(o.dir, 'usb-telemed-ECG18-DEMO01');
  const pty: DemoPty = await startPty(cartEnd, hostEnd);
  const arm = await armEquipment(o.dir).catch(async (err: unknown) => { await pty.stop(); throw err; });
  const firstMs = o.firstRecordMs ?? 3000;
  const everyMs = o.recordEveryMs ?? 60_000;
  const source = new PatientQueue(o.seed);
  let sim: CartSimulator | null = null;
  let wire: Awaited<ReturnType<typeof openSerialWire>> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let started = 0;
  let closed = false;

  return {
    devices: [{ kind: 'ecg-cart', id: 'cart-1', path: hostEnd, baud: DEMO_CART_BAUD }, arm.device],
    lines: [
      `  ECG cart (pty)     18-lead cart simulator -> ${hostEnd} -> the gateway's cart driver, ${DEMO_CART_BAUD} baud`,
      `                     a 10 s record ~${Math.round((firstMs + 10_000) / 1000)} s after start, then every ${Math.round(everyMs / 1000)} s (rhythms ${DEMO_CART_PATIENTS.map((p) => p.rhythm).join(', ')}), analysed at the edge and sent to the worklist`,
      ...arm.lines,
    ],
    get recordsStarted() { return started; },
    async start() {
      wire = await openSerialWire(cartEnd, DEMO_CART_BAUD);
      sim = new CartSimulator({ wire, source, serial: 'DEMO01', baudRate: DEMO_CART_BAUD });
      sim.start();
      const t0 = Date.now();
      let dueAt = t0 + firstMs;
      // The button is tried once a second from its due time: it does nothing until the driver has
      // started the stream (or while a record runs), and the next is due `everyMs` after one took.
      timer = setInterval(() => {
        if (sim === null || Date.now() < dueAt) return;
        // Idempotent until a press takes: the same patient is selected again on the next try.
        source.select(started);
        // A patient identifier keyed on the cart: it travels inside the record, never into a log.
        if (!sim.pressRecord(`DEMO-${String(started + 1).padStart(4, '0')}`, 10_000)) return;
        o.logger.info({ record: started + 1, rhythm: DEMO_CART_PATIENTS[started % DEMO_CART_PATIENTS.length]?.rhythm }, 'demo: cart record started');
        started += 1;
        dueAt = Date.now() + everyMs;
      }, 1000);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== null) clearInterval(timer);
      sim?.stop();
      await wire?.close().catch(() => undefined);
      await pty.stop();
      await arm.close();
    },
  };
}
