import { createServer, type Server, type Socket } from 'node:net';
import type { ArmSimulator } from './arm-simulator.js';
import { encodeImageFrame } from '../../protocols/ultrasound-arm/image-frame.js';
import { renderBmode, type BmodeOptions } from './bmode.js';

/**
 * The arm simulator's image output (protocols/ultrasound-arm/SPEC.md "Image output"): the
 * ultrasound machine's frames as the gateway receives them, rendered by renderBmode from the
 * simulated probe's own current pose and contact force. A TCP listener on loopback; every
 * connected reader gets each frame as a 64-byte header and the gray8 pixels. A reader that has not
 * taken the previous frames is skipped (newest wins at the source: no backlog of old images).
 */

/** The wire format is protocols/ultrasound-arm/image-frame.ts, shared with the gateway's reader. */
export { encodeImageFrame, IMAGE_FRAME_HEADER_BYTES, IMAGE_FRAME_MAGIC } from '../../protocols/ultrasound-arm/image-frame.js';

export interface ImageServerOptions {
  /** Frames per second. Default 15. */
  readonly fps?: number;
  /** Speckle seed of the phantom "patient". Default 1. */
  readonly seed?: number;
  readonly bmode?: BmodeOptions;
  /** Wall clock, Unix ms. */
  readonly nowMs?: () => number;
}

export class ImageServer {
  readonly stats = { frames: 0, skipped: 0, clients: 0 };
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private timer: NodeJS.Timeout | null = null;
  private frameId = 0;
  private readonly nowMs: () => number;

  private constructor(private readonly sim: ArmSimulator, private readonly o: ImageServerOptions) {
    this.nowMs = o.nowMs ?? Date.now;
    this.server = createServer((s) => {
      this.sockets.add(s);
      this.stats.clients = this.sockets.size;
      s.setNoDelay(true);
      // Readers send nothing; whatever they send is ignored.
      s.on('data', () => undefined);
      s.on('error', () => s.destroy());
      s.on('close', () => { this.sockets.delete(s); this.stats.clients = this.sockets.size; });
    });
  }

  /** Listens on 127.0.0.1:port (0 = a free one) and starts rendering. */
  static async listen(sim: ArmSimulator, port: number, o: ImageServerOptions = {}): Promise<ImageServer> {
    const fps = o.fps ?? 15;
    if (!(fps > 0 && fps <= 60)) throw new Error('image fps must be within (0, 60]');
    const srv = new ImageServer(sim, o);
    await new Promise<void>((resolve, reject) => {
      srv.server.once('error', reject);
      srv.server.listen(port, '127.0.0.1', () => resolve());
    });
    srv.timer = setInterval(() => srv.frame(), 1000 / fps);
    return srv;
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  /** Renders and sends one frame now (the timer calls it; tests may too). */
  frame(): void {
    if (this.sockets.size === 0) return;
    const position = { ...this.sim.kin.position };
    const orientation = { ...this.sim.kin.orientation };
    const forceN = this.sim.forceN();
    const captureTimeMs = this.nowMs();
    const img = renderBmode({ position, orientation, forceN, seed: this.o.seed ?? 1, timeMs: captureTimeMs }, this.o.bmode ?? {}, this.sim.phantom);
    this.frameId = (this.frameId + 1) >>> 0;
    const wire = encodeImageFrame({
      frameId: this.frameId, captureTimeMs, width: img.width, height: img.height, depthMm: img.depthMm, forceN,
      position, orientation, coupledColumns: img.coupledColumns, pixels: img.data,
    });
    this.stats.frames += 1;
    for (const s of this.sockets) {
      // More than one frame still unsent to this reader: skip it rather than queue an old image.
      if (s.writableLength > wire.byteLength) { this.stats.skipped += 1; continue; }
      s.write(wire);
    }
  }

  /** Drops every reader (a lost cable, for tests of the gateway's reconnect). */
  dropClients(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.dropClients();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
