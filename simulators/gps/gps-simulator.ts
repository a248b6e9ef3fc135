// Drives a route and writes one NMEA epoch per period to a serial line, paced at the line's real
// byte rate (10 bits per byte: 8N1), so a 4800-baud receiver's timing is what the driver sees.
import { epochSentences } from './nmea-out.js';
import { RouteDrive, type Route } from './route.js';

export interface GpsWire {
  write(data: Uint8Array): Promise<void>;
}

export interface GpsSimulatorOptions {
  readonly wire: GpsWire;
  readonly route: Route;
  /** 4800 (NMEA 0183) or 9600 (most modern receivers). */
  readonly baudRate: number;
  /** Real time between epochs, ms. Default 1000; tests use less to drive faster (route time still advances 1 s per epoch). */
  readonly epochMs?: number;
  /** UTC of the first epoch, Unix ms. Default: now, rounded to the second. */
  readonly startTimeMs?: number;
  /** Start over at the first point after arriving (plus a minute standing at the hospital). */
  readonly loop?: boolean;
  /** Seconds into the route at the first epoch. */
  readonly offsetS?: number;
}

export class GpsSimulator {
  private readonly drive: RouteDrive;
  private timer: NodeJS.Timeout | null = null;
  private epoch = 0;
  private busy = false;
  private stopped = false;
  /** Epochs written, and epochs skipped because the line was still busy with the previous one. */
  readonly stats = { epochs: 0, bytes: 0, overruns: 0 };

  constructor(private readonly o: GpsSimulatorOptions) {
    this.drive = new RouteDrive(o.route);
    const bytesPerEpoch = 3 * 80;
    if ((bytesPerEpoch * 10 * 1000) / o.baudRate > (o.epochMs ?? 1000)) {
      throw new Error(`${o.baudRate} baud cannot carry an epoch (~${bytesPerEpoch} bytes) every ${o.epochMs ?? 1000} ms`);
    }
  }

  get routeDurationS(): number {
    return this.drive.durationS;
  }

  start(): void {
    const start = this.o.startTimeMs ?? Math.floor(Date.now() / 1000) * 1000;
    const tick = (): void => {
      if (this.busy) {
        this.stats.overruns++;
        return;
      }
      const n = this.epoch++;
      let tS = (this.o.offsetS ?? 0) + n;
      if (this.o.loop) tS %= this.drive.durationS + 60;
      const s = this.drive.at(tS);
      const lines = epochSentences({ timeMs: start + n * 1000, position: s.position, speedMps: s.speedMps, courseDeg: s.courseDeg, fix: s.fix });
      this.busy = true;
      void this.writePaced(lines).finally(() => { this.busy = false; });
    };
    tick();
    this.timer = setInterval(tick, this.o.epochMs ?? 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Writes each sentence, then waits the time its bytes take on the line. */
  private async writePaced(lines: string[]): Promise<void> {
    for (const l of lines) {
      if (this.stopped) return;
      const bytes = new TextEncoder().encode(l);
      try {
        await this.o.wire.write(bytes);
      } catch {
        return; // the line is gone (the test pulled it); the next epoch tries again
      }
      this.stats.bytes += bytes.length;
      await new Promise((r) => setTimeout(r, (bytes.length * 10 * 1000) / this.o.baudRate));
    }
    this.stats.epochs++;
  }
}
